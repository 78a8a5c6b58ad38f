"""Capped grid lists say how much they show and page on (core.api.keyset_page): nothing is cut off silently,
nothing shows twice."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from core.db import db
from core.tenancy import tenant_scope

from .conftest import client_for

LIST_PAGE = 50  # plugins.grid.views.common.LIST_PAGE


def _titles(html: str) -> list[str]:
    return re.findall(r"调解案例-(\d+)", html)


def _add_cases(app, gw, n: int) -> None:
    from plugins.grid.models import MediationCase
    same = datetime(2026, 5, 1, 2, 0, tzinfo=timezone.utc)
    with app.app_context(), tenant_scope(gw.street.id):
        for i in range(n):  # a third share one creation time: the id breaks the tie
            at = same if i % 3 == 0 else same + timedelta(minutes=i)
            db.session.add(MediationCase(grid_id=gw.grid.id, title=f"调解案例-{i:03d}", parties=[], created_at=at))


def test_a_list_longer_than_a_page_says_so_and_the_next_page_shows_the_rest_once(app, gw):
    total = LIST_PAGE + 7
    _add_cases(app, gw, total)
    c = client_for(app, gw.admin)
    first = c.get(f"/t/{gw.street.slug}/grid/mediation")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert f"显示前 {LIST_PAGE} 条" in html
    shown = _titles(html)
    assert len(shown) == LIST_PAGE
    link = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    second = c.get(link)
    assert second.status_code == 200
    html2 = second.get_data(as_text=True)
    rest = _titles(html2)
    assert len(rest) == total - LIST_PAGE
    assert set(shown).isdisjoint(rest)
    assert sorted(shown + rest) == [f"{i:03d}" for i in range(total)]
    assert 'rel="next"' not in html2 and "回到第一页" in html2
    # newest first across the page break
    assert shown[0] == f"{total - 1:03d}"


def test_a_short_list_has_no_pager_and_a_bad_cursor_starts_at_the_first_page(app, gw):
    _add_cases(app, gw, 3)
    c = client_for(app, gw.admin)
    html = c.get(f"/t/{gw.street.slug}/grid/mediation").get_data(as_text=True)
    assert len(_titles(html)) == 3 and "下一页" not in html and "显示前" not in html
    bad = c.get(f"/t/{gw.street.slug}/grid/mediation?after=not-a-cursor")
    assert bad.status_code == 200 and len(_titles(bad.get_data(as_text=True))) == 3
