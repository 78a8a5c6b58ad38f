"""``jiceng discussion stats``."""
from __future__ import annotations

import click


@click.group("discussion")
def discussion_group():
    """Party–masses discussion stations."""
