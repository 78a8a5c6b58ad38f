"""Figures and reports: the seed's counts, the trial balance, and the rows of the exports."""
from __future__ import annotations

from sqlalchemy import func, select

from core.api import db

from ..models.periods import ACCOUNT_KINDS, CURRENCIES, OWNER_TYPES, TXN_TYPES

from ..models import (Activity, LedgerAccount, LedgerEntry, LedgerTxn, PostClaim, ServicePost, ServiceRecord, Team,
                      Volunteer)


def figures() -> dict:
    """Teams, claimed posts (teams on 志愿服务岗位, members on 为民服务岗位), the members holding
    them, settled activities and Σ beneficiaries, and the retired members' three roles."""
    team_claims = db.session.scalar(select(func.count()).select_from(PostClaim).join(
        ServicePost, ServicePost.id == PostClaim.post_id).where(
        PostClaim.state == "active", PostClaim.team_id.is_not(None), ServicePost.kind == "volunteer"))
    member_q = select(PostClaim.volunteer_id).join(ServicePost, ServicePost.id == PostClaim.post_id).where(
        PostClaim.state == "active", PostClaim.volunteer_id.is_not(None), ServicePost.kind == "resident_service")
    member_claims = db.session.scalar(select(func.count()).select_from(member_q.subquery()))
    members = db.session.scalar(select(func.count(func.distinct(member_q.subquery().c.volunteer_id))))
    acts, beneficiaries = db.session.execute(select(func.count(), func.coalesce(func.sum(
        Activity.beneficiaries_count), 0)).where(Activity.state == "settled")).one()
    roles = {"policy_publicist": 0, "opinion_courier": 0, "mediator": 0}
    for (held,) in db.session.execute(select(Volunteer.three_roles)):
        for r in held or {}:
            if r in roles:
                roles[r] += 1
    return {"teams": db.session.scalar(select(func.count()).select_from(Team)) or 0,
            "team_posts_claimed": team_claims or 0, "member_posts_claimed": member_claims or 0,
            "members": members or 0, "activities": acts or 0, "beneficiaries": int(beneficiaries or 0),
            **{f"role_{k}": v for k, v in roles.items()}}


def trial_balance() -> list[tuple[str, str, str, int]]:
    """(currency, owner type, kind, Σ) — sums to zero per currency."""
    return [(c, o, k, int(s)) for c, o, k, s in db.session.execute(
        select(LedgerAccount.currency, LedgerAccount.owner_type, LedgerAccount.kind, func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .group_by(LedgerAccount.currency, LedgerAccount.owner_type, LedgerAccount.kind)
        .order_by(LedgerAccount.currency, LedgerAccount.owner_type, LedgerAccount.kind))]


def record_rows(limit: int = 50000) -> list[list]:
    names = dict(db.session.execute(select(Volunteer.id, Volunteer.name)).all())
    return [[names.get(r.volunteer_id, ""), r.service_date.isoformat(), r.source, r.minutes_claimed, r.minutes_credited,
             r.uncredited_minutes, r.state] for r in db.session.scalars(
        select(ServiceRecord).order_by(ServiceRecord.service_date, ServiceRecord.id).limit(limit))]


def journal_rows(limit: int = 100000) -> list[list]:
    """The ledger journal with readable names for its codes (transaction type, owner, currency, account)."""
    return [[t.id, str(TXN_TYPES.get(t.txn_type, t.txn_type)), t.business_date.isoformat(),
             str(OWNER_TYPES.get(o, o)), oid, str(CURRENCIES.get(c, c)), str(ACCOUNT_KINDS.get(k, k)), int(a), t.memo]
            for t, o, oid, c, k, a in
            db.session.execute(select(LedgerTxn, LedgerAccount.owner_type, LedgerAccount.owner_id,
                                      LedgerAccount.currency, LedgerAccount.kind, LedgerEntry.amount)
                               .join(LedgerEntry, LedgerEntry.txn_id == LedgerTxn.id)
                               .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
                               .order_by(LedgerTxn.id, LedgerEntry.id).limit(limit))]


def claim_rows(limit: int = 50000) -> list[list]:
    return [[p.title, p.kind, vname or tname or "", c.state, c.claimed_at.date().isoformat(),
             c.term_end.isoformat() if c.term_end else ""] for c, p, vname, tname in db.session.execute(
        select(PostClaim, ServicePost, Volunteer.name, Team.name).join(ServicePost, ServicePost.id == PostClaim.post_id)
        .outerjoin(Volunteer, Volunteer.id == PostClaim.volunteer_id).outerjoin(Team, Team.id == PostClaim.team_id)
        .order_by(PostClaim.id).limit(limit))]
