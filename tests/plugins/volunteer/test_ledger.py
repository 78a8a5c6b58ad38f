"""The ledger: parallel writers lose nothing, every transaction sums to zero, history is never
rewritten, corrections reverse exactly one original, and `jiceng volunteer ledger verify` checks it."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.api import Refused
from core.db import db

from .conftest import in_tenant, run_parallel

POINTS, HOURS = "POINTS", "HOURS"


def _ledger():
    from plugins.volunteer.services import ledger
    return ledger


def bonus(volunteer_id: int, amount: int, key: str):
    L = _ledger()
    return L.post("BONUS", [L.Line(L.system(POINTS, "adjustment"), POINTS, -amount),
                            L.Line(L.member(volunteer_id, POINTS), POINTS, amount)], date(2026, 5, 1), key)


def test_four_writers_two_hundred_credits_each_end_with_exactly_800(app, database, vw):
    outcome = run_parallel(database, vw.street.id, "tests.plugins.volunteer.parallel_work:credit", workers=4,
                           repeat=200, volunteer_id=7)
    assert [r.count("ok") for r in outcome] == [200, 200, 200, 200], outcome
    L = _ledger()
    report = in_tenant(app, vw.street, lambda: (L.balances("volunteer", 7), L.verify()))
    assert report[0][POINTS] == 800 * 100
    assert report[1]["ok"] and report[1]["totals"] == {POINTS: 0} and report[1]["transactions"] == 800


def test_an_unbalanced_or_zero_posting_is_refused(app, vw):
    L = _ledger()

    def unbalanced():
        L.post("BONUS", [L.Line(L.member(1, POINTS), POINTS, 100)], date(2026, 5, 1), "x")

    def zero():
        L.post("BONUS", [L.Line(L.member(1, POINTS), POINTS, 0), L.Line(L.member(2, POINTS), POINTS, 0)],
               date(2026, 5, 1), "y")

    def mixed():  # hours and points never balance each other
        L.post("BONUS", [L.Line(L.member(1, POINTS), POINTS, 60), L.Line(L.member(1, HOURS), HOURS, -60)],
               date(2026, 5, 1), "z")
    for fn in (unbalanced, zero, mixed):
        with pytest.raises(ValueError):
            in_tenant(app, vw.street, fn)


def test_entries_and_transactions_cannot_be_updated_or_deleted_in_the_database(app, vw):
    from plugins.volunteer.models import LedgerEntry, LedgerTxn
    in_tenant(app, vw.street, lambda: bonus(3, 500, "b1"))
    with app.app_context():
        pg = db.engine.dialect.name == "postgresql"
    statements = ("UPDATE volunteer__entry SET amount = amount * 2", "DELETE FROM volunteer__entry",
                  "UPDATE volunteer__txn SET memo = 'changed'", "DELETE FROM volunteer__txn")
    for sql in statements:
        # PostgreSQL: the runtime role holds no UPDATE or DELETE on the ledger (MANIFEST.append_only)
        with pytest.raises(DBAPIError, match="permission denied" if pg else "append-only"):
            in_tenant(app, vw.street, lambda: db.session.execute(text(sql + " WHERE tenant_id = :t"),
                                                                 {"t": vw.street.id}))
    if pg:  # behind the grants, the triggers refuse even the tables' owner
        from sqlalchemy import create_engine
        owner = create_engine(app.config["MIGRATE_DATABASE_URL"])
        try:
            for sql in statements:
                with owner.begin() as conn:
                    conn.execute(text("SELECT set_config('jiceng.active_tenant', :a, true), "
                                      "set_config('jiceng.visible_tenants', :a, true)"), {"a": str(vw.street.id)})
                    with pytest.raises(DBAPIError, match="append-only"):
                        conn.execute(text(sql + " WHERE tenant_id = :t"), {"t": vw.street.id})
        finally:
            owner.dispose()
    counts = in_tenant(app, vw.street, lambda: (len(db.session.scalars(select(LedgerEntry)).all()),
                                                len(db.session.scalars(select(LedgerTxn)).all())))
    assert counts == (2, 1)


def test_a_reversal_mirrors_one_original_once_and_cannot_itself_be_reversed(app, vw):
    L = _ledger()
    txn_id = in_tenant(app, vw.street, lambda: bonus(4, 300, "b2").id)
    rev_id = in_tenant(app, vw.street, lambda: L.reverse(txn_id, "录入错误").id)
    assert in_tenant(app, vw.street, lambda: L.balances("volunteer", 4)[POINTS]) == 0
    with pytest.raises(Refused, match="已冲正"):
        in_tenant(app, vw.street, lambda: L.reverse(txn_id, "again"))
    with pytest.raises(Refused, match="不能再冲正"):
        in_tenant(app, vw.street, lambda: L.reverse(rev_id, "undo"))
    # the database refuses it too, whatever the application does
    with pytest.raises(DBAPIError, match="cannot be reversed"):
        in_tenant(app, vw.street, lambda: L.post("REVERSAL", [L.Line(L.member(4, POINTS), POINTS, 300),
                                                              L.Line(L.system(POINTS, "adjustment"), POINTS, -300)],
                                                 date(2026, 5, 1), "sneaky", reverses=rev_id))
    assert in_tenant(app, vw.street, lambda: L.verify()["ok"])


def test_a_reversal_may_leave_a_debt_that_the_next_earning_pays_first(app, vw):
    L = _ledger()
    earn = in_tenant(app, vw.street, lambda: L.earn(5, 120, 200, date(2026, 5, 2), ("record", 1), "r1")[1].id)
    in_tenant(app, vw.street, lambda: L.post(
        "REDEEM_HOLD", [L.Line(L.member(5, POINTS), POINTS, -150), L.Line(L.system(POINTS, "redeem_hold"), POINTS, 150)],
        date(2026, 5, 3), "hold1", guard=frozenset({L.member(5, POINTS)})))
    in_tenant(app, vw.street, lambda: L.reverse(earn, "作废"))
    assert in_tenant(app, vw.street, lambda: (L.balances("volunteer", 5)[POINTS], L.in_debt(5))) == (-150, True)
    with pytest.raises(Refused, match="积分不足"):  # a redemption cannot overdraw
        in_tenant(app, vw.street, lambda: L.post(
            "REDEEM_HOLD", [L.Line(L.member(5, POINTS), POINTS, -10),
                            L.Line(L.system(POINTS, "redeem_hold"), POINTS, 10)],
            date(2026, 5, 3), "hold2", guard=frozenset({L.member(5, POINTS)})))
    in_tenant(app, vw.street, lambda: L.earn(5, 120, 200, date(2026, 5, 4), ("record", 2), "r2"))
    from plugins.volunteer.models import PointLot
    lots = in_tenant(app, vw.street, lambda: [(lot.original, lot.remaining) for lot in
                                               db.session.scalars(select(PointLot).order_by(PointLot.id))])
    assert lots == [(200, 0), (200, 50)]  # the debt of 150 was paid from the new lot
    assert in_tenant(app, vw.street, lambda: (L.balances("volunteer", 5)[POINTS], L.in_debt(5))) == (50, False)


def test_verify_finds_a_tampered_cache_and_rebuild_repairs_it(app, vw):
    from plugins.volunteer.models import AccountBalance
    L = _ledger()
    in_tenant(app, vw.street, lambda: bonus(6, 700, "b6"))
    in_tenant(app, vw.street, lambda: db.session.execute(
        AccountBalance.__table__.update().where(AccountBalance.tenant_id == vw.street.id)
        .values(balance=AccountBalance.balance + 1).execution_options(tenant_checked=True)))
    report = in_tenant(app, vw.street, L.verify)
    assert not report["ok"] and len(report["mismatched"]) == 2
    assert in_tenant(app, vw.street, lambda: L.verify(rebuild=True))["rebuilt"] == 2
    assert in_tenant(app, vw.street, L.verify)["ok"]


def test_verify_command_exits_zero_and_says_so(app, vw):
    in_tenant(app, vw.street, lambda: bonus(8, 100, "b8"))
    result = app.test_cli_runner().invoke(args=["volunteer", "ledger", "verify", "--tenant", vw.street.slug])
    assert result.exit_code == 0, result.output
    assert "sums to zero" in result.output and "matches" in result.output


def test_expiry_is_off_by_default_and_takes_lots_first_in_first_out_when_on(app, vw, enable_plugin):
    from plugins.volunteer import jobs
    from plugins.volunteer.models import PointLot
    L = _ledger()
    in_tenant(app, vw.street, lambda: L.earn(9, 60, 100, date(2024, 1, 5), ("record", 1), "e1"))
    later = date(2030, 1, 1)
    from datetime import datetime, timezone
    moment = datetime(later.year, 1, 1, 12, tzinfo=timezone.utc)
    assert in_tenant(app, vw.street, lambda: jobs.expire_points(None, now=moment)) == 0  # no lot carries an expiry
    # a lot earned while expiry is on carries its date; the job then expires what is left of it
    in_tenant(app, vw.street, lambda: L.earn(9, 60, 100, date(2024, 2, 5), ("record", 2), "e2"))
    in_tenant(app, vw.street, lambda: setattr(db.session.scalars(select(PointLot).order_by(PointLot.id.desc())).first(),
                                              "expires_on", date(2025, 2, 5)))
    assert in_tenant(app, vw.street, lambda: jobs.expire_points(None, now=moment)) == 1
    assert in_tenant(app, vw.street, lambda: L.balances("volunteer", 9)[POINTS]) == 100
    assert in_tenant(app, vw.street, L.verify)["ok"]


def test_verify_finds_a_transaction_rewritten_behind_the_applications_back(app, vw):
    """Someone with the keys to the database sets the triggers aside and rewrites a posted amount: the
    cached balance still adds up to the entries, but the hash chain does not."""
    L = _ledger()
    for k in range(3):
        in_tenant(app, vw.street, lambda k=k: bonus(9, 100 + k, f"chain{k}"))
    assert in_tenant(app, vw.street, L.verify)["ok"]
    with app.app_context():
        pg = db.engine.dialect.name == "postgresql"
        from sqlalchemy import create_engine
        engine = create_engine(app.config["MIGRATE_DATABASE_URL"]) if pg else db.engine
        try:
            with engine.begin() as conn:
                if pg:
                    conn.execute(text("ALTER TABLE volunteer__entry DISABLE TRIGGER volunteer__entry_append_only"))
                else:
                    conn.execute(text("DROP TRIGGER volunteer__entry_no_update"))
                # the middle award, both of its lines, so every sum and cached balance still agrees
                conn.execute(text("UPDATE volunteer__entry SET amount = amount / 101 * 501 WHERE tenant_id = :t "
                                  "AND txn_id = (SELECT id FROM volunteer__txn WHERE tenant_id = :t "
                                  "AND idempotency_key = 'chain1')"), {"t": vw.street.id})
                conn.execute(text("UPDATE volunteer__balance SET balance = balance + 400 * "
                                  "(CASE WHEN balance > 0 THEN 1 ELSE -1 END) WHERE tenant_id = :t"),
                             {"t": vw.street.id})
                if pg:
                    conn.execute(text("ALTER TABLE volunteer__entry ENABLE TRIGGER volunteer__entry_append_only"))
                else:
                    conn.execute(text("CREATE TRIGGER volunteer__entry_no_update BEFORE UPDATE ON volunteer__entry "
                                      "BEGIN SELECT RAISE(ABORT, 'volunteer__entry is append-only'); END"))
        finally:
            if pg:
                engine.dispose()
    report = in_tenant(app, vw.street, L.verify)
    assert not report["mismatched"] and not report["unbalanced"]
    assert not report["ok"] and len(report["chain"]) == 1 and "hash mismatch" in report["chain"][0]
    result = app.test_cli_runner().invoke(args=["volunteer", "ledger", "verify", "--tenant", vw.street.slug])
    assert result.exit_code == 1 and "chain" in result.output
