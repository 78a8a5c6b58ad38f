"""The fallback subsidy ledger: rate × households × covered days ÷ days in month → score (rounded first)
→ tier → amount in fen; partial months pro-rated; corrections as a reversal plus a new line; nothing
updated or deleted; a tampered row found by `jiceng property ledger verify`; parallel accruals → one."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.api import Refused
from core.db import db
from core.testing.factories import login, post

from .money_parallel import run_parallel
from .money_world import confirmed, in_tenant, mw  # noqa: F401 - the fixture

JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)


def _svc():
    from plugins.property.services import ledger, subsidy
    return subsidy, ledger


def test_a_score_of_79_995_is_rounded_to_80_before_the_tier_and_the_voucher_says_so(app, client, mw):
    subsidy, ledger = _svc()

    def run():
        confirmed(mw, JAN, "79.995")
        e = subsidy.accrue(mw.compound.id, mw.fallback_id, JAN)
        return e.id, e.score_raw, e.score, e.tier_ratio, e.base_fen, e.amount_fen
    entry_id, raw, score, tier, base, amount = in_tenant(app, mw.street, run)
    assert (raw, score, tier) == (799950, 8000, 10000)  # 79.995 → 80.00 → the ≥ 80 tier, 100%
    assert base == amount == 1000 * 300  # a whole month: ¥10 × 300 households
    login(client, mw.admin)
    page = client.get(f"/t/{mw.street.slug}/property/subsidy/entries/{entry_id}").text
    assert "79.9950" in page and "80.00" in page and "四舍五入，保留2位小数" in page and "3,000.00" in page
    assert "BT-202501-" in page
    assert "data-print" in page and "onclick" not in page  # the print button works under CSP (no inline handlers)


def test_truncating_instead_of_rounding_would_fall_into_the_90_tier(app, mw):
    subsidy, _ledger = _svc()

    def run():
        from plugins.property.services import assessment
        scheme = assessment.default_scheme()
        down = assessment.new_version(scheme, rounding={"mode": "down", "places": 2})
        a_id = confirmed(mw, JAN, "79.995")
        from plugins.property.models import Assessment
        db.session.get(Assessment, a_id).scheme_id = down.id
        e = subsidy.accrue(mw.compound.id, mw.fallback_id, JAN)
        return e.score, e.tier_ratio, e.amount_fen
    assert in_tenant(app, mw.street, run) == (7999, 9000, 270000)


def test_a_contract_starting_mid_month_is_paid_for_its_own_days(app, mw):
    subsidy, _ledger = _svc()

    def run():
        from plugins.property.models import CoveragePeriod
        period = db.session.scalar(select(CoveragePeriod).where(CoveragePeriod.compound_id == mw.compound.id))
        period.starts_on = date(2025, 1, 17)  # 15 of January's 31 days
        confirmed(mw, JAN, "91.00")
        e = subsidy.accrue(mw.compound.id, mw.fallback_id, JAN)
        return e.covered_days, e.days_in_month, e.base_fen, e.amount_fen
    # 1000 × 300 × 15 / 31 = 145,161.29 → 145,161 fen
    assert in_tenant(app, mw.street, run) == (15, 31, 145161, 145161)


def test_a_provider_change_within_a_month_gives_each_provider_its_own_days(app, mw):
    subsidy, _ledger = _svc()

    def run():
        from plugins.property.models import CoveragePeriod, PropertyCompany
        period = db.session.scalar(select(CoveragePeriod).where(CoveragePeriod.compound_id == mw.compound.id))
        period.ends_on = date(2025, 2, 10)
        nxt = PropertyCompany(name="红色公益物业服务中心", uscc="913404040000000030", kind="public_welfare")
        db.session.add(nxt)
        db.session.flush()
        db.session.add(CoveragePeriod(compound_id=mw.compound.id, mode="fallback", provider_id=nxt.id,
                                      starts_on=date(2025, 2, 11), households_covered=300))
        confirmed(mw, FEB, "85.00")
        confirmed(mw, FEB, "88.00", provider_id=nxt.id)
        posted = subsidy.run_month(FEB)["posted"]
        return sorted((e.covered_days, e.amount_fen) for e in posted)
    # 300,000 × 10/28 = 107,142.86 → 107,143; × 18/28 = 192,857.14 → 192,857: together the whole month
    assert in_tenant(app, mw.street, run) == [(10, 107143), (18, 192857)]


def test_a_correction_is_a_reversal_plus_a_new_line_and_a_month_that_nets_out_keeps_its_total(app, mw):
    subsidy, ledger = _svc()

    def first():
        confirmed(mw, JAN, "90.00")
        subsidy.post_budget(JAN, 300000)
        return subsidy.accrue(mw.compound.id, mw.fallback_id, JAN).id
    entry_id = in_tenant(app, mw.street, first)
    before = in_tenant(app, mw.street, lambda: ledger.month_totals([JAN])[JAN])
    from plugins.property.models import SubsidyEntry

    def fix():
        rev, new = subsidy.correct(db.session.get(SubsidyEntry, entry_id), "户数录入核对无误，重新入账")
        return rev.amount_fen, rev.reverses_entry_id, new.amount_fen, new.voucher_no
    rev_amount, reverses, new_amount, voucher = in_tenant(app, mw.street, fix)
    assert (rev_amount, reverses, new_amount) == (-300000, entry_id, 300000)
    assert voucher.endswith("-2")
    after = in_tenant(app, mw.street, lambda: ledger.month_totals([JAN])[JAN])
    assert before == after == {"budget": 300000, "accrued": 300000, "disbursed": 0}
    kinds = in_tenant(app, mw.street, lambda: [e.kind for e in db.session.scalars(
        select(SubsidyEntry).where(SubsidyEntry.kind != "budget").order_by(SubsidyEntry.id))])
    assert kinds == ["accrual", "reversal", "accrual"]
    with pytest.raises(Refused, match="已冲销"):
        in_tenant(app, mw.street, lambda: ledger.reverse(db.session.get(SubsidyEntry, entry_id), "again"))
    rev_id = in_tenant(app, mw.street, lambda: db.session.scalar(
        select(SubsidyEntry.id).where(SubsidyEntry.kind == "reversal")))
    with pytest.raises(Refused, match="不能再冲销"):
        in_tenant(app, mw.street, lambda: ledger.reverse(db.session.get(SubsidyEntry, rev_id), "undo"))
    with pytest.raises(Refused, match="原因"):
        in_tenant(app, mw.street, lambda: subsidy.correct(db.session.get(SubsidyEntry, entry_id + 2), " "))
    assert in_tenant(app, mw.street, ledger.verify)["ok"]


def test_a_corrected_assessment_moves_the_line_to_its_new_tier(app, mw):
    subsidy, ledger = _svc()

    def run():
        old = confirmed(mw, JAN, "78.50")
        subsidy.accrue(mw.compound.id, mw.fallback_id, JAN)
        from plugins.property.models import Assessment
        db.session.get(Assessment, old).state = "superseded"
        confirmed(mw, JAN, "86.00", version=2, supersedes_id=old)
        live = subsidy.live_accrual(mw.compound.id, mw.fallback_id, JAN)
        subsidy.correct(live, "考核结果更正")
        return ledger.month_totals([JAN])[JAN]["accrued"]
    assert in_tenant(app, mw.street, run) == 300000  # 270,000 reversed, 300,000 posted


def test_ledger_rows_cannot_be_updated_and_a_tampered_row_fails_verify(app, database, mw):
    subsidy, ledger = _svc()
    in_tenant(app, mw.street, lambda: (confirmed(mw, JAN, "90.00"), subsidy.post_budget(JAN, 300000),
                                       subsidy.accrue(mw.compound.id, mw.fallback_id, JAN)))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["property", "ledger", "verify", "--tenant", mw.street.slug])
    assert ok.exit_code == 0 and "hash chain is intact" in ok.output, ok.output
    with pytest.raises(DBAPIError, match="append-only"):
        in_tenant(app, mw.street, lambda: db.session.execute(
            text("UPDATE property__subsidy_entry SET amount_fen = amount_fen + 100 WHERE tenant_id = :t"),
            {"t": mw.street.id}))
    pg = database["MIGRATE_DATABASE_URL"].startswith("postgresql")
    if pg:
        with pytest.raises(DBAPIError, match="append-only"):
            in_tenant(app, mw.street, lambda: db.session.execute(
                text("DELETE FROM property__subsidy_entry WHERE tenant_id = :t"), {"t": mw.street.id}))
    # someone with the owner's rights goes round the trigger and adds ¥1 to the accrual
    import os

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    url = make_url(database["MIGRATE_DATABASE_URL"])
    if pg:  # the cluster's superuser, who may switch triggers off for a session
        url = make_url(os.environ["JICENG_TEST_PG_URL"]).set(database=url.database)
    engine = create_engine(url)
    with engine.begin() as conn:
        if pg:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER property__subsidy_entry_no_update"))
        conn.execute(text("UPDATE property__subsidy_entry SET amount_fen = amount_fen + 100 "
                          "WHERE tenant_id = :t AND kind = 'accrual'"), {"t": mw.street.id})
        if not pg:
            conn.execute(text("CREATE TRIGGER property__subsidy_entry_no_update BEFORE UPDATE ON "
                              "property__subsidy_entry BEGIN SELECT RAISE(ABORT, 'property__subsidy_entry is "
                              "append-only: post a reversal instead'); END"))
    engine.dispose()
    bad = runner.invoke(args=["property", "ledger", "verify", "--tenant", mw.street.slug])
    assert bad.exit_code == 1
    assert "contents changed after posting" in bad.output and "does not verify" in bad.output


def test_two_writers_accruing_the_same_compound_month_post_exactly_one_line(app, database, mw):
    in_tenant(app, mw.street, lambda: confirmed(mw, JAN, "90.00"))
    results = run_parallel(database, mw.street.id, "tests.plugins.property.money_parallel:accrue", workers=2,
                           compound_id=mw.compound.id, provider_id=mw.fallback_id, month=JAN.isoformat())
    flat = [r for worker in results for r in worker]
    assert sorted(r.split(":")[0] if r.startswith("refused") else r for r in flat) == ["ok 300000", "refused"], flat
    assert any("已计提" in r or "不能重复计提" in r for r in flat), flat
    from plugins.property.models import SubsidyEntry
    subsidy, ledger = _svc()
    n = in_tenant(app, mw.street, lambda: len(db.session.scalars(select(SubsidyEntry)).all()))
    assert n == 1
    assert in_tenant(app, mw.street, ledger.verify)["ok"]


def test_review_approval_by_another_person_then_disbursement_and_a_recovery_after_a_correction(app, mw):
    subsidy, ledger = _svc()
    from plugins.property.models import SubsidyEntry
    entry_id = in_tenant(app, mw.street, lambda: (confirmed(mw, JAN, "90.00"),
                                                  subsidy.accrue(mw.compound.id, mw.fallback_id, JAN).id)[1])
    get = lambda: db.session.get(SubsidyEntry, entry_id)  # noqa: E731
    with pytest.raises(Refused, match="社区审核"):
        in_tenant(app, mw.street, lambda: subsidy.approve(get()), user_id=mw.approver.id)
    assert in_tenant(app, mw.street, lambda: subsidy.state_of(get())) == "draft"
    with pytest.raises(Refused, match="权限"):  # a community's staff review; they may not approve
        in_tenant(app, mw.street, lambda: subsidy.approve(get()), user_id=mw.reviewer.id)
    in_tenant(app, mw.street, lambda: subsidy.review(get()), user_id=mw.admin.id)
    with pytest.raises(Refused, match="同一人"):
        in_tenant(app, mw.street, lambda: subsidy.approve(get()), user_id=mw.admin.id)
    with pytest.raises(Refused, match="街道审批"):
        in_tenant(app, mw.street, lambda: subsidy.disburse(get(), "CZ-1"), user_id=mw.admin.id)
    in_tenant(app, mw.street, lambda: subsidy.approve(get()), user_id=mw.approver.id)
    with pytest.raises(Refused, match="凭证号"):
        in_tenant(app, mw.street, lambda: subsidy.disburse(get(), ""), user_id=mw.admin.id)
    paid = in_tenant(app, mw.street, lambda: subsidy.disburse(get(), "CZ-2025-001").amount_fen, user_id=mw.admin.id)
    assert paid == 300000
    assert in_tenant(app, mw.street, lambda: subsidy.state_of(get())) == "disbursed"
    # the month's household count was wrong: 280, not 300 → reversal, new line, and ¥200 to recover

    def fix():
        from plugins.property.models import CoveragePeriod
        db.session.scalar(select(CoveragePeriod).where(CoveragePeriod.compound_id == mw.compound.id)) \
            .households_covered = 280
        _rev, new = subsidy.correct(get(), "核减空置户")
        return new.id, subsidy.payable(new)
    new_id, owed = in_tenant(app, mw.street, fix, user_id=mw.admin.id)
    assert owed == -20000
    totals = in_tenant(app, mw.street, lambda: ledger.month_totals([JAN])[JAN])
    assert totals["accrued"] == 280000 and totals["disbursed"] == 300000


def test_a_compound_with_no_service_gets_a_zero_line_not_a_gap(app, mw):
    subsidy, _ledger = _svc()

    def run():
        from plugins.property.models import CoveragePeriod
        for p in db.session.scalars(select(CoveragePeriod).where(CoveragePeriod.compound_id == mw.other.id)):
            db.session.delete(p)
        confirmed(mw, JAN, "90.00")
        return [(e.compound_id, e.amount_fen, e.reason) for e in subsidy.run_month(JAN)["posted"]]
    lines = in_tenant(app, mw.street, run)
    assert (mw.other.id, 0, "无有效服务") in lines and (mw.compound.id, 300000, "") in lines


def test_stats_print_coverage_and_every_month_budget_and_accrual_in_fen(app, mw):
    subsidy, _ledger = _svc()

    def run():
        for month in (JAN, FEB):
            confirmed(mw, month, "88.00")
            subsidy.post_budget(month, 300000)
            subsidy.run_month(month)
    in_tenant(app, mw.street, run)
    out = app.test_cli_runner().invoke(args=["property", "stats", "--tenant", mw.street.slug, "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["compounds"], data["covered"]) == (2, 2) and data["coverage_pct"] == 100.0
    months = {m["month"]: m for m in data["months"]}
    assert len(data["months"]) == 24 and data["months"][-1]["month"] == "2025-02"
    assert months["2025-01"]["budget_fen"] == months["2025-01"]["accrual_fen"] == 300000
    assert months["2025-02"]["accrual_fen"] == 300000


def test_the_ledger_pages_run_preview_and_voucher_in_chinese(app, client, mw):
    subsidy, _ledger = _svc()
    in_tenant(app, mw.street, lambda: confirmed(mw, JAN, "90.00"))
    login(client, mw.admin)
    base = f"/t/{mw.street.slug}/property/subsidy"
    page = client.get(f"{base}?month=2025-01").text
    assert "核算预览" in page and "河西第1小区" in page and "待计提" in page
    bad = post(client, f"{base}/budget", {"month": "2025-01", "amount": "abc"})
    assert bad.status_code == 422 and "金额" in bad.text
    assert post(client, f"{base}/budget", {"month": "2025-01", "amount": "152000.00"}).status_code == 303
    assert post(client, f"{base}/run", {"month": "2025-01"}).status_code == 303
    page = client.get(f"{base}?month=2025-01").text
    assert "152,000.00" in page and "3,000.00" in page and "待社区审核" in page
    for path in ("/queue", "/report", "/standards", "/exports/months.xlsx", "/exports/entries.xlsx"):
        assert client.get(base + path).status_code == 200, path


def test_another_communitys_staff_cannot_open_or_review_this_compounds_voucher(app, client, mw, create_unit,
                                                                               create_user):
    subsidy, _ledger = _svc()
    entry_id = in_tenant(app, mw.street, lambda: (confirmed(mw, JAN, "90.00"),
                                                  subsidy.accrue(mw.compound.id, mw.fallback_id, JAN).id)[1])
    elsewhere = create_unit(mw.street, mw.street.root_id, "community", "靠山社区")
    stranger = create_user(mw.street, "community_staff", unit_id=elsewhere.id)
    login(client, stranger)
    url = f"/t/{mw.street.slug}/property/subsidy/entries/{entry_id}"
    assert client.get(url).status_code == 404
    assert post(client, url + "/review", {}).status_code == 404
    own = app.test_client()
    login(own, mw.reviewer)
    assert own.get(url).status_code == 200
    assert post(own, url + "/review", {}).status_code == 303
