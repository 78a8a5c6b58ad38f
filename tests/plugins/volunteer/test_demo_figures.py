"""After a demo load the ledger verifies and `jiceng volunteer stats` prints the seed's figures:
152 teams, 326 team posts, 3,124 member posts held by 2,046 members, 1,126 activities reaching
30,418 residents, and the retirees' three roles 120 / 110 / 80."""
from __future__ import annotations

import json

import pytest

SEED = {"teams": 152, "team_posts_claimed": 326, "member_posts_claimed": 3124, "members": 2046, "activities": 1126,
        "beneficiaries": 30418, "role_policy_publicist": 120, "role_opinion_courier": 110, "role_mediator": 80}


@pytest.fixture(scope="module")
def demo(app):
    from plugins.grid.demo import default_window
    end = default_window()[1]
    result = app.test_cli_runner().invoke(args=["demo", "load", "--households", "130-130",
                                                "--window-end", end.strftime("%Y-%m")])
    assert result.exit_code == 0, result.output


def test_stats_print_the_seed_figures_for_the_district(app, demo):
    out = app.test_cli_runner().invoke(args=["volunteer", "stats", "--tenant", "xiejiaji", "--format", "json"])
    assert out.exit_code == 0, out.output
    figures = json.loads(out.output)
    assert {k: figures[k] for k in SEED} == SEED


def test_the_demo_ledger_verifies_and_one_void_left_a_debt(app, demo):
    result = app.test_cli_runner().invoke(args=["volunteer", "ledger", "verify", "--tenant", "xiejiaji"])
    assert result.exit_code == 0, result.output
    assert "sums to zero" in result.output and "matches" in result.output
    from sqlalchemy import func, select

    from core.api import tenant_by_slug
    from core.db import db
    from core.tenancy import tenant_scope
    from plugins.volunteer.models import LedgerAccount, LedgerTxn
    debts = reversals = 0
    with app.app_context():
        for slug in ("xjj-xiejiaji", "xjj-xiesancun", "xjj-caijiagang", "xjj-pingshan", "xjj-lixin"):
            tid = tenant_by_slug(slug).id
            db.session.remove()
            with tenant_scope(tid, commit=False):
                debts += db.session.scalar(select(func.count()).select_from(LedgerAccount).where(
                    LedgerAccount.in_debt.is_(True)))
                reversals += db.session.scalar(select(func.count()).select_from(LedgerTxn).where(
                    LedgerTxn.txn_type == "REVERSAL", LedgerTxn.memo.like("%演示%"),
                    LedgerTxn.idempotency_key.like("rev:%")))
    assert debts == 1 and reversals == 6  # 3 voids, each reversing HOURS_CREDIT and EARN
