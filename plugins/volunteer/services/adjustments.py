"""积分调整 (BONUS / DEDUCT, with a reason code) and the second approver (双人复核).

An adjustment up to 50 points is posted at once; above 50 points it waits for a second person
holding ``volunteer.ledger.second_approve``. A void of a record dated in a closed period waits the
same way. The second person is never the one who asked; of two parallel decisions exactly one
takes effect (a conditional update of the request's state). Every adjustment keeps its request row,
so the history of who asked and who approved stays beside the ledger.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from core.api import Refused, Stale, clock, db

from ..models import SecondApproval, ServiceRecord, Volunteer
from ..models.ledger import POINTS
from ..models.periods import REASON_CODES, REQUEST_KINDS, REQUEST_STATES, SECOND_APPROVER_ABOVE, TXN_TYPES
from . import ledger
from .common import require, today, user_id


def adjust(vol: Volunteer, data: dict) -> SecondApproval:
    """A BONUS or DEDUCT of ``data["points"]`` (0.01-point units) with a reason code: posted now up
    to 50 points, else left for a second approver."""
    require("volunteer.ledger.adjust", vol.org_unit_id)
    if data["txn_type"] not in ("BONUS", "DEDUCT") or data["reason_code"] not in REASON_CODES:
        raise Refused(_("请从列表中选择"))
    req = SecondApproval(kind="adjust", volunteer_id=vol.id, org_unit_id=vol.org_unit_id, txn_type=data["txn_type"],
                         points=data["points"], reason_code=data["reason_code"], memo=data["memo"][:200],
                         requested_by=user_id(), requested_at=clock.utcnow(), state="pending", decline_reason="")
    db.session.add(req)
    db.session.flush()
    if req.points > SECOND_APPROVER_ABOVE:
        return req
    req.txn_id = _post_adjustment(req, approved_by=None).id
    req.state, req.decided_by, req.decided_at = "approved", user_id(), clock.utcnow()
    db.session.flush()
    return req


def _post_adjustment(req: SecondApproval, approved_by: int | None):
    acc = ledger.member(req.volunteer_id, POINTS)
    pool = ledger.system(POINTS, "adjustment")
    sign = 1 if req.txn_type == "BONUS" else -1
    memo = f"{REASON_CODES[req.reason_code]}：{req.memo}"
    txn = ledger.post(req.txn_type, [ledger.Line(pool, POINTS, -sign * req.points),
                                     ledger.Line(acc, POINTS, sign * req.points)],
                      today(), f"adj:{req.id}", source=("adjustment", req.id), memo=memo,
                      user_id=req.requested_by, approved_by=approved_by)
    if sign > 0:
        ledger.add_lot(acc, txn, req.points)
    else:
        ledger.consume_lots(acc, req.points, txn.id)
        ledger.refresh_debt(acc)
    return txn


def request_void(rec: ServiceRecord, reason: str) -> SecondApproval:
    """A void of a record dated in a closed period: asked now, done by a second person."""
    if db.session.scalar(select(SecondApproval.id).where(SecondApproval.record_id == rec.id,
                                                         SecondApproval.state == "pending")) is not None:
        raise Refused(_("该记录的作废申请已在等待复核"))
    req = SecondApproval(kind="void", volunteer_id=rec.volunteer_id, org_unit_id=rec.org_unit_id, record_id=rec.id,
                         txn_type="REVERSAL", points=0, reason_code="correction", memo=reason[:200],
                         requested_by=user_id(), requested_at=clock.utcnow(), state="pending", decline_reason="")
    db.session.add(req)
    db.session.flush()
    return req


def decide(req: SecondApproval, approve: bool, reason: str = "") -> SecondApproval:
    """The second person approves (the posting or void happens now) or declines with a reason."""
    require("volunteer.ledger.second_approve", req.org_unit_id)
    me = user_id()
    if me is not None and me == req.requested_by:
        raise Refused(_("复核人不能是申请人本人"))
    vol = db.session.get(Volunteer, req.volunteer_id)
    if me is not None and vol is not None and me == vol.user_id:
        raise Refused(_("不能复核本人的积分"))
    if not approve and not reason:
        raise Refused(_("请填写原因"))
    done = db.session.execute(update(SecondApproval).where(
        SecondApproval.id == req.id, SecondApproval.state == "pending").values(
        state="approved" if approve else "rejected", decided_by=me, decided_at=clock.utcnow(),
        decline_reason=reason[:200]).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.refresh(req)
        raise Stale("volunteer/_request_row.html", q=req, error=_("已由他人复核"), kinds=REQUEST_KINDS,
                    req_states=REQUEST_STATES, txn_types=TXN_TYPES, reasons=REASON_CODES)
    db.session.refresh(req)
    if not approve:
        return req
    if req.kind == "adjust":
        req.txn_id = _post_adjustment(req, approved_by=me).id
    else:
        from .records import do_void
        rec = db.session.get(ServiceRecord, req.record_id)
        do_void(rec, req.memo, requested_by=req.requested_by, approved_by=me)
    db.session.flush()
    return req


def pending(unit_ids=None, limit: int = 200) -> list[SecondApproval]:
    stmt = select(SecondApproval).where(SecondApproval.state == "pending")
    if unit_ids is not None:
        stmt = stmt.where(SecondApproval.org_unit_id.in_(unit_ids))
    return list(db.session.scalars(stmt.order_by(SecondApproval.id).limit(limit)))


def recent(unit_ids=None, limit: int = 50) -> list[SecondApproval]:
    stmt = select(SecondApproval).where(SecondApproval.state != "pending")
    if unit_ids is not None:
        stmt = stmt.where(SecondApproval.org_unit_id.in_(unit_ids))
    return list(db.session.scalars(stmt.order_by(SecondApproval.id.desc()).limit(limit)))

