"""公示 and 项目: the public notice with its objection form and answers, a project's progress and milestones
(a milestone stays hidden from those who cannot manage projects until its publication date)."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import db, form_action, get_or_404, render_page_or_fragment

from ..models import Matter, Milestone, Objection, Project, Publicity, Station
from ..schemas import AnswerIn, ObjectionIn, ProgressIn
from ..services import cycles, lists as list_svc, publicity as svc


def _notice(notice: Publicity, **kw) -> dict:
    matter = db.session.get(Matter, notice.matter_id)
    station = db.session.get(Station, matter.station_id)
    objections = db.session.scalars(select(Objection).where(Objection.publicity_id == notice.id)
                                    .order_by(Objection.id)).all()
    return {"notice": notice, "matter": matter, "station": station, "objections": objections,
            "closes": svc.window_closes(notice), "today": cycles.today(),
            "can_answer": api.can("discussion.objection.answer", api.org_unit(station.org_unit_id)),
            "errors": {}, "form": {}, **kw}


def notice(publicity_id: int):
    n = get_or_404(Publicity, publicity_id)
    return render_page_or_fragment("discussion/publicity.html", "discussion/publicity.html", "main", **_notice(n))


def object_(publicity_id: int):
    n = get_or_404(Publicity, publicity_id)
    return form_action(ObjectionIn(), lambda data: svc.object_(n, data), page="discussion/publicity.html",
                       fragment="discussion/_objection_form.html", form_id="objection-form",
                       context=lambda **kw: _notice(n, **kw),
                       done=lambda _o: url_for("discussion.publicity", publicity_id=n.id), message=_("异议已提交"))


def answer(objection_id: int):
    o = get_or_404(Objection, objection_id)
    n = db.session.get(Publicity, o.publicity_id)
    station = db.session.get(Station, db.session.get(Matter, n.matter_id).station_id)

    def run(data):
        list_svc.require("discussion.objection.answer", station)
        return svc.answer(o, data)
    return form_action(AnswerIn(), run, page="discussion/publicity.html", fragment="discussion/publicity.html",
                       form_id="main", context=lambda **kw: _notice(n, **kw),
                       done=lambda _o: url_for("discussion.publicity", publicity_id=n.id), message=_("已答复"))


def _project(p: Project, **kw) -> dict:
    station = db.session.get(Station, p.station_id)
    manage = api.can("discussion.project.manage", api.org_unit(station.org_unit_id))
    stmt = select(Milestone).where(Milestone.project_id == p.id)
    today = cycles.today()
    if not manage:
        stmt = stmt.where((Milestone.publication_date.is_(None)) | (Milestone.publication_date <= today))
    return {"project": p, "station": station, "milestones": db.session.scalars(stmt.order_by(Milestone.id)).all(),
            "manage": manage, "today": today, "errors": {}, "form": {}, **kw}


def project(project_id: int):
    p = get_or_404(Project, project_id)
    return render_page_or_fragment("discussion/project.html", "discussion/project.html", "main", **_project(p))


def progress(project_id: int):
    p = get_or_404(Project, project_id)
    station = db.session.get(Station, p.station_id)

    def run(data):
        list_svc.require("discussion.project.manage", station)
        return svc.set_progress(p, data)
    return form_action(ProgressIn(), run, page="discussion/project.html", fragment="discussion/project.html",
                       form_id="main", context=lambda **kw: _project(p, **kw),
                       done=lambda _p: url_for("discussion.project", project_id=p.id), message=_("已更新进度"))
