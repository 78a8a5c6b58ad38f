"""民情事项: from the resident's words to an answer and a callback (office-hours.md §3.3). One case
number across modules; referral to a grid and escalation to discussion only through events."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from core import api
from core.api import clock, current, db, emit, Refused, Stale

from ..events import IssueClosed, IssueCreated, IssueEscalated, IssueReferred
from ..models import (Callback, Feedback, HandledEvent, Issue, IssueStep, Referral, Studio, SupervisionLog, Visit)

STATES = {"received": _l("待分办"), "triaged": _l("已分办"), "referred": _l("已转办"), "in_progress": _l("办理中"),
          "escalated": _l("已提交议事"), "resolved": _l("已办结待答复"), "feedback_given": _l("已答复待回访"),
          "closed": _l("已办结"), "merged": _l("已合并")}
OPEN = ("received", "triaged", "referred", "in_progress", "escalated", "resolved", "feedback_given")
TARGETS = {"grid": _l("网格"), "department": _l("职能部门"), "discussion": _l("党群议事站"),
           "higher_rep": _l("上级代表")}
RESULTS = {"satisfied": _l("满意"), "basic": _l("基本满意"), "unsatisfied": _l("不满意"), "unreachable": _l("联系不上")}
#: working days (office-hours.md §4.4)
SLA = {"ack": 1, "response": 5, "resolve": 15, "accept": 2, "callback": 2}


@dataclass(frozen=True)
class Action:
    label: object
    sources: tuple
    permission: str


ACTIONS = {
    "triage": Action(_l("分办"), ("received",), "office_hours.issue.triage"),
    "answer": Action(_l("当场答复"), ("triaged",), "office_hours.issue.feedback"),
    "refer": Action(_l("转办"), ("triaged",), "office_hours.issue.refer"),
    "accept": Action(_l("承办单位接收"), ("referred",), "office_hours.issue.respond"),
    "decline": Action(_l("承办单位退回"), ("referred",), "office_hours.issue.respond"),
    "result": Action(_l("报告办理结果"), ("in_progress",), "office_hours.issue.respond"),
    "escalate": Action(_l("提交议事或上级代表"), ("triaged",), "office_hours.issue.refer"),
    "not_acceptable": Action(_l("不予受理并说明"), ("triaged",), "office_hours.issue.triage"),
    "merge": Action(_l("合并到其他事项"), ("received", "triaged"), "office_hours.issue.triage"),
    "feedback": Action(_l("答复居民"), ("resolved",), "office_hours.issue.feedback"),
    "callback": Action(_l("回访"), ("feedback_given",), "office_hours.issue.feedback"),
    "chase": Action(_l("催办"), ("triaged", "referred", "in_progress", "escalated"), "office_hours.issue.supervise"),
}


def _cal():
    return api.work_calendar()


def _set_clock(issue: Issue, start: datetime) -> None:
    cal = _cal()
    ack, resp, res = (cal.add(start, SLA[k], "working_day") for k in ("ack", "response", "resolve"))
    issue.clock_from, issue.ack_due, issue.response_due, issue.resolve_due = start, ack.due, resp.due, res.due
    issue.deadline_explain = {"ack": ack.as_json(), "response": resp.as_json(), "resolve": res.as_json()}
    issue.overdue = False


def create(studio: Studio, title: str, *, visit: Visit | None = None, source: str = "visit", channel: str = "in_person",
           category: str | None = None, phone: str | None = None, confidential: bool = False,
           now: datetime | None = None, attach: bool = True) -> Issue:
    now = now or clock.utcnow()
    issue = Issue(ref_no="", visit_id=visit.id if visit else None, studio_id=studio.id,
                  owner_org_unit_id=studio.org_unit_id, source=source, channel=channel, title=title[:100],
                  category=category or (visit.category if visit else None),
                  contact_phone=phone or (visit.contact_phone if visit else None),
                  confidential=confidential or bool(visit and visit.confidential), created_at=now)
    _set_clock(issue, now)
    db.session.add(issue)
    db.session.flush()
    issue.ref_no = (api.attach_case(None, _("民情事项") if issue.confidential else issue.title, kind="office_hours.issue",
                                    object_id=issue.id, label=_("代表接待民情事项"), endpoint="office_hours.issue",
                                    unit_id=studio.org_unit_id, permission="office_hours.issue.triage",
                                    issue_id=issue.id)
                    if attach else f"OH-{issue.id}")
    _step(issue, "create", None, "received", "", now)
    emit(IssueCreated(issue_id=issue.id, case_no=issue.ref_no, category=issue.category or "", source=source))
    return issue


def _step(issue: Issue, action: str, before: str | None, after: str, note: str = "", at: datetime | None = None):
    db.session.add(IssueStep(issue_id=issue.id, action=action, from_state=before, to_state=after, note=note[:400],
                             created_by=current().user_id, created_at=at or clock.utcnow()))


def _move(issue: Issue, action: str, to: str, version: int | None, note: str = "") -> None:
    """The transition, guarded by the row's version: a stale page answers 409 with the current card."""
    before = issue.state
    q = update(Issue).where(Issue.id == issue.id, Issue.state == before)
    if version is not None:
        q = q.where(Issue.version == version)
    if db.session.execute(q.values(state=to, version=Issue.version + 1)
                          .execution_options(synchronize_session=False)).rowcount != 1:
        db.session.refresh(issue)
        raise Stale("office_hours/_issue_card.html", issue=issue, **card_context(issue))
    db.session.refresh(issue)
    _step(issue, action, before, to, note)


