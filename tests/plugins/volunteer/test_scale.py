"""A volunteer with 10,000 ledger entries: the volunteer's page and the public board cost the same
number of queries as with a handful, show one page of the journal with a way on, and the running
balance on a later page still adds up from the cached balance."""
from __future__ import annotations

import re
from datetime import date


from core.testing import statements_of

from .conftest import client_for, in_tenant, make_post, register
from .test_rewards_and_public import _active_claim


def _count_queries(app, fn) -> int:
    """Statements of one warm call (``core.testing.statements_of``)."""
    with app.app_context():
        return statements_of(fn)


def _fill(app, vw, vid, entries, tag):
    from tests.perf.bench_volunteer import fill_history
    in_tenant(app, vw.street, lambda: fill_history(vid, entries, date(2026, 3, 2), tag))


def test_the_volunteer_page_and_the_board_cost_the_same_at_ten_thousand_entries(app, vw):
    pid = make_post(app, vw, capacity=3, requires_review=False)
    vid = register(app, vw, 0, user=vw.staff)
    _active_claim(app, vw, pid, vid)
    c = client_for(app, vw.staff)
    page = f"/t/{vw.street.slug}/volunteer/{vid}"
    board = f"/t/{vw.street.slug}/volunteer/boards/{vw.community.id}"
    _fill(app, vw, vid, 10, "few")
    c.get(page), c.get(board)
    few = (_count_queries(app, lambda: c.get(page)), _count_queries(app, lambda: c.get(board)))
    _fill(app, vw, vid, 10_000 - 10, "many")
    c.get(page), c.get(board)  # the same warm-up as before (a session refreshed after a long fill)
    many = (_count_queries(app, lambda: c.get(page)), _count_queries(app, lambda: c.get(board)))
    assert many == few

    from plugins.volunteer.services import ledger
    assert in_tenant(app, vw.street, lambda: ledger.balances("volunteer", vid)) == {"HOURS": 5000 * 30,
                                                                                      "POINTS": 5000 * 50}
    body = c.get(page).get_data(as_text=True)
    assert 'data-testid="hours">2500.0<' in body and 'data-testid="points">2500.00<' in body
    statement = body[body.index('id="points-statement"'):body.index('id="hours-statement"')]
    assert statement.count("<tr>") == 1 + 50  # the header and one page of fifty lines
    assert "服务积分" in statement and "EARN" not in statement
    nxt = re.search(r'href="([^"]*points_after=[^"#]*)', statement).group(1).replace("&amp;", "&")
    second = c.get(nxt).get_data(as_text=True)
    second = second[second.index('id="points-statement"'):second.index('id="hours-statement"')]
    balances = re.findall(r'class="num">([\d.]+)</td></tr>', second)
    assert balances[0] == "2475.00"  # 2500 less the fifty lines of 0.50 on the first page
    assert "回到第一页" in second
    board_body = c.get(board).get_data(as_text=True)
    assert "2500.0" in board_body  # hours on the board come from the cached balance


def test_the_board_pages_by_keyset_and_counts_everyone_serving(app, vw):
    from plugins.volunteer.services import public
    pid = make_post(app, vw, capacity=150, requires_review=False)
    vids = [register(app, vw, i) for i in range(3)]
    for vid in vids:
        _active_claim(app, vw, pid, vid)
    from plugins.volunteer.services import public as svc
    old = svc.BOARD_PAGE
    svc.BOARD_PAGE = 2  # the same keyset paging, seen with a page of two
    try:
        first = in_tenant(app, vw.street, lambda: public.board(vw.community.id))
        rest = in_tenant(app, vw.street, lambda: public.board(vw.community.id, first["page"].next_cursor))
    finally:
        svc.BOARD_PAGE = old
    assert first["serving"] == 3 and len(first["entries"]) == 2 and first["page"].more
    assert len(rest["entries"]) == 1 and not rest["page"].more
    assert {e["who"] for e in first["entries"] + rest["entries"]} == {"张*华"}
