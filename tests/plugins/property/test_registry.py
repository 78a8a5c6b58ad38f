"""The registry: overlapping coverage refused (exclusion constraint on PostgreSQL, the check under the
write lock on both, parallel writers), provider staff see only their own compounds, a gap is red the
day it opens and asks for a hand-over plan, committee terms alert at 60 and 30 days."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from core.api import db, Refused
from core.testing.factories import post

from .conftest import client_for, in_tenant, url


def _periods(app, pw, compound):
    from plugins.property.models import CoveragePeriod
    with app.app_context(), in_tenant(pw):
        return db.session.scalar(select(func.count()).select_from(CoveragePeriod)
                                 .where(CoveragePeriod.compound_id == compound.id))


def test_an_overlapping_period_is_refused_on_the_page_in_chinese_and_nothing_is_written(app, pw):
    c = client_for(app, pw.staff)
    before = _periods(app, pw, pw.compounds[2])
    resp = post(c, url(pw, f"/compounds/{pw.compounds[2].id}/coverage"),
                {"mode": "fallback", "provider_id": pw.companies["fallback"], "starts_on": "2030-01-01"})
    assert resp.status_code == 422 and "重叠" in resp.text
    resp = post(c, url(pw, f"/compounds/{pw.compounds[2].id}/coverage"),
                {"mode": "professional", "starts_on": "2030-01-01", "ends_on": "2029-01-01"})
    assert resp.status_code == 422 and "结束日期不能早于开始日期" in resp.text
    assert _periods(app, pw, pw.compounds[2]) == before
    resp = post(c, url(pw, f"/compounds/{pw.compounds[2].id}/coverage"),
                {"mode": "fallback", "provider_id": pw.companies["fallback"], "starts_on": "2100-01-01"})
    assert resp.status_code == 303
    assert _periods(app, pw, pw.compounds[2]) == before + 1


def test_a_market_company_cannot_be_the_fallback(app, pw):
    from core.api import org_unit
    from plugins.property.services import coverage
    with app.app_context(), in_tenant(pw):
        with pytest.raises(Refused, match="兜底服务须由"):
            coverage.add_period(org_unit(pw.compounds[2].id), {"mode": "fallback", "provider_id": pw.companies["market"],
                                                               "starts_on": date(2100, 1, 1), "ends_on": None})


def test_the_database_itself_refuses_an_overlap_on_postgresql(app, pw):
    """A writer that skips the service (raw SQL) still cannot overlap periods on PostgreSQL."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite relies on the write lock")
    from sqlalchemy.exc import IntegrityError
    with app.app_context(), in_tenant(pw):
        with pytest.raises(IntegrityError, match="no_overlap"):
            db.session.execute(text(
                "INSERT INTO property__coverage_period (tenant_id, compound_id, mode, contract_no, starts_on, ends_on, "
                "fee_standard, households_covered, documents, alerts_sent, created_at) VALUES (:t, :c, 'none', '', "
                "'2050-01-01', '2050-02-01', '', 0, '[]', '[]', now())"), {"t": pw.street.id, "c": pw.compounds[0].id})
        db.session.rollback()


