"""投诉建议 (docs/grid.md §10): staff report a 减负 rule being broken; the street's discipline contact
(纪检联系人, who holds grid.burden.review on the street) reads every report and answers it. A writer
sees their own reports and the answers; one who asked for anonymity is not named to the reader."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import OrgUnit, audit, clock, current, db

from .authority import street_root_id
from .machine import Refused
from .models import BURDEN_RULES, BurdenReport

REVIEW = "grid.burden.review"


def reviewer() -> bool:
    """Whether this user is the street's discipline contact (the permission on the street itself)."""
    root = api.org_unit(street_root_id())
    return root is not None and api.can(REVIEW, root)


def file(data: dict) -> BurdenReport:
    unit_id = data.get("org_unit_id")
    if unit_id is not None:
        unit = db.session.get(OrgUnit, unit_id)
        if unit is None or unit.kind not in ("community", "grid"):
            raise Refused(_("请选择社区或网格"))
    row = BurdenReport(rule=data["rule"], body=data["body"], org_unit_id=unit_id, anonymous=data["anonymous"],
                       created_by=current().user_id, created_at=clock.utcnow())
    db.session.add(row)
    db.session.flush()
    contacts = api.users_holding(REVIEW, api.org_unit(street_root_id()))
    if contacts:
        api.notify(contacts - {current().user_id}, _("减负投诉建议：%(r)s", r=BURDEN_RULES[row.rule]), "grid.burden",
                   source="grid", body=row.body[:200])
    return row


def answer(row: BurdenReport, text: str) -> BurdenReport:
    row.answer, row.answered_by, row.answered_at = text, current().user_id, clock.utcnow()
    audit.record("grid.burden_answer", "grid_burden_report", row.id)
    db.session.flush()
    return row


def listing(everyone: bool, limit: int = 200) -> list[BurdenReport]:
    """The reviewer's list (every report) or the writer's own, newest first."""
    stmt = select(BurdenReport)
    if not everyone:
        stmt = stmt.where(BurdenReport.created_by == current().user_id)
    return list(db.session.scalars(stmt.order_by(BurdenReport.created_at.desc(), BurdenReport.id.desc()).limit(limit)))
