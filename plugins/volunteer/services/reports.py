"""Figures and reports."""
from __future__ import annotations


def figures() -> dict:
    return {}
