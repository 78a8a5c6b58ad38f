"""议题: the public list with 我也关注 toggles, raising a matter (also on a resident's behalf), the detail page
with its timeline of versions, screening, agenda, decision, project and publicity."""
from __future__ import annotations

from flask import abort, request, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import db, form_action, get_or_404, render_page_or_fragment

from ..models import AgendaItem, Decision, Matter, Meeting, Project, Publicity, Station, Support, Version
from ..schemas import EditIn, MatterIn, ProxyIn, ReasonIn, ScreenIn
from ..services import lists as list_svc, matters as svc, proxy as proxy_svc, publicity
from .lists import visible_stations


def _index_context(**kw) -> dict:
    stations = visible_stations()
    ids = [s.id for s in stations]
    state = request.args.get("state", "")
    stmt = select(Matter).where(Matter.station_id.in_(ids), Matter.state != "draft")
    if state in svc.STATES:
        stmt = stmt.where(Matter.state == state)
    matters = db.session.scalars(stmt.order_by(Matter.id.desc()).limit(100)).all()
    proxy = proxy_svc.active(stations[0]) if stations else None
    return {"matters": matters, "stations": stations, "states": svc.STATES, "state": state, "proxy": proxy,
            "proxy_errors": {}, "proxy_form": {}, "errors": {}, "form": {}, **kw}


def index():
    return render_page_or_fragment("discussion/matters.html", "discussion/_matter_rows.html", "matter-rows",
                                   **_index_context())


def create(station_id: int):
    station = get_or_404(Station, station_id)

    def service(data):
        list_svc.require("discussion.matter.submit", station)
        proxy = proxy_svc.require(data["proxy_id"], station) if data.get("proxy_id") else None
        if proxy is not None:
            data = {**data, "on_behalf_name": proxy.resident_name, "on_behalf_reason": proxy.reason}
        matter = svc.create(station, data)
        if proxy is not None:
            proxy_svc.record(proxy, matter.id)
        return svc.submit(matter)
    return form_action(MatterIn(), service, page="discussion/matters.html", fragment="discussion/_matter_form.html",
                       form_id="matter-form", context=lambda **kw: _index_context(**kw),
                       done=lambda m: url_for("discussion.matter", matter_id=m.id), message=_("议题已提交"))


def _detail_context(matter: Matter, **kw) -> dict:
    station = db.session.get(Station, matter.station_id)
    versions = db.session.scalars(select(Version).where(Version.entity == "matter", Version.entity_id == matter.id)
                                  .order_by(Version.id)).all()
    agenda = db.session.scalars(select(AgendaItem).where(AgendaItem.subject_type == "matter",
                                                         AgendaItem.subject_id == matter.id)).all()
    decisions = db.session.scalars(select(Decision).where(Decision.agenda_item_id.in_([a.id for a in agenda]))
                                   .order_by(Decision.id)).all() if agenda else []
    meetings = db.session.scalars(select(Meeting).where(Meeting.cycle_id == matter.cycle_id,
                                                        Meeting.state.in_(("scheduled", "sitting")))).all()
    projects = db.session.scalars(select(Project).where(Project.matter_id == matter.id)).all()
    notices = db.session.scalars(select(Publicity).where(Publicity.matter_id == matter.id)).all()
    supported = api.current().user_id is not None and db.session.scalar(
        select(Support.id).where(Support.matter_id == matter.id,
                                Support.user_id == api.current().user_id)) is not None
    unit = api.org_unit(station.org_unit_id)
    return {"matter": matter, "station": station, "versions": versions, "agenda": agenda, "decisions": decisions,
            "meetings": meetings, "projects": projects, "notices": notices, "states": svc.STATES,
            "supported": supported, "can_screen": api.can("discussion.matter.screen", unit),
            "can_manage": api.can("discussion.meeting.manage", unit),
            "can_project": api.can("discussion.project.manage", unit),
            "can_publish": api.can("discussion.publicity.manage", unit), "errors": {}, "form": {}, **kw}


def detail(matter_id: int):
    m = get_or_404(Matter, matter_id)
    return render_page_or_fragment("discussion/matter.html", "discussion/_matter_card.html", "matter-card",
                                   **_detail_context(m))


def _to_agenda(matter: Matter, data: dict):
    from ..services import meetings
    meeting = db.session.scalar(select(Meeting).where(Meeting.cycle_id == matter.cycle_id,
                                                      Meeting.state.in_(("scheduled", "sitting")))
                                .order_by(Meeting.starts_at).limit(1))
    if meeting is None:
        raise api.Refused(_("本季度还没有安排联席会议"))
    return meetings.put_on_agenda(matter, meeting)


ACTIONS = {"support": (svc.support, ReasonIn(partial=True), "discussion.view", None),
           "edit": (svc.edit, EditIn(), "discussion.matter.submit", "已保存修改"),
           "withdraw": (svc.withdraw, ReasonIn(partial=True), "discussion.matter.submit", "已撤回"),
           "screen": (svc.screen, ScreenIn(), "discussion.matter.screen", "已审查"),
           "agenda": (_to_agenda, ReasonIn(partial=True), "discussion.meeting.manage", "已列入议程"),
           "close_long": (svc.close_long_undecided, ReasonIn(), "discussion.meeting.manage", "已按长期未决关闭"),
           "project": (publicity.start_for_matter, ReasonIn(partial=True), "discussion.project.manage", "已立项"),
           "complete": (publicity.complete_for_matter, ReasonIn(partial=True), "discussion.project.manage",
                        "项目已完成"),
           "publish": (publicity.open_result, ReasonIn(partial=True), "discussion.publicity.manage", "结果已公示")}


def act(matter_id: int, action: str):
    m = get_or_404(Matter, matter_id)
    if action not in ACTIONS:
        abort(404)
    service, schema, permission, message = ACTIONS[action]
    station = db.session.get(Station, m.station_id)

    def run(data):
        list_svc.require(permission, station)
        return service(m, data)
    if action == "support" and api.is_fragment_request("support"):
        from flask import render_template
        from marshmallow import ValidationError
        try:
            run(schema.load(api.form_data()))
        except (api.Refused, ValidationError) as err:
            db.session.rollback()
            return render_template("discussion/_support.html", **_detail_context(m, errors={"_": [str(err)]})), 422
        db.session.commit()
        return render_template("discussion/_support.html", **_detail_context(m))
    return form_action(schema, run, page="discussion/matter.html", fragment="discussion/_matter_card.html",
                       form_id="matter-card", context=lambda **kw: _detail_context(m, **kw),
                       done=lambda _r: url_for("discussion.matter", matter_id=m.id), message=message)


def start_proxy(station_id: int):
    station = get_or_404(Station, station_id)

    def context(errors=None, form=None):
        return _index_context(proxy_errors=errors or {}, proxy_form=form or {})
    return form_action(ProxyIn(), lambda data: proxy_svc.start(station, data), page="discussion/matters.html",
                       fragment="discussion/_proxy.html", form_id="proxy-form", context=context,
                       done=lambda _p: url_for("discussion.matters") + "#matter-form",
                       message=_("已开始代办，30 分钟内提交的议题以该居民名义提出"))


def end_proxy(proxy_id: int):
    from ..models import Proxy
    proxy = get_or_404(Proxy, proxy_id)
    return form_action(ReasonIn(partial=True), lambda data: proxy_svc.end(proxy, data), page="discussion/matters.html",
                       fragment="discussion/_proxy.html", form_id="proxy-form", context=_index_context,
                       done=lambda _p: url_for("discussion.matters"), message=_("已结束代办"))