def test_parallel_writers_of_overlapping_periods_one_wins(app, pw):
    """Six staff post overlapping periods for one compound at the same moment: exactly one is recorded."""
    c0 = client_for(app, pw.staff)
    post(c0, url(pw, f"/compounds/{pw.compounds[2].id}/coverage"), {"mode": "none", "starts_on": "2100-01-01",
                                                                     "ends_on": "2100-12-31"})
    before = _periods(app, pw, pw.compounds[2])
    clients = [client_for(app, pw.staff) for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    results = []

    def go(c, k):
        barrier.wait()
        resp = post(c, url(pw, f"/compounds/{pw.compounds[2].id}/coverage"),
                    {"mode": "fallback", "provider_id": pw.companies["fallback"], "starts_on": f"2101-0{k + 1}-01",
                     "ends_on": "2101-12-31"}, headers={"HX-Request": "true"})
        results.append(resp.status_code)

    threads = [threading.Thread(target=go, args=(c, k)) for k, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [303] + [422] * 5, results
    assert _periods(app, pw, pw.compounds[2]) == before + 1


def test_provider_staff_see_only_their_own_compounds(app, pw):
    c = client_for(app, pw.provider)
    page = c.get(url(pw, "/"))
    assert page.status_code == 200
    assert "阳光花园" in page.text and "东城小区" in page.text and "矿工新村" not in page.text
    assert c.get(url(pw, f"/compounds/{pw.compounds[1].id}")).status_code == 404
    assert c.get(url(pw, f"/compounds/{pw.compounds[0].id}")).status_code == 200
    other = client_for(app, pw.other_provider)
    assert "矿工新村" in other.get(url(pw, "/")).text and "阳光花园" not in other.get(url(pw, "/")).text
    from plugins.property.services import scope
    with app.app_context(), in_tenant(pw, pw.provider):
        names = {u.name for u in db.session.scalars(scope.compound_query())}
    assert names == {"阳光花园", "东城小区"}
    staff = client_for(app, pw.staff).get(url(pw, "/")).text
    assert "阳光花园" in staff and "矿工新村" in staff and "东城小区" in staff
    worker = client_for(app, pw.worker).get(url(pw, "/")).text  # a grid grant covers the compounds the grid serves
    assert "阳光花园" in worker and "矿工新村" not in worker and "东城小区" not in worker


def test_a_removed_link_stops_the_restriction_and_an_unknown_account_is_refused(app, pw):
    admin = client_for(app, pw.admin)
    resp = post(admin, url(pw, f"/companies/{pw.companies['welfare']}/staff"), {"username": "nobody-here"})
    assert resp.status_code == 422 and "本单位没有这个账号" in resp.text
    from plugins.property.models import CompanyStaff
    with app.app_context(), in_tenant(pw):
        staff_id = db.session.scalar(select(CompanyStaff.id).where(CompanyStaff.user_id == pw.provider.id))
    assert post(admin, url(pw, f"/staff/{staff_id}/remove"), {}).status_code == 303
    page = client_for(app, pw.provider).get(url(pw, "/")).text  # now only what the account's grant covers
    assert "阳光花园" in page and "东城小区" not in page and "矿工新村" not in page
    assert client_for(app, pw.provider).get(url(pw, "/companies")).status_code == 403


def test_a_gap_is_red_the_day_it_opens_and_a_handover_plan_closes_it(app, pw, deliver_event):
    from core.api import clock, org_unit
    from plugins.property.models import CoverageGap, CoveragePeriod
    from plugins.property.services import coverage, scope
    with app.app_context(), in_tenant(pw):
        today = scope.today()
        period = db.session.scalar(select(CoveragePeriod).where(CoveragePeriod.compound_id == pw.compounds[2].id))
        coverage.end_period(period, today - timedelta(days=1))  # the contract ended yesterday
        db.session.commit()
    c = client_for(app, pw.staff)
    page = c.get(url(pw, f"/compounds/{pw.compounds[2].id}"))
    assert 'data-testid="gap"' in page.text and 'data-testid="handover"' in page.text
    board = c.get(url(pw, "/coverage"))
    assert 'data-testid="gaps"' in board.text and "东城小区" in board.text and "66.7%" in board.text
    assert "<meter" in board.text and "style=" not in board.text  # bars drawn without inline styles, which CSP blocks
    with app.app_context(), in_tenant(pw):
        assert coverage.watch() >= 1 and coverage.watch() == 0  # the gap opens once
        gap = db.session.scalar(select(CoverageGap).where(CoverageGap.compound_id == pw.compounds[2].id))
        assert gap.opened_on == today and gap.closed_on is None
        from core.events.models import EventOutbox as Outbox  # the event is in the outbox
        assert db.session.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.name == "property.coverage_gap_opened")) == 1
    resp = post(c, url(pw, f"/compounds/{pw.compounds[2].id}/handover"), {"provider_id": pw.companies["market"]})
    assert resp.status_code == 422 and "兜底物业企业" in resp.text
    resp = post(c, url(pw, f"/compounds/{pw.compounds[2].id}/handover"), {"provider_id": pw.companies["welfare"]})
    assert resp.status_code == 303
    with app.app_context(), in_tenant(pw):
        plan = coverage.period_on(pw.compounds[2].id, today)
        assert plan.mode == "fallback" and plan.starts_on == today and plan.households_covered == 100
        assert db.session.get(CoverageGap, gap.id).closed_on == today
        assert org_unit(pw.compounds[2].id) is not None and clock
    assert "100.0%" in c.get(url(pw, "/coverage")).text


def test_committee_terms_alert_at_60_and_30_days_once_each(app, pw):
    from core.api import org_unit
    from plugins.property.services import coverage, registry, scope
    c = client_for(app, pw.staff)
    with app.app_context(), in_tenant(pw):
        today = scope.today()
    resp = post(c, url(pw, f"/compounds/{pw.compounds[0].id}/bodies"),
                {"kind": "owners_committee", "term_start": (today - timedelta(days=1000)).isoformat(),
                 "term_end": (today + timedelta(days=59)).isoformat(), "members": "★王甲01\n李乙02"})
    assert resp.status_code == 303
    assert "任期将满" in c.get(url(pw, f"/compounds/{pw.compounds[0].id}")).text
    from core.ui.models import Notification as InboxItem
    with app.app_context(), in_tenant(pw):
        body = registry.bodies_of(org_unit(pw.compounds[0].id))[0]
        assert body.members == [{"name": "王甲01", "party_member": True}, {"name": "李乙02", "party_member": False}]
        coverage.watch(today)
        assert body.alerts_sent == [60]
        coverage.watch(today)
        coverage.watch(today + timedelta(days=30))
        assert body.alerts_sent == [30, 60]
        db.session.commit()
        titles = [i.title for i in db.session.scalars(select(InboxItem).where(InboxItem.user_id == pw.staff.id))]
    assert sum("任期将于" in t for t in titles) == 2


def test_bad_company_input_answers_422_and_writes_nothing(app, pw):
    c = client_for(app, pw.admin)
    resp = post(c, url(pw, "/companies/new"), {"name": "", "uscc": "123", "kind": "market"})
    assert resp.status_code == 422 and "必填项" in resp.text and "18位" in resp.text
    resp = post(c, url(pw, "/companies/new"), {"name": "重复", "uscc": "91340404MA2T00001X", "kind": "market"})
    assert resp.status_code == 422 and "已登记" in resp.text
    assert post(client_for(app, pw.staff), url(pw, "/companies/new"), {}).status_code == 403