def act(issue: Issue, action: str, data: dict, version: int | None = None) -> Issue:
    """Perform ``action`` (a name of ACTIONS) with its validated ``data``."""
    if action not in ACTIONS or issue.state not in ACTIONS[action].sources:
        raise Refused(_("当前状态不能执行此操作"))
    now = clock.utcnow()
    text_ = (data.get("note") or "").strip()
    if action == "triage":
        issue.category = data.get("category") or issue.category
        if not issue.category:
            raise Refused(_("请选择类别"))
        issue.proposal = data.get("proposal") or issue.proposal
        _move(issue, action, "triaged", version, issue.proposal)
    elif action == "answer":
        _need(text_, _("请填写答复内容"))
        _move(issue, action, "feedback_given", version, text_)
        _feedback(issue, text_, "in_person")
    elif action == "not_acceptable":
        _need(text_, _("请填写不予受理的说明"))
        _move(issue, action, "feedback_given", version, text_)
        _feedback(issue, text_, issue.channel)
    elif action == "refer":
        target, ref = data.get("target_type"), (data.get("target_ref") or "").strip()
        if target not in ("grid", "department"):
            raise Refused(_("请选择转办对象"))
        _need(ref, _("请填写承办单位"))
        _move(issue, action, "referred", version, f"{TARGETS[target]}：{ref}")
        ref_row = Referral(issue_id=issue.id, target_type=target, target_ref=ref[:100], sent_at=now,
                           accept_due=_cal().add(now, SLA["accept"], "working_day").due, due_at=issue.resolve_due)
        db.session.add(ref_row)
        db.session.flush()
        if target == "grid":
            emit(IssueReferred(**_referred_fields(issue, ref_row, data.get("target_unit_id"))))
            issue.linked_type = "grid"
    elif action == "accept":
        _move(issue, action, "in_progress", version)
        ref = _open_referral(issue)
        ref.state, ref.accepted_at = "accepted", now
    elif action == "decline":
        _need(text_, _("请填写退回原因"))
        ref = _open_referral(issue)
        _move(issue, action, "triaged", version, text_)
        ref.state, ref.declined_at, ref.decline_reason = "declined", now, text_[:200]
    elif action == "result":
        _need(text_, _("请填写办理结果"))
        _resolve(issue, text_, version, action)
    elif action == "escalate":
        target = data.get("target_type") or "discussion"
        if target not in ("discussion", "higher_rep"):
            raise Refused(_("请选择提交对象"))
        _move(issue, action, "escalated", version, f"{TARGETS[target]} {text_}".strip())
        db.session.add(Referral(issue_id=issue.id, target_type=target, target_ref=str(TARGETS[target]), sent_at=now,
                                due_at=issue.resolve_due))
        issue.linked_type = target
        emit(IssueEscalated(issue_id=issue.id, case_no=issue.ref_no, target_type=target,
                            category=issue.category or "", title=_("民情事项") if issue.confidential else issue.title,
                            org_unit_id=issue.owner_org_unit_id))
    elif action == "merge":
        target = db.session.scalar(select(Issue).where(Issue.ref_no == (data.get("target_ref") or "").strip()))
        if target is None or target.id == issue.id or target.state not in OPEN:
            raise Refused(_("请填写一个未办结的事项编号"))
        issue.merged_into_id = target.id
        _move(issue, action, "merged", version, target.ref_no)
    elif action == "feedback":
        _need(text_, _("请填写答复内容"))
        _move(issue, action, "feedback_given", version, text_)
        _feedback(issue, text_, issue.channel)
    elif action == "callback":
        callback(issue, data.get("result"), text_, version)
    elif action == "chase":
        db.session.add(SupervisionLog(issue_id=issue.id, kind="chase", stage=f"manual-{now.isoformat()}",
                                      created_by=current().user_id, note=text_))
        _step(issue, "chase", issue.state, issue.state, text_)
        issue.version += 1
    db.session.flush()
    return issue


