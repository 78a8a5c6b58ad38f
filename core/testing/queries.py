"""Counting the statements one request costs, the same way every time.

A signed-in request may write its last-seen (at most once a minute) and may find its worker's kept
sign-in lapsed (``ADMISSION_SECONDS``); either adds statements. Both have a deadline, so a count
taken near one depends on the wall clock. :func:`statements_of` moves the test clock past the
last-seen minute and makes one call first: that call writes the last-seen and keeps a new sign-in,
and the counted call right after it finds both fresh."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .. import clock


def statements_of(fn: Callable[[], object], *, rls_settings: bool = False) -> int:
    """Statements of ``fn()`` called warm. ``rls_settings``: also count PostgreSQL's per-transaction
    ``set_config`` statement (left out by default, as SQLite has none)."""
    clock.travel(61)
    fn()
    seen = []

    def listener(conn, cursor, statement, params, context, executemany):
        if rls_settings or not statement.startswith("SELECT set_config("):
            seen.append(statement)
    event.listen(Engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(Engine, "before_cursor_execute", listener)
    return len(seen)


@pytest.fixture(autouse=True)
def _clock_back():
    """A test that moves the clock leaves it where it found it."""
    yield
    clock.reset()
