"""columns(): a list table declares its column labels once, for its head and for each cell's card label."""
from __future__ import annotations

from core.testing.html import select

TABLE = """{% set cols = columns(due=_("时限"), title=name, act="", bar=("", "bar-col")) %}
<table class="table cards">{{ cols.head() }}<tbody><tr><td {{ cols.due }}>1</td><td {{ cols["title"] }}>2</td>
<td {{ cols.act }}>3</td><td {{ cols.bar }}>4</td></tr></tbody></table>"""


def test_the_head_and_every_cell_carry_the_same_labels_escaped(app):
    with app.test_request_context("/"):
        html = app.jinja_env.from_string(TABLE).render(name='<b>"事件"</b>')
    assert [th.get_text() for th in select(html, "thead th")] == ["时限", '<b>"事件"</b>', "", ""]
    assert [th.get("scope") for th in select(html, "thead th")] == ["col"] * 4
    assert select(html, "thead th")[3]["class"] == ["bar-col"]
    assert [td["data-label"] for td in select(html, "tbody td")] == ["时限", '<b>"事件"</b>', "", ""]
    assert "<b>" not in html  # a label is text, never markup


def test_every_list_table_is_declared_with_columns():
    """A list table under templates/ or a plugin's templates uses columns(), so it becomes cards on a phone."""
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    plain = []
    for path in [*root.glob("templates/**/*.html"), *root.glob("plugins/*/templates/**/*.html")]:
        for table in re.findall(r"<table\b[^>]*>", path.read_text(encoding="utf-8")):
            if 'class="table' in table and "cards" not in table:
                plain.append(f"{path.relative_to(root)}: {table}")
    assert plain == []