def _need(value: str, message: str) -> None:
    if not value:
        raise Refused(message)


def _open_referral(issue: Issue, state: str = "sent") -> Referral:
    ref = db.session.scalar(select(Referral).where(Referral.issue_id == issue.id, Referral.state == state)
                            .order_by(Referral.id.desc()).limit(1))
    if ref is None:
        raise Refused(_("没有待接收的转办"))
    return ref


def _referred_fields(issue: Issue, ref: Referral, unit_id) -> dict:
    """Only what the grid needs: a confidential matter goes as its category alone."""
    visit = db.session.get(Visit, issue.visit_id) if issue.visit_id else None
    words = "" if issue.confidential or visit is None else (visit.summary or visit.statement_verbatim)[:400]
    return dict(issue_id=issue.id, referral_id=ref.id, case_no=issue.ref_no, target_type="grid",
                target_unit_id=int(unit_id or 0), category=issue.category or "",
                title=_("民情事项") if issue.confidential else issue.title, description=words,
                location=db.session.get(Studio, issue.studio_id).address,
                contact_phone="" if issue.confidential else (issue.contact_phone or ""),
                confidential=issue.confidential)


def _resolve(issue: Issue, note: str, version: int | None, action: str) -> None:
    _move(issue, action, "resolved", version, note)
    issue.resolved_at = clock.utcnow()
    for ref in db.session.scalars(select(Referral).where(Referral.issue_id == issue.id,
                                                         Referral.state.in_(("sent", "accepted")))):
        ref.state, ref.response = "answered", note


def _feedback(issue: Issue, content: str, channel: str) -> None:
    """Every answer goes back the way the resident came (SMS or a call for those without the app)."""
    db.session.add(Feedback(issue_id=issue.id, channel=channel, content=content, given_by=current().user_id))
    from .notices import queue
    if issue.contact_phone and not issue.confidential:
        queue(f"feedback:{issue.id}:{issue.reopen_count}", "feedback", _("您反映的事项（%(ref)s）有答复：%(c)s",
                                                                        ref=issue.ref_no, c=content[:200]),
              phone=issue.contact_phone, channel="call" if channel == "phone" else "sms")
    for merged in db.session.scalars(select(Issue).where(Issue.merged_into_id == issue.id)):
        db.session.add(Feedback(issue_id=merged.id, channel=merged.channel, content=content,
                                given_by=current().user_id))


def callback(issue: Issue, result: str | None, note: str, version: int | None = None) -> Issue:
    """Satisfied or basic closes; unreachable closes after the third attempt (counted for 回访率, never
    for 满意率); unsatisfied and substantiated reopens with fresh due dates."""
    if result not in RESULTS:
        raise Refused(_("请选择回访结果"))
    if not db.session.scalar(select(func.count()).select_from(Feedback).where(Feedback.issue_id == issue.id)):
        raise Refused(_("尚未答复居民，不能回访"))
    n = (db.session.scalar(select(func.count()).select_from(Callback).where(Callback.issue_id == issue.id)) or 0) + 1
    db.session.add(Callback(issue_id=issue.id, attempt_n=n, result=result, note=note, created_by=current().user_id))
    if result in ("satisfied", "basic") or (result == "unreachable" and _unreachable(issue) >= 3):
        _move(issue, "callback", "closed", version, str(RESULTS[result]))
        issue.closed_at = clock.utcnow()
        emit(IssueClosed(issue_id=issue.id, case_no=issue.ref_no, result=result))
        for merged in db.session.scalars(select(Issue).where(Issue.merged_into_id == issue.id,
                                                             Issue.state == "merged")):
            merged.state, merged.closed_at = "closed", clock.utcnow()
    elif result == "unsatisfied":
        _move(issue, "callback", "triaged", version, _("不满意，重新办理：%(n)s", n=note))
        issue.reopen_count += 1
        _set_clock(issue, clock.utcnow())
    else:
        _step(issue, "callback", issue.state, issue.state, _("联系不上（第%(n)s次）", n=n))
        issue.version += 1
    db.session.flush()
    return issue


def _unreachable(issue: Issue) -> int:
    return db.session.scalar(select(func.count()).select_from(Callback).where(
        Callback.issue_id == issue.id, Callback.result == "unreachable", Callback.created_at >= issue.clock_from))


