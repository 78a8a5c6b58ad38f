"""公示牌 and certificates: masked names, consent, verification codes anyone can check."""
from __future__ import annotations

import secrets

from sqlalchemy import func, select

from flask_babel import gettext as _
from core import api
from core.api import Refused, db

from ..models import Certificate, LedgerAccount, LedgerEntry, LedgerTxn, PostClaim, ServicePost, Team, Volunteer
from ..models.ledger import HOURS
from .common import mask_name, require, today, user_id


def board(unit_id: int) -> dict:
    """The public board of a community: who serves which post, and their approved hours. A constant
    number of queries however long the history (hours come from the cached balances)."""
    from ..models import AccountBalance
    rows = db.session.execute(
        select(ServicePost.title, ServicePost.kind, ServicePost.description, PostClaim.volunteer_id, PostClaim.team_id,
               Volunteer.name, Volunteer.board_consent, Team.name, AccountBalance.balance)
        .join(PostClaim, PostClaim.post_id == ServicePost.id)
        .outerjoin(Volunteer, Volunteer.id == PostClaim.volunteer_id)
        .outerjoin(Team, Team.id == PostClaim.team_id)
        .outerjoin(LedgerAccount, (LedgerAccount.owner_type == "volunteer") & (LedgerAccount.owner_id == Volunteer.id)
                   & (LedgerAccount.currency == HOURS) & (LedgerAccount.kind == "member"))
        .outerjoin(AccountBalance, AccountBalance.account_id == LedgerAccount.id)
        .where(ServicePost.org_unit_id == unit_id, PostClaim.state == "active")
        .order_by(ServicePost.kind, ServicePost.id, PostClaim.id)).all()
    entries, hidden, total_minutes = [], 0, 0
    for title, kind, desc, vol_id, team_id, name, consent, team_name, minutes in rows:
        total_minutes += minutes or 0
        if vol_id and consent == "hidden":
            hidden += 1
            continue
        who = team_name if team_id else (name if consent == "full_name" else mask_name(name or ""))
        entries.append({"post": title, "kind": kind, "content": desc, "who": who,
                        "minutes": minutes or 0 if vol_id else None})
    return {"entries": entries, "hidden": hidden, "serving": len(rows), "minutes": total_minutes}


def hours_in_range(volunteer_id: int, start, end) -> int:
    """Σ HOURS_CREDIT net of reversals whose business date lies in the range: from the ledger only."""
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).join(
        LedgerTxn, LedgerTxn.id == LedgerEntry.txn_id).join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.owner_type == "volunteer", LedgerAccount.owner_id == volunteer_id,
               LedgerAccount.currency == HOURS, LedgerAccount.kind == "member",
               LedgerTxn.business_date >= start, LedgerTxn.business_date <= end)) or 0)


def issue(vol: Volunteer, data: dict) -> Certificate:
    require("volunteer.certificate.issue", vol.org_unit_id)
    minutes = hours_in_range(vol.id, data["range_from"], data["range_to"])
    if minutes <= 0:
        raise Refused(_("该期间没有已审核的服务时长"))
    year = today().year
    seq = (db.session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.number.like(f"%-{year}-%"))) or 0) + 1
    slug = api.tenant_slug(api.current().active)
    unit = api.org_unit(vol.org_unit_id)
    cert = Certificate(number=f"{slug}-{year}-{seq:05d}", volunteer_id=vol.id, range_from=data["range_from"],
                       range_to=data["range_to"], minutes=minutes, issuer=unit.name if unit else "",
                       issued_by=user_id(), verify_token=secrets.token_hex(6), state="valid")
    db.session.add(cert)
    db.session.flush()
    return cert


def revoke(cert: Certificate, reason: str) -> Certificate:
    vol = db.session.get(Volunteer, cert.volunteer_id)
    require("volunteer.certificate.issue", vol.org_unit_id)
    if not reason:
        raise Refused(_("撤销须说明原因"))
    cert.state, cert.revoke_reason = "revoked", reason
    db.session.flush()
    return cert
