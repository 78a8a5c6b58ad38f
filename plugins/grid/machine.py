"""The event state machine (docs/grid.md §3): which action moves which state, who may, and why not.

Every action locks the event row, compares the form's ``version`` (a stale form gets 409 with the
current state), checks its guard (a refusal says why, in Chinese, and changes nothing), applies
its effect, appends a timeline row and announces the change to other plugins.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class State(StrEnum):
    """Where an event stands (docs/grid.md §3). A member is a string equal to its name: it is stored,
    compared and rendered as ``"SUBMITTED"`` and so on."""

    SUBMITTED = "SUBMITTED"
    VERIFYING = "VERIFYING"
    REGISTERED = "REGISTERED"
    DISPATCHED = "DISPATCHED"
    IN_PROGRESS = "IN_PROGRESS"
    RETURN_REQUESTED = "RETURN_REQUESTED"
    SUSPENDED = "SUSPENDED"
    AWAITING_CHECK = "AWAITING_CHECK"
    AWAITING_CALLBACK = "AWAITING_CALLBACK"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"
    MERGED = "MERGED"
    CANCELLED = "CANCELLED"


S = State
TERMINAL = (S.CLOSED, S.REJECTED, S.MERGED, S.CANCELLED)
ACTIVE = (S.SUBMITTED, S.VERIFYING, S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS, S.RETURN_REQUESTED, S.SUSPENDED,
          S.AWAITING_CHECK, S.AWAITING_CALLBACK)
STATE_LABELS = {
    S.SUBMITTED: _l("待受理"), S.VERIFYING: _l("待核实"), S.REGISTERED: _l("已立案待派遣"), S.DISPATCHED: _l("已派遣待签收"),
    S.IN_PROGRESS: _l("处置中"), S.RETURN_REQUESTED: _l("退回待改派"), S.SUSPENDED: _l("挂账"),
    S.AWAITING_CHECK: _l("待核查"), S.AWAITING_CALLBACK: _l("待回访"), S.CLOSED: _l("已结案"), S.REJECTED: _l("不予立案"),
    S.MERGED: _l("已合并"), S.CANCELLED: _l("已撤销"),
}
CLOSURES = {"RESOLVED": _l("已解决"), "PARTLY_RESOLVED": _l("部分解决"), "UNRESOLVABLE_EXPLAINED": _l("无法解决（已解释）"),
            "CONSULT_ANSWERED": _l("咨询已答复"), "RESOLVED_ON_SPOT": _l("现场办结")}
REJECT_REASONS = {"NOT_TRUE": _l("反映不属实"), "OUT_OF_SCOPE": _l("不属于受理范围"), "INSUFFICIENT_INFO": _l("信息不足")}
RETURN_REASONS = {"NOT_OUR_DUTY": _l("不属于本单位职责"), "WRONG_LOCATION": _l("地点有误"), "INFO_MISSING": _l("信息缺失")}
CALLBACK_RESULTS = {"satisfied": _l("满意"), "basic": _l("基本满意"), "unsatisfied": _l("不满意"), "unreachable": _l("无法联系")}
SUSPEND_REASONS = {"seasonal": _l("季节性原因"), "capital": _l("需立项建设"), "legal": _l("司法程序中"), "funding": _l("资金未落实")}
REOPEN_WINDOW = timedelta(days=15)
#: sources whose reporter is called back after the check (T20) before the case closes
CALLBACK_SOURCES = ("RESIDENT", "PHONE_VISIT", "HOTLINE_12345")


@dataclass(frozen=True)
class Action:
    name: str
    code: str
    label: object
    sources: tuple[str, ...]
    permission: str
    #: form fields the action needs (validated by schemas.ACTION_SCHEMAS[name])
    fields: tuple[str, ...] = ()
    style: str = ""


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("accept", "T2", _l("受理"), (S.SUBMITTED,), "grid.event.accept"),
    Action("register", "T3", _l("直接立案"), (S.SUBMITTED,), "grid.event.register"),
    Action("answer", "T4", _l("当场答复"), (S.SUBMITTED,), "grid.event.accept", ("answer",)),
    Action("self_handle", "T5", _l("现场办结"), (S.SUBMITTED,), "grid.event.handle", ("result",)),
    Action("reject", "T6", _l("不予立案"), (S.SUBMITTED, S.VERIFYING), "grid.event.accept", ("reason_code", "reason"), "danger"),
    Action("merge", "T7", _l("合并到主事件"), (S.SUBMITTED, S.VERIFYING, S.REGISTERED), "grid.event.merge", ("master_ref",)),
    Action("unmerge", "T7U", _l("撤销合并"), (S.MERGED,), "grid.event.merge", ("reason",)),
    Action("verify", "T8", _l("核实属实，立案"), (S.VERIFYING,), "grid.event.verify"),
    Action("dispatch", "T9", _l("派遣"), (S.REGISTERED,), "grid.event.dispatch", ("handler_unit_id",)),
    Action("sign", "T10", _l("签收"), (S.DISPATCHED,), "grid.event.handle"),
    Action("return", "T11", _l("退回"), (S.DISPATCHED, S.IN_PROGRESS), "grid.event.handle", ("reason_code", "reason")),
    Action("redispatch", "T12", _l("改派"), (S.RETURN_REQUESTED,), "grid.event.dispatch", ("handler_unit_id", "dispatch_error")),
    Action("refuse_return", "T13", _l("不同意退回"), (S.RETURN_REQUESTED,), "grid.event.dispatch", ("reason",)),
    Action("request_extension", "T15R", _l("申请延期"), (S.IN_PROGRESS,), "grid.event.handle", ("days", "reason")),
    Action("extend", "T15", _l("批准延期"), (S.IN_PROGRESS,), "grid.event.approve_extension", ("days", "reason")),
    Action("refuse_extension", "T15X", _l("不批准延期"), (S.IN_PROGRESS,), "grid.event.approve_extension", ("reason",),
           "danger"),
    Action("suspend", "T16", _l("批准挂账"), (S.IN_PROGRESS,), "grid.event.approve_suspension", ("reason_code", "reason")),
    Action("resume", "T17", _l("恢复处置"), (S.SUSPENDED,), "grid.event.approve_suspension"),
    Action("submit_result", "T18", _l("提交处置结果"), (S.IN_PROGRESS,), "grid.event.handle", ("result", "closure_type")),
    Action("check_fail", "T19", _l("核查不通过，返工"), (S.AWAITING_CHECK,), "grid.event.check", ("reason",), "danger"),
    Action("check_pass", "T20", _l("核查通过"), (S.AWAITING_CHECK,), "grid.event.check"),
    Action("callback_attempt", "CB", _l("回访未接通"), (S.AWAITING_CALLBACK,), "grid.event.callback", ("reason",)),
    Action("callback", "T22", _l("记录回访"), (S.AWAITING_CALLBACK,), "grid.event.callback", ("callback_result", "reason")),
    Action("reopen", "T24", _l("重新办理"), (S.CLOSED,), "grid.event.accept", ("reason",)),
    Action("recheck_pass", "T5R", _l("抽查复核通过"), (S.CLOSED,), "grid.event.check"),
    Action("recheck_fail", "T24", _l("抽查复核不通过，返工"), (S.CLOSED,), "grid.event.check", ("reason",), "danger"),
    Action("recategorise", "CAT", _l("更正类别"), (S.SUBMITTED, S.VERIFYING, S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS,
                                                  S.RETURN_REQUESTED), "grid.event.dispatch", ("category_id", "reason")),
    Action("escalate", "T26", _l("上报上一级"), ACTIVE, "grid.event.report", ("reason",)),
    Action("declare_incident", "MI", _l("设为群体性事件"), (S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS), "grid.event.merge",
           ("hours", "reason")),
    Action("cancel", "T25", _l("撤销事件"), ACTIVE, "grid.event.void", ("reason",), "danger"),
)}


#: Where each action's permission must be granted (plugins/grid/authority.py applies it): a grant on that
#: unit or above it. "event" is the event's own grid, or the street root when it has none; "handling" is
#: the unit the event was dispatched to (the event's unit while it has none).
#:
#: | unit     | actions                                                                                 |
#: |----------|-----------------------------------------------------------------------------------------|
#: | event    | accept, register, answer, self_handle, reject, merge, unmerge, verify, dispatch,        |
#: |          | redispatch, refuse_return, check_fail, check_pass, callback_attempt, callback, reopen,  |
#: |          | recheck_pass, recheck_fail, recategorise, escalate, declare_incident, cancel            |
#: | handling | sign, return, submit_result, request_extension (the handler's own work); extend,        |
#: |          | refuse_extension, suspend, resume (approved over the handling unit: its leaders or the  |
#: |          | level above it)                                                                         |
#:
#: check_fail and check_pass are also refused to anyone who works in the handling unit or below it
#: (§3 invariant 2: authority.CHECK_ACTIONS); T18 assigns a checker from outside it.
HANDLING_ACTIONS = frozenset(("sign", "return", "submit_result", "request_extension", "extend", "refuse_extension",
                              "suspend", "resume"))
ACTING_UNIT: dict[str, str] = {name: "handling" if name in HANDLING_ACTIONS else "event" for name in ACTIONS}


class Refused(ValueError):
    """The action is not allowed now; the message says why."""


class Stale(RuntimeError):
    """Someone else changed the event since the form was loaded."""
