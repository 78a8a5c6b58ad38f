"""Tickets (报修/投诉): creation with their promise, and every step of the state machine (spec §3.1).

Who may do what: the company's linked staff act as the provider (only on their company's tickets), the
reporter acts as the resident, community staff record callbacks and checks. Each step locks the ticket,
writes one timeline row (``ticket_action``), and emits ``property.ticket_state_changed``."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import clock, db, emit, lock_for_update, OrgUnit, Refused

from .. import events as ev
from ..models import Incident, Ticket, TicketAction, TicketCategory
from ..models.tickets import DECLINE_REASONS
from . import coverage, scope

RESIDENT_CHANNELS = ("resident_app",)
CALLBACK_CHANNELS = ("phone", "walk_in", "staff")


def next_ref() -> str:
    now = clock.local(clock.utcnow())
    count = db.session.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1)) or 0
    return f"WY{now:%Y%m%d}-{count + 1:05d}"


def _deadlines(ticket: Ticket, category: TicketCategory | None, start) -> None:
    cal = api.work_calendar()
    if category is None:
        due = cal.add(start, 3, "working_day")
        ticket.complete_due, ticket.deadline_explain = due.due, due.explain()
        return
    response = cal.add(start, category.response_value, category.response_unit)
    ticket.response_due = response.due
    if category.onsite_value and category.onsite_unit:
        ticket.onsite_due = cal.add(start, category.onsite_value, category.onsite_unit).due
    complete = cal.add(start, category.complete_value, category.complete_unit)
    ticket.complete_due = complete.due
    ticket.deadline_explain = _("响应：%(r)s；完成：%(c)s", r=response.explain(), c=complete.explain())


def promise(category: TicketCategory) -> str:
    """What the resident is promised when choosing the category (“15 分钟响应”)."""
    names = {"minute": _("分钟"), "hour": _("小时"), "day": _("天"), "working_hour": _("个工作小时"),
             "working_day": _("个工作日")}
    return _("%(n)s %(u)s响应，%(m)s %(v)s内完成", n=category.response_value, u=names[category.response_unit],
             m=category.complete_value, v=names[category.complete_unit])


def matching_incident(compound_id: int, building_id: int | None, at) -> Incident | None:
    for incident in db.session.scalars(select(Incident).where(Incident.state == "open").order_by(Incident.id.desc())):
        if compound_id not in (incident.compound_ids or []):
            continue
        if incident.building_ids and building_id not in incident.building_ids:
            continue
        if clock.aware(incident.window_start) <= clock.aware(at) <= clock.aware(incident.window_end):
            return incident
    return None


def create(compound: OrgUnit, data: dict, channel: str = "resident_app", on_behalf: bool = False) -> Ticket:
    """A new ticket (NEW 待接单): the company serving the compound today handles it; the supervision clock starts."""
    ctx = api.current()
    if compound.kind != "compound":
        raise Refused(_("请选择小区"))
    category = db.session.get(TicketCategory, data["category_id"]) if data.get("category_id") else None
    if data.get("category_id") and (category is None or not category.active):
        raise Refused(_("请选择报修类别"))
    building_id = data.get("building_id")
    if building_id:
        building = api.org_unit(building_id)
        if building is None or building.kind != "building" or (building.attrs or {}).get("compound_id") != compound.id:
            raise Refused(_("楼栋不属于该小区"))
    period = coverage.period_on(compound.id, scope.today())
    now = clock.utcnow()
    ticket = Ticket(ref_no=next_ref(), compound_id=compound.id, building_id=building_id,
                    unit_label=data.get("unit_label") or "", kind=data.get("kind") or "repair",
                    area=category.area if category else data.get("area") or "public",
                    emergency=bool(category and category.emergency), paid=bool(data.get("paid")),
                    warranty=bool(data.get("warranty")), category_id=category.id if category else None,
                    description=data["description"], photos=[], channel=channel,
                    reporter_user_id=None if on_behalf else ctx.user_id,
                    reporter_person_id=data.get("reporter_person_id"), anonymous=bool(data.get("anonymous")),
                    contact_enc=data.get("contact") or None, entry_permission=data.get("entry_permission") or "none",
                    appointment_at=data.get("appointment_at"),
                    provider_id=period.provider_id if period is not None else None, state="NEW",
                    created_at=now, clock_from=now)
    _deadlines(ticket, category, now)
    incident = matching_incident(compound.id, building_id, now)
    ticket.incident_id = incident.id if incident else None
    db.session.add(ticket)
    db.session.flush()
    ticket.case_no = api.attach_case(None, ticket.description[:60], kind="property.ticket", object_id=ticket.id,
                                     label=_("物业工单 %(r)s", r=ticket.ref_no), endpoint="property.ticket",
                                     unit_id=compound.id, permission="property.view", ticket_id=ticket.id)
    log(ticket, "status_change", "resident" if not on_behalf else "staff", {"action": "create", "to": "NEW",
                                                                            "channel": channel})
    if incident is not None:
        log(ticket, "resident_message", "system", {"text": incident.staff_script, "incident_id": incident.id})
    _tell_provider(ticket, _("新工单 %(r)s：%(d)s", r=ticket.ref_no, d=ticket.description[:30]))
    db.session.flush()
    return ticket


def log(ticket: Ticket, kind: str, role: str, payload: dict, visible: bool = True) -> TicketAction:
    row = TicketAction(ticket_id=ticket.id, kind=kind, actor_id=api.current().user_id, actor_role=role,
                       at=clock.utcnow(), visible_to_resident=visible and kind != "internal_note", payload=payload)
    db.session.add(row)
    return row


def timeline(ticket: Ticket, resident: bool = False) -> list[TicketAction]:
    stmt = select(TicketAction).where(TicketAction.ticket_id == ticket.id).order_by(TicketAction.at, TicketAction.id)
    if resident:
        stmt = stmt.where(TicketAction.visible_to_resident.is_(True))
    return list(db.session.scalars(stmt))


def locked(ticket_id: int, version: int | None = None) -> Ticket:
    ticket = db.session.scalar(lock_for_update(select(Ticket).where(Ticket.id == ticket_id)))
    if ticket is None:
        raise Refused(_("工单不存在"))
    if version is not None and ticket.version != version:
        raise api.Stale("property/_ticket_card.html", t=ticket, days_left={})
    return ticket


def role_of(ticket: Ticket) -> str | None:
    """The part the current user plays on this ticket: provider, resident, staff, or None."""
    ctx = api.current()
    if ticket.provider_id and scope.employed_by(ctx.user_id, ticket.provider_id):
        return "provider"
    if ticket.reporter_user_id and ticket.reporter_user_id == ctx.user_id:
        return "resident"
    compound = api.org_unit(ticket.compound_id)
    if compound is not None and not scope.companies_of(ctx.user_id) and scope.may("property.ticket.callback", compound):
        return "staff"
    return None


def _need(ticket: Ticket, *roles: str) -> str:
    role = role_of(ticket)
    if role not in roles:
        raise Refused({"provider": _("只有承接该小区的物业企业员工可以办理这一步"),
                       "resident": _("只有报事的居民本人可以办理这一步"),
                       "staff": _("只有社区工作人员可以办理这一步")}[roles[0]])
    return role


def _from(ticket: Ticket, *states: str) -> None:
    if ticket.state not in states:
        raise Refused(_("工单当前状态不能办理这一步"))


def _qualify(ticket: Ticket, status_change: bool) -> None:
    """A qualifying action restarts the supervision clock (§3.2.1–3); past ``complete_due`` only a status change does."""
    now = clock.utcnow()
    past_due = ticket.complete_due is not None and clock.aware(now) > clock.aware(ticket.complete_due)
    if status_change or not past_due:
        ticket.clock_from, ticket.warned_at = now, None
    ticket.last_provider_action_at = now


def _move(ticket: Ticket, to: str, action: str, role: str, payload: dict | None = None,
          qualifying: bool = False) -> Ticket:
    before = ticket.state
    ticket.state = to
    ticket.version += 1
    if qualifying:
        _qualify(ticket, True)
    log(ticket, "status_change", role, {"action": action, "from": before, "to": to, **(payload or {})})
    db.session.flush()
    emit(ev.TicketStateChanged(ticket_id=ticket.id, from_state=before, to_state=to, action=action,
                               is_mirror=ticket.is_mirror, grid_event_id=int(ticket.grid_event_ref or 0),
                               case_no=ticket.case_no or "", result=(payload or {}).get("result", "")))
    return ticket


def _close(ticket: Ticket, reason: str, action: str, role: str, payload: dict | None = None) -> Ticket:
    ticket.close_reason, ticket.closed_at = reason, clock.utcnow()
    return _move(ticket, "CLOSED", action, role, {"close_reason": reason, **(payload or {})})


def accept(ticket: Ticket, data: dict) -> Ticket:
    _from(ticket, "NEW")
    role = _need(ticket, "provider")
    ticket.accepted_at, ticket.assignee_id = clock.utcnow(), api.current().user_id
    return _move(ticket, "ACCEPTED", "accept", role, qualifying=True)


def decline(ticket: Ticket, data: dict) -> Ticket:
    _from(ticket, "NEW")
    role = _need(ticket, "provider")
    if data.get("reason") not in DECLINE_REASONS:
        raise Refused(_("请选择退单原因"))
    ticket.decline_reason, ticket.declined_at = data["reason"], clock.utcnow()
    _move(ticket, "DECLINED", "decline", role, {"reason": data["reason"], "text": data.get("text", "")},
          qualifying=True)
    if data["reason"] == "NOT_PROPERTY_MATTER":
        compound = api.org_unit(ticket.compound_id)
        emit(ev.TicketDeclinedNotProperty(ticket_id=ticket.id, case_no=ticket.case_no or "",
                                          compound_id=ticket.compound_id, community_id=compound.parent_id or 0,
                                          description=ticket.description[:200]))
    _tell_reporter(ticket, _("您的工单 %(r)s 被物业退回：%(why)s", r=ticket.ref_no, why=decline_label(data["reason"])))
    return ticket


def decline_label(code: str) -> str:
    return {"NOT_PROPERTY_MATTER": _("不属于物业服务事项"), "DUPLICATE": _("重复报事"),
            "OUT_OF_CONTRACT": _("超出合同范围（可提供有偿服务）"), "INVALID": _("无效报事")}.get(code, code)


def dispute(ticket: Ticket, data: dict) -> Ticket:
    _from(ticket, "DECLINED")
    role = _need(ticket, "resident")
    if ticket.disputed:
        raise Refused(_("已经提出过异议"))
    days = api.settings("property")["dispute_days"]
    if clock.aware(clock.utcnow()) > clock.aware(ticket.declined_at) + timedelta(days=days):
        raise Refused(_("退单已超过 %(n)s 天，不能再提出异议", n=days))
    ticket.disputed, ticket.version = True, ticket.version + 1
    log(ticket, "resident_message", role, {"action": "dispute", "text": data.get("text", "")})
    compound = api.org_unit(ticket.compound_id)
    grids = scope.grids_of(compound)
    emit(ev.DeclineDisputed(ticket_id=ticket.id, ref_no=ticket.ref_no, case_no=ticket.case_no or "",
                            compound_id=compound.id, community_id=compound.parent_id or 0,
                            grid_id=grids[0].id if grids else 0, decline_reason=ticket.decline_reason or "",
                            description=ticket.description[:500], excluded_checkers=_staff_ids(ticket.provider_id)))
    db.session.flush()
    return ticket


def start(ticket: Ticket, data: dict) -> Ticket:
    _from(ticket, "ACCEPTED")
    role = _need(ticket, "provider")
    ticket.onsite_at = clock.utcnow()
    return _move(ticket, "IN_PROGRESS", "start", role, qualifying=True)


def defer(ticket: Ticket, data: dict) -> Ticket:
    _from(ticket, "ACCEPTED", "IN_PROGRESS")
    role = _need(ticket, "provider")
    until, today = data.get("deferred_until"), scope.today()
    if not data.get("reason"):
        raise Refused(_("请说明暂缓原因"))
    if until is None or until <= today or until > today + timedelta(days=365):
        raise Refused(_("暂缓至的日期须在明天到一年之内"))
    ticket.deferred_until = until
    return _move(ticket, "DEFERRED", "defer", role, {"reason": data["reason"], "until": until.isoformat()},
                 qualifying=True)


def complete(ticket: Ticket, data: dict) -> Ticket:
    _from(ticket, "IN_PROGRESS")
    role = _need(ticket, "provider")
    if not data.get("result"):
        raise Refused(_("请填写处理结果"))
    if ticket.area == "public" and not data.get("photo"):
        raise Refused(_("公共区域维修须附完工照片"))
    if data.get("photo"):
        ticket.photos = [*ticket.photos, {"kind": "after", "ref": data["photo"]}]
    ticket.completed_at = clock.utcnow()
    _move(ticket, "COMPLETED", "complete", role, {"result": data["result"]}, qualifying=True)
    if not ticket.is_mirror and ticket.channel in RESIDENT_CHANNELS:
        _tell_reporter(ticket, _("您的工单 %(r)s 已处理完成，请评价", r=ticket.ref_no))
    return ticket


def rate(ticket: Ticket, data: dict) -> Ticket:
    """The resident rates: good or bad closes it; returned (退回重修) with a reason reopens it. A mirror closed
    after the grid's check takes the resident's rating without changing state."""
    role = _need(ticket, "resident")
    rating = data.get("rating")
    if ticket.state == "CLOSED" and ticket.close_reason == "verified_by_grid" and rating in ("good", "bad"):
        if ticket.rating:
            raise Refused(_("已经评价过"))
        ticket.rating, ticket.rating_reasons, ticket.scores = rating, data.get("reasons") or [], data.get("scores") or {}
        ticket.version += 1
        log(ticket, "resident_message", role, {"action": "rate", "rating": rating})
        db.session.flush()
        return ticket
    _from(ticket, "COMPLETED")
    if ticket.is_mirror:
        raise Refused(_("该工单由网格核查，无需评价"))
    if rating == "returned":
        if not data.get("reasons"):
            raise Refused(_("退回重修须说明原因"))
        ticket.reopen_n += 1
        ticket.rating_reasons = data["reasons"]
        ticket.clock_from, ticket.warned_at, ticket.completed_at = clock.utcnow(), None, None
        _move(ticket, "NEW", "return", role, {"reasons": data["reasons"]})
        _tell_provider(ticket, _("工单 %(r)s 被居民退回重修", r=ticket.ref_no))
        return ticket
    if rating not in ("good", "bad"):
        raise Refused(_("请选择评价"))
    ticket.rating, ticket.rating_reasons, ticket.scores = rating, data.get("reasons") or [], data.get("scores") or {}
    return _close(ticket, "rated", "rate", role, {"rating": rating})


def callback(ticket: Ticket, data: dict) -> Ticket:
    """回访 by community staff for a ticket entered by staff or by phone."""
    _from(ticket, "COMPLETED")
    role = _need(ticket, "staff")
    if ticket.channel not in CALLBACK_CHANNELS or ticket.is_mirror:
        raise Refused(_("居民自行报事的工单由居民评价，无需回访"))
    result = data.get("result")
    if result == "unreachable":
        ticket.callback_attempts += 1
        ticket.version += 1
        log(ticket, "internal_note", role, {"action": "callback_attempt", "n": ticket.callback_attempts})
        if ticket.callback_attempts >= 3:
            ticket.callback_result = "unreachable"
            return _close(ticket, "callback", "callback", role, {"result": "unreachable"})
        db.session.flush()
        return ticket
    if result == "satisfied":
        ticket.callback_result = "satisfied"
        return _close(ticket, "callback", "callback", role, {"result": "satisfied"})
    if result == "dissatisfied":
        if not data.get("reason"):
            raise Refused(_("居民不满意须记录具体原因"))
        ticket.callback_result, ticket.reopen_n = "dissatisfied", ticket.reopen_n + 1
        ticket.clock_from, ticket.warned_at = clock.utcnow(), None
        return _move(ticket, "NEW", "callback", role, {"result": "dissatisfied", "reason": data["reason"]})
    raise Refused(_("请选择回访结果"))


def withdraw(ticket: Ticket, data: dict) -> Ticket:
    _from(ticket, "NEW", "ACCEPTED")
    role = _need(ticket, "resident")
    return _close(ticket, "withdrawn", "withdraw", role)


def comment(ticket: Ticket, data: dict) -> Ticket:
    """A provider comment the resident sees (qualifying, unless ``complete_due`` has passed), or an internal note."""
    if not data.get("text"):
        raise Refused(_("请填写内容"))
    internal = bool(data.get("internal"))
    role = role_of(ticket)
    if role is None or (role == "resident" and internal):
        raise Refused(_("您不能在该工单上留言"))
    kind = "internal_note" if internal else {"provider": "provider_comment", "resident": "resident_message",
                                             "staff": "resident_message"}[role]
    log(ticket, kind, role, {"text": data["text"]})
    if kind == "provider_comment" and ticket.state in ("NEW", "ACCEPTED", "IN_PROGRESS"):
        _qualify(ticket, False)
    ticket.version += 1
    db.session.flush()
    return ticket


def grid_checked(ticket: Ticket, passed: bool, reason: str = "") -> Ticket | None:
    """The grid's check of a mirror: passed closes it (verified_by_grid), failed is rework (IN_PROGRESS)."""
    if not ticket.is_mirror:
        return None
    if passed and ticket.state != "CLOSED":
        return _close(ticket, "verified_by_grid", "grid_check", "grid")
    if not passed and ticket.state in ("COMPLETED", "IN_PROGRESS", "ACCEPTED", "NEW"):
        if ticket.state == "IN_PROGRESS":
            log(ticket, "status_change", "grid", {"action": "grid_check", "passed": False, "reason": reason})
            db.session.flush()
            return ticket
        return _move(ticket, "IN_PROGRESS", "grid_check", "grid", {"passed": False, "reason": reason})
    return None


def _staff_ids(company_id: int | None) -> list[int]:
    from ..models import CompanyStaff
    if not company_id:
        return []
    return sorted(db.session.scalars(select(CompanyStaff.user_id).where(CompanyStaff.company_id == company_id)))


def _tell_provider(ticket: Ticket, title: str) -> None:
    from ..models import CompanyStaff
    if not ticket.provider_id:
        return
    users = sorted(db.session.scalars(select(CompanyStaff.user_id).where(CompanyStaff.company_id == ticket.provider_id,
                                                                         CompanyStaff.active.is_(True))))
    if users:
        api.notify(users, title, "property.ticket", ticket_id=ticket.id)


def _tell_reporter(ticket: Ticket, title: str) -> None:
    if ticket.reporter_user_id:
        api.notify([ticket.reporter_user_id], title, "property.ticket", ticket_id=ticket.id)


ACTIONS = {"accept": accept, "decline": decline, "dispute": dispute, "start": start, "defer": defer,
           "complete": complete, "rate": rate, "callback": callback, "withdraw": withdraw, "comment": comment}
