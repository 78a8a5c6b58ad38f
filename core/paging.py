"""Keyset paging: a capped list that says so and goes on, at the same cost on every page.

``keyset_page(stmt, key_columns, after, limit)`` orders ``stmt`` by the key columns, starts after the
cursor of the previous page and reads one row more than ``limit`` to know whether there is a next page.
The cursor is an opaque, URL-safe string of the last row's key values. The last key column must be
unique (the id), and none may be NULL. A cursor that does not parse starts again at the first page.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from .db import db


@dataclass(frozen=True)
class KeysetPage:
    """One page: its ``rows``, the cursor of the next page (None on the last page), the page size, and
    whether this is the first page."""

    rows: list
    next_cursor: str | None
    limit: int
    first: bool

    @property
    def more(self) -> bool:
        return self.next_cursor is not None


def _split(key) -> tuple[object, bool]:
    """(column, descending) from ``Model.col`` or ``Model.col.desc()``."""
    if isinstance(key, UnaryExpression) and key.modifier in (operators.desc_op, operators.asc_op):
        return key.element, key.modifier is operators.desc_op
    return key, False


def _encode(values: list) -> str:
    plain = [v.isoformat() if isinstance(v, (date, datetime)) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, columns: list) -> list | None:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(columns):
            return None
        out = []
        for value, column in zip(raw, columns):
            kind = getattr(column.type, "impl_instance", column.type).python_type  # a TypeDecorator: its base
            if kind is datetime:
                out.append(datetime.fromisoformat(value))
            elif kind is date:
                out.append(date.fromisoformat(value))
            elif kind is int and isinstance(value, int) and not isinstance(value, bool):
                out.append(value)
            elif kind is str and isinstance(value, str):
                out.append(value)
            else:
                return None
        return out
    except (ValueError, TypeError, NotImplementedError):
        return None


def _after(keys: list[tuple[object, bool]], values: list):
    """Rows strictly after ``values`` in the order of ``keys`` (each ascending or descending)."""
    ors = []
    for i, (column, descending) in enumerate(keys):
        equal = [keys[j][0] == values[j] for j in range(i)]
        ors.append(and_(*equal, column < values[i] if descending else column > values[i]))
    return or_(*ors)


def _key_values(row, keys) -> list:
    return [getattr(row, column.key) for column, _desc in keys]


def keyset_page(stmt, key_columns, after: str | None, limit: int, *, scalars: bool | None = None,
                key_of=None) -> KeysetPage:
    """Run ``stmt`` for one page of at most ``limit`` rows, ordered by ``key_columns`` (``Model.col`` for
    ascending, ``Model.col.desc()`` for descending; the last one unique), after the cursor ``after``
    (None or a bad cursor: the first page).

    Rows are ORM objects when ``stmt`` selects one entity (or ``scalars=True``), otherwise result rows;
    either way they must carry the key columns by name (``row.created_at``, ``row.id``), or ``key_of(row)``
    returns the key values (for rows of several entities)."""
    keys = [_split(k) for k in key_columns]
    values = _decode(after, [c for c, _d in keys]) if after else None
    if values is not None:
        stmt = stmt.where(_after(keys, values))
    stmt = stmt.order_by(*[c.desc() if d else c.asc() for c, d in keys]).limit(limit + 1)
    if scalars is None:
        scalars = len(stmt.column_descriptions) == 1 and isinstance(stmt.column_descriptions[0].get("entity"), type) \
            and stmt.column_descriptions[0].get("expr") is stmt.column_descriptions[0].get("entity")
    result = db.session.scalars(stmt) if scalars else db.session.execute(stmt)
    rows = list(result.all())
    more = len(rows) > limit
    rows = rows[:limit]
    return KeysetPage(rows=rows, next_cursor=_encode(list(key_of(rows[-1])) if key_of else _key_values(rows[-1], keys)) if more else None, limit=limit,
                      first=values is None)
