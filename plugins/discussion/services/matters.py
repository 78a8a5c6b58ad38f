"""Matters (议题): raised, supported, screened, merged, frozen on an agenda, every edit versioned (spec §3.2)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from core import api
from core.api import clock, db, emit, Refused

from ..models import Matter, Station, Support, Version
from . import cycles

STATES = {"draft": "草稿", "submitted": "已提交", "admitted": "已受理", "not_admitted": "不予受理",
          "merged": "已合并", "withdrawn": "已撤回", "scheduled": "已列入议程", "decided_approved": "已通过",
          "decided_rejected": "未通过", "deferred": "暂缓", "implementing": "实施中", "completed": "已完成",
          "publicizing": "公示中", "closed": "已办结", "long_undecided": "长期未决"}
OPEN = ("submitted", "admitted", "scheduled", "deferred")


def create(station: Station, data: dict, *, origin: str = "resident", origin_ref: str | None = None,
           ref_no: str | None = None, state: str = "draft") -> Matter:
    ctx = api.current()
    on_behalf = bool(data.get("on_behalf_name"))
    matter = Matter(station_id=station.id, cycle_id=cycles.current_cycle(station).id, title=data["title"],
                    body=data.get("body", ""), author_id=None if on_behalf else ctx.user_id,
                    author_name=data.get("on_behalf_name") or data.get("author_name", ""),
                    on_behalf_by=ctx.user_id if on_behalf else None,
                    on_behalf_reason=data.get("on_behalf_reason") or None,
                    origin="staff" if on_behalf and origin == "resident" else origin, origin_ref=origin_ref,
                    state=state)
    db.session.add(matter)
    db.session.flush()
    matter.ref_no = api.attach_case(ref_no, matter.title, kind="discussion.matter", object_id=matter.id,
                                        label=_("议题"), endpoint="discussion.matter",
                                        unit_id=station.org_unit_id, permission="discussion.view",
                                        matter_id=matter.id)
    if on_behalf:
        api.audit.record("discussion.matter.on_behalf", "discussion_matter", matter.id)
    return matter


def _version(matter: Matter, kind: str, reason: str | None = None, marker: str | None = None) -> Version:
    v = Version(entity="matter", entity_id=matter.id, version=matter.version, kind=kind, title=matter.title,
                body=matter.body, edited_by=api.current().user_id, reason=reason, public_marker=marker)
    db.session.add(v)
    db.session.flush()
    return v


def submit(matter: Matter, _data: dict | None = None) -> Matter:
    if matter.state != "draft":
        raise Refused(_("只有草稿可以提交"))
    cycle = cycles.current_cycle(db.session.get(Station, matter.station_id))
    if cycle.phase not in ("collecting", "claiming"):  # queued for the next quarter
        station = db.session.get(Station, matter.station_id)
        y, q = (cycle.year + 1, 1) if cycle.quarter == 4 else (cycle.year, cycle.quarter + 1)
        cycle = cycles.cycle_for(station, y, q)
    matter.cycle_id, matter.state = cycle.id, "submitted"
    _version(matter, "edit")
    return matter


def _supporters(matter: Matter) -> list[int]:
    return list(db.session.scalars(select(Support.user_id).where(Support.matter_id == matter.id)))


def edit(matter: Matter, data: dict) -> Matter:
    """The author edits: freely as a draft; once submitted only while unscreened and under the support limit."""
    station = db.session.get(Station, matter.station_id)
    if matter.author_id is None or matter.author_id != api.current().user_id:
        raise Refused(_("只有提出人可以修改议题"))
    if data.get("version") is not None and data["version"] != matter.version:
        raise Refused(_("议题已被修改，请刷新后再改"))
    if matter.state not in ("draft", "submitted"):
        raise Refused(_("议题已列入议程或已审查，不能再修改"))
    if matter.state == "submitted" and matter.support_count > station.support_freeze_n:
        raise Refused(_("附议人数已超过 %(n)s 人，议题不能再修改", n=station.support_freeze_n))
    matter.title, matter.body, matter.version = data["title"], data["body"], matter.version + 1
    if matter.state == "submitted":
        _version(matter, "edit")
        _tell(_supporters(matter), _("您附议的议题已修改"), matter)
    return matter


def correct(matter: Matter, data: dict) -> Matter:
    """After the freeze staff may fix typing errors only: a reason, a public 已更正 marker, the snapshot untouched."""
    matter.title, matter.body, matter.version = data["title"], data["body"], matter.version + 1
    _version(matter, "correction", reason=data["reason"], marker="已更正")
    return matter


def support(matter: Matter, _data: dict | None = None) -> Matter:
    """我也关注: one support per person; toggled off when given twice."""
    if matter.state not in ("submitted", "admitted"):
        raise Refused(_("该议题现在不能附议"))
    user = api.current().user_id
    existing = db.session.scalar(select(Support).where(Support.matter_id == matter.id, Support.user_id == user))
    if existing is not None:
        db.session.delete(existing)
    else:
        db.session.add(Support(matter_id=matter.id, user_id=user))
    db.session.flush()
    matter.support_count = db.session.scalar(select(func.count()).select_from(Support)
                                             .where(Support.matter_id == matter.id))
    return matter


def screen(matter: Matter, data: dict) -> Matter:
    from ..events import MatterNotAdmitted
    if matter.state != "submitted":
        raise Refused(_("只有已提交的议题可以审查"))
    user = api.current().user_id
    if user is not None and user in (matter.author_id, matter.on_behalf_by):
        raise Refused(_("审查人不能是提出人"))
    admit = data["result"] == "admit"
    matter.state = "admitted" if admit else "not_admitted"
    matter.screening_result, matter.screening_reason = data["result"], data.get("reason") or None
    matter.screened_by, matter.published_at = user, clock.utcnow()
    if not admit:
        matter.outcome = data["reason"]
        emit(MatterNotAdmitted(matter_id=matter.id, case_no=matter.ref_no or "", origin=matter.origin,
                               origin_ref=matter.origin_ref or "", reason=data["reason"], outcome=data["reason"]))
        _sent_back(matter)
    return matter


def merge(matter: Matter, target: Matter) -> Matter:
    if matter.state not in ("submitted", "admitted") or target.state not in OPEN or target.id == matter.id:
        raise Refused(_("只能把未列入议程的议题并入另一个进行中的议题"))
    matter.state, matter.merged_into_id = "merged", target.id
    _tell(_supporters(matter), _("您附议的议题已并入另一议题，欢迎前往附议"), target)
    return matter


def withdraw(matter: Matter, _data: dict | None = None) -> Matter:
    if matter.author_id != api.current().user_id:
        raise Refused(_("只有提出人可以撤回议题"))
    if matter.state not in ("draft", "submitted", "admitted"):
        raise Refused(_("议题已列入议程，须在会上撤回并记入纪要"))
    matter.state = "withdrawn"
    _tell(_supporters(matter), _("您附议的议题已撤回"), matter)
    return matter


def close_long_undecided(matter: Matter, data: dict) -> Matter:
    if matter.rollover_n < 2 or matter.state not in cycles.UNDECIDED:
        raise Refused(_("只有结转两次以上的议题可以按长期未决关闭"))
    matter.state, matter.outcome = "long_undecided", data["reason"]
    return matter


def _tell(user_ids: list[int], title: str, matter: Matter) -> None:
    if user_ids:
        api.notify(user_ids, title, "discussion.matter", matter_id=matter.id)


def _sent_back(matter: Matter) -> None:
    """Outcomes go back to whoever raised the matter; office hours tells its resident through its own channel."""
    matter.outcome_sent_at = clock.utcnow()
    if matter.author_id:
        _tell([matter.author_id], _("您提出的议题有了结果"), matter)


def from_event(event) -> Matter | None:
    """office_hours.issue_escalated → a submitted matter; grid.collective_matter_flagged → a draft for screening.
    Idempotent: one matter per origin reference."""
    origin = "office_hours" if event.name.startswith("office_hours") else "grid"
    ref = f"{origin}:{getattr(event, 'issue_id', None) or getattr(event, 'event_id', None) or event.id}"
    if db.session.scalar(select(Matter.id).where(Matter.origin == origin, Matter.origin_ref == ref)):
        return None
    unit_id = getattr(event, "org_unit_id", 0) or None
    station = None
    for uid in ([unit_id] if unit_id else []):
        unit = api.org_unit(uid)
        for u in ([unit] + list(reversed(api.ancestors(unit))) if unit else []):
            station = station or db.session.scalar(select(Station).where(Station.org_unit_id == u.id))
    station = station or db.session.scalar(select(Station).order_by(Station.level.desc(), Station.id).limit(1))
    if station is None:
        return None
    title = getattr(event, "title", "") or _("来自其他模块的议题")
    matter = create(station, {"title": title[:100], "body": getattr(event, "description", "") or ""},
                    origin=origin, origin_ref=ref, ref_no=getattr(event, "case_no", "") or None,
                    state="submitted" if origin == "office_hours" else "draft")
    if matter.state == "submitted":
        _version(matter, "edit")
    return matter
