"""公示牌 and certificates: masked names, consent, verification codes anyone can check."""
from __future__ import annotations

import secrets

from sqlalchemy import case, func, or_, select

from flask_babel import gettext as _
from core import api
from core.api import Refused, db

from ..models import Certificate, LedgerAccount, LedgerEntry, LedgerTxn, PostClaim, ServicePost, Team, Volunteer
from ..models.ledger import HOURS
from .common import mask_name, require, today, user_id


BOARD_PAGE = 100


def board(unit_id: int, after: str | None = None) -> dict:
    """The public board of a community: who serves which post, and their approved hours, one keyset
    page at a time, with the totals over everyone serving (those who chose not to be shown count
    too). A constant number of queries however long the history: hours come from the cached
    balances, never from the entries."""
    from ..models import AccountBalance
    hours = (LedgerAccount.owner_type == "volunteer") & (LedgerAccount.owner_id == Volunteer.id) & \
        (LedgerAccount.currency == HOURS) & (LedgerAccount.kind == "member")
    serving = (select(PostClaim.id).join(ServicePost, ServicePost.id == PostClaim.post_id)
               .outerjoin(Volunteer, Volunteer.id == PostClaim.volunteer_id)
               .outerjoin(LedgerAccount, hours).outerjoin(AccountBalance, AccountBalance.account_id == LedgerAccount.id)
               .where(ServicePost.org_unit_id == unit_id, PostClaim.state == "active"))
    count, hidden, minutes = db.session.execute(serving.with_only_columns(
        func.count(PostClaim.id), func.coalesce(func.sum(case((Volunteer.board_consent == "hidden", 1), else_=0)), 0),
        func.coalesce(func.sum(AccountBalance.balance), 0))).one()
    shown = serving.add_columns(
        ServicePost.kind, ServicePost.id.label("post_id"), ServicePost.title, ServicePost.description,
        PostClaim.volunteer_id, PostClaim.team_id, Volunteer.name, Volunteer.board_consent,
        Team.name.label("team_name"), AccountBalance.balance).outerjoin(Team, Team.id == PostClaim.team_id).where(
        or_(Volunteer.board_consent.is_(None), Volunteer.board_consent != "hidden"))
    page = api.keyset_page(shown, (ServicePost.kind, ServicePost.id, PostClaim.id), after, BOARD_PAGE,
                           scalars=False, key_of=lambda r: (r.kind, r.post_id, r.id))
    entries = []
    for r in page.rows:
        who = r.team_name if r.team_id else (r.name if r.board_consent == "full_name" else mask_name(r.name or ""))
        entries.append({"post": r.title, "kind": r.kind, "content": r.description, "who": who,
                        "minutes": (r.balance or 0) if r.volunteer_id else None})
    return {"entries": entries, "page": page, "hidden": int(hidden or 0), "serving": int(count or 0),
            "minutes": int(minutes or 0)}


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
