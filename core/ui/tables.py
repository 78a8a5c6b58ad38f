"""List tables that become cards on a phone: each column's label is declared once.

    {% set cols = columns(due=_("时限"), title=_("事件"), state=_("状态")) %}
    <table class="table cards">
      {{ cols.head() }}
      <tbody>{% for e in rows %}<tr><td {{ cols.due }}>…</td><td {{ cols.title }}>…</td>…</tr>{% endfor %}</tbody>
    </table>

``cols.head()`` writes the ``<thead>``; ``cols.due`` (or ``cols["due"]``) writes ``data-label="时限"``
on a cell. Under 600 px (``app.css``, ``.table.cards``) every row is a card and every cell shows its
label beside its value, so no column ends up off-screen, in 大字 mode too. A column whose label is
empty (a column of buttons) shows no label; ``(label, "class")`` gives its heading a class.

A rows fragment that htmx swaps on its own (``<tbody id="event-rows">``) declares the columns itself
and writes the head only when it is part of the page:
``{% if not is_fragment_request("event-rows") %}{{ cols.head() }}{% endif %}``.
"""
from __future__ import annotations

from markupsafe import Markup


class Columns:
    """The columns of one table: key → label (and an optional class for the heading)."""

    def __init__(self, labels: dict):
        self._labels = {}
        self._classes = {}
        self._cells = {}
        for key, value in labels.items():
            label, cls = value if isinstance(value, tuple) else (value, None)
            self._labels[key] = "" if label is None else label
            self._classes[key] = cls
            # a list writes the same attribute on every row: built once per table, not per cell
            self._cells[key] = Markup('data-label="{}"').format(self._labels[key])
            if not key.startswith("_") and not hasattr(Columns, key):  # ``cols.due`` finds it without __getattr__
                self.__dict__[key] = self._cells[key]

    def head(self) -> Markup:
        cells = []
        for key, label in self._labels.items():
            cls = self._classes[key]
            cells.append(Markup('<th scope="col"{}>{}</th>').format(
                Markup(' class="{}"').format(cls) if cls else "", label))
        return Markup("<thead><tr>{}</tr></thead>").format(Markup("").join(cells))

    def __getitem__(self, key: str) -> Markup:
        return self._cells[key]

    def __getattr__(self, key: str) -> Markup:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __len__(self) -> int:
        return len(self._labels)


def columns(**labels) -> Columns:
    """A table's columns in order, for its head and for the label on each cell."""
    return Columns(labels)


__all__ = ["Columns", "columns"]