def watch_deadlines(now: datetime | None = None) -> dict:
    """Chase (催办) at 75 % of the time allowed, supervise (督办) at 100 % and flag overdue; each once
    per clock (a retried run logs nothing twice)."""
    now = now or clock.utcnow()
    out = {"chase": 0, "supervise": 0}
    for issue in db.session.scalars(select(Issue).where(Issue.state.in_(OPEN[:5]), Issue.resolve_due.is_not(None))):
        start, due = clock.aware(issue.clock_from), clock.aware(issue.resolve_due)
        stage = f"{issue.reopen_count}:{due:%Y%m%d%H%M}"
        for kind, at in (("chase", start + (due - start) * 0.75), ("supervise", due)):
            if now < at or db.session.scalar(select(SupervisionLog.id).where(
                    SupervisionLog.issue_id == issue.id, SupervisionLog.kind == kind, SupervisionLog.stage == stage)):
                continue
            db.session.add(SupervisionLog(issue_id=issue.id, kind=kind, stage=stage,
                                          note=_("到期自动催办") if kind == "chase" else _("超期，街道督办")))
            out[kind] += 1
            if kind == "supervise":
                issue.overdue = True
                unit = api.org_unit(issue.owner_org_unit_id)
                api.notify(api.users_holding("office_hours.issue.supervise", unit) if unit else [],
                           _("民情事项 %(ref)s 已超期，请督办", ref=issue.ref_no), "office_hours.issue", issue_id=issue.id)
    db.session.flush()
    return out


def on_outside_event(event) -> None:
    """Linked grid events and discussion matters move the issue (idempotent on the event id)."""
    case_no = getattr(event, "case_no", "") or ""
    issue = None
    if case_no:
        issue = db.session.scalar(select(Issue).where(Issue.ref_no == case_no))
    if issue is None:
        return
    key = str(event.id)
    if db.session.scalar(select(HandledEvent.id).where(HandledEvent.event_id == key)):
        return
    db.session.add(HandledEvent(event_id=key, name=event.name))
    name, to_state = event.name, getattr(event, "to_state", "")
    if issue.linked_type == "grid" and name == "grid.event_created":
        issue.linked_id = str(getattr(event, "event_id", "") or "")
        if issue.state == "referred":
            _move(issue, "accept", "in_progress", None, _("网格已立事件"))
            for ref in db.session.scalars(select(Referral).where(Referral.issue_id == issue.id,
                                                                 Referral.state == "sent")):
                ref.state, ref.accepted_at = "accepted", clock.utcnow()
    elif name == "grid.event_closed" and issue.state in ("referred", "in_progress"):
        _resolve(issue, _("网格事件已办结"), None, "result")
    elif name == "grid.event_state_changed" and to_state in ("REJECTED", "CANCELLED") and \
            issue.state in ("referred", "in_progress"):
        _move(issue, "decline", "triaged", None, _("网格事件被退回或撤销，重新分办"))
    elif name in ("discussion.matter_not_admitted", "discussion.matter_closed") and issue.state == "escalated":
        _resolve(issue, getattr(event, "outcome", "") or _("议事结果已送达"), None, "result")
    elif name == "discussion.matter_decided" and issue.state == "escalated":
        if getattr(event, "outcome", "") == "rejected":
            _resolve(issue, _("议事未通过"), None, "result")
        else:
            _step(issue, "progress", issue.state, issue.state, _("议事已通过，等待落实"))
    db.session.flush()


def card_context(issue: Issue) -> dict:
    steps = db.session.scalars(select(IssueStep).where(IssueStep.issue_id == issue.id)
                               .order_by(IssueStep.created_at, IssueStep.id)).all()
    refs = db.session.scalars(select(Referral).where(Referral.issue_id == issue.id).order_by(Referral.id)).all()
    logs = db.session.scalars(select(SupervisionLog).where(SupervisionLog.issue_id == issue.id)
                              .order_by(SupervisionLog.id)).all()
    callbacks = db.session.scalars(select(Callback).where(Callback.issue_id == issue.id).order_by(Callback.id)).all()
    studio = db.session.get(Studio, issue.studio_id)
    unit = api.org_unit(studio.org_unit_id)
    actions = [(name, a) for name, a in ACTIONS.items() if issue.state in a.sources and unit and api.can(a.permission, unit)]
    from ..schemas import CATEGORIES
    show = not issue.confidential or bool(unit and api.can("office_hours.visit.confidential_view", unit))
    return {"steps": steps, "referrals": refs, "logs": logs, "callbacks": callbacks, "actions": actions,
            "states": STATES, "targets": TARGETS, "results": RESULTS, "studio": studio, "categories": CATEGORIES,
            "visit": db.session.get(Visit, issue.visit_id) if issue.visit_id else None, "show_words": show,
            "errors": {}, "form": {}}
