"""Implementation and publicity: projects with milestones and progress, result publicity with an objection
window to 23:59:59 Asia/Shanghai on its last day, outcomes sent back to whoever raised the matter."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import clock, db, emit, Refused

from ..models import Decision, Matter, Milestone, Objection, Project, Publicity, Station
from . import cycles, matters as matter_svc


def start_project(decision: Decision, data: dict) -> Project:
    """An approved matter becomes a project (decision publicity, when on, must have closed clean)."""
    from ..events import ProjectNeedsVolunteers
    from ..models import AgendaItem
    item = db.session.get(AgendaItem, decision.agenda_item_id) if decision.agenda_item_id else None
    matter = db.session.get(Matter, item.subject_id) if item is not None and item.subject_type == "matter" else None
    if matter is None or matter.state != "decided_approved":
        raise Refused(_("只有已通过的议题可以立项"))
    station = db.session.get(Station, matter.station_id)
    if station.decision_publicity:
        notice = db.session.scalar(select(Publicity).where(Publicity.matter_id == matter.id,
                                                           Publicity.subject == "decision"))
        if notice is None or notice.state != "closed":
            raise Refused(_("决定公示尚未结束，不能立项"))
    project = Project(station_id=station.id, decision_id=decision.id, matter_id=matter.id, title=data["title"],
                      lead_unit_id=data.get("lead_unit_id"), start_on=cycles.today(),
                      planned_end=data.get("planned_end"))
    db.session.add(project)
    db.session.flush()
    for title in data.get("milestones", []):  # a conditional decision's conditions come first
        db.session.add(Milestone(project_id=project.id, title=title))
    matter.state = "implementing"
    if data.get("needs_volunteers"):
        emit(ProjectNeedsVolunteers(project_id=project.id, title=project.title, org_unit_id=station.org_unit_id,
                                    start_on=project.start_on.isoformat()))
    db.session.flush()
    return project


def start_for_matter(matter: Matter, data: dict | None = None) -> Project:
    """立项 from the matter page: the project takes the matter's title and its latest approving decision."""
    from ..models import AgendaItem
    decision = db.session.scalar(select(Decision).join(AgendaItem, AgendaItem.id == Decision.agenda_item_id).where(
        AgendaItem.subject_type == "matter", AgendaItem.subject_id == matter.id,
        Decision.outcome.in_(("approved", "conditional"))).order_by(Decision.id.desc()).limit(1))
    if decision is None:
        raise Refused(_("只有已通过的议题可以立项"))
    return start_project(decision, {"title": (data or {}).get("title") or matter.title})


def complete_for_matter(matter: Matter, _data: dict | None = None) -> Project:
    project = db.session.scalar(select(Project).where(Project.matter_id == matter.id).order_by(Project.id.desc()))
    if project is None:
        raise Refused(_("该议题还没有项目"))
    return complete(project)


def set_progress(project: Project, data: dict) -> Project:
    if project.status == "completed":
        raise Refused(_("项目已完成"))
    project.progress = data["progress"]
    return project


def complete(project: Project, _data: dict | None = None) -> Project:
    """Progress 100 and evidence on every milestone; the matter moves to completed."""
    if project.progress != 100:
        raise Refused(_("进度未到 100%，不能完成"))
    if any(not m.evidence for m in db.session.scalars(select(Milestone).where(Milestone.project_id == project.id))):
        raise Refused(_("还有里程碑没有佐证材料"))
    project.status = "completed"
    if project.matter_id:
        db.session.get(Matter, project.matter_id).state = "completed"
    return project


def open_result(matter: Matter, _data: dict | None = None) -> Publicity:
    """Result publicity starts today and runs publicity_days natural days."""
    if matter.state != "completed":
        raise Refused(_("项目完成后才能公示结果"))
    station = db.session.get(Station, matter.station_id)
    start = cycles.today()
    notice = Publicity(matter_id=matter.id, subject="result", starts_on=start,
                       ends_on=start + timedelta(days=station.publicity_days - 1), channels=["公示栏", "网上"])
    db.session.add(notice)
    matter.state = "publicizing"
    db.session.flush()
    return notice


def open_decision(matter: Matter, decision: Decision) -> Publicity | None:
    """With decision publicity on, an approving decision is made public for publicity_days before a project."""
    station = db.session.get(Station, matter.station_id)
    if not station.decision_publicity:
        return None
    start = cycles.today()
    notice = Publicity(matter_id=matter.id, subject="decision", starts_on=start,
                       ends_on=start + timedelta(days=station.publicity_days - 1), channels=["公示栏", "网上"])
    db.session.add(notice)
    db.session.flush()
    return notice


def current_notices(station: Station, day=None) -> list[Publicity]:
    """What a station has on its notice board: open notices that have started, newest first."""
    day = day or cycles.today()
    return db.session.scalars(select(Publicity).join(Matter, Matter.id == Publicity.matter_id).where(
        Matter.station_id == station.id, Publicity.state == "open", Publicity.starts_on <= day)
        .order_by(Publicity.ends_on, Publicity.id)).all()


def window_closes(notice: Publicity) -> datetime:
    return datetime.combine(notice.ends_on, time(23, 59, 59), tzinfo=clock.SHANGHAI)


def object_(notice: Publicity, data: dict) -> Objection:
    if notice.state != "open":
        raise Refused(_("公示已结束"))
    if clock.utcnow() > window_closes(notice):
        raise Refused(_("异议期已于 %(d)s 24 时截止", d=notice.ends_on.isoformat()))
    row = Objection(publicity_id=notice.id, by_user=api.current().user_id, text=data["text"])
    db.session.add(row)
    db.session.flush()
    return row


def answer(objection: Objection, data: dict) -> Objection:
    """Every objection gets a public answer; an upheld objection to a result sends the matter back to work."""
    if objection.state != "open":
        raise Refused(_("该异议已答复"))
    objection.state, objection.answer, objection.answered_at = data["state"], data["answer"], clock.utcnow()
    notice = db.session.get(Publicity, objection.publicity_id)
    if data["state"] == "upheld":
        notice.state = "reopened"
        matter = db.session.get(Matter, notice.matter_id)
        if notice.subject == "result":
            matter.state = "implementing"
            for project in db.session.scalars(select(Project).where(Project.matter_id == matter.id)):
                project.status = "implementing"
        else:
            matter.state = "admitted"  # to the next meeting; its decision will supersede the old one
    db.session.flush()
    return objection


def close_due(today=None) -> int:
    """Publicity whose last day has passed with every objection answered closes; the matter is closed and
    its outcome goes back to whoever raised it (office hours tells its resident)."""
    from ..events import MatterClosed
    day = today or cycles.today()
    closed = 0
    for notice in db.session.scalars(select(Publicity).where(Publicity.state == "open", Publicity.ends_on < day)):
        if db.session.scalar(select(Objection.id).where(Objection.publicity_id == notice.id,
                                                        Objection.state == "open").limit(1)) is not None:
            continue
        notice.state = "closed"
        matter = db.session.get(Matter, notice.matter_id)
        if notice.subject == "result" and matter.state == "publicizing":
            matter.state = "closed"
            matter.outcome = matter.outcome or _("已办结：%(t)s", t=matter.title)
            matter_svc._sent_back(matter)
            emit(MatterClosed(matter_id=matter.id, case_no=matter.ref_no or "", origin=matter.origin,
                              origin_ref=matter.origin_ref or "", outcome=matter.outcome,
                              link=api.path_for("discussion.matter", matter_id=matter.id)))
        closed += 1
    db.session.flush()
    return closed
