"""Read a page as a browser would: parse it and select with CSS, instead of matching regexes.

    from core.testing.html import select, text_of
    assert text_of(resp.text, "#one-time-password code") == otp
    assert [a["href"] for a in select(resp.text, "#users a")] == [...]
"""
from __future__ import annotations

from bs4 import BeautifulSoup


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def select(html: str, css: str) -> list:
    """Every element matching ``css`` (tags: ``el["href"]``, ``el.get_text()``)."""
    return parse(html).select(css)


def select_one(html: str, css: str):
    """The first element matching ``css``, or None."""
    return parse(html).select_one(css)


def text_of(html: str, css: str) -> str | None:
    """The text of the first element matching ``css``, whitespace collapsed; None when absent."""
    el = select_one(html, css)
    return None if el is None else " ".join(el.get_text(" ").split())


def texts(html: str, css: str) -> list[str]:
    """The text of every element matching ``css``, whitespace collapsed."""
    return [" ".join(el.get_text(" ").split()) for el in select(html, css)]
