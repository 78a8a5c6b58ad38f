"""The event page offers exactly what the user may do to THIS event: every button offered, when pressed, is
accepted; every action that would be refused is not offered. Swept over roles and every state."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta
from http import HTTPStatus

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import act, client_for, report

#: a valid form for each action (what a user would type)
FORMS = {
    "answer": {"answer": "政策已答复"}, "self_handle": {"result": "现场已清理"},
    "reject": {"reason_code": "NOT_TRUE", "reason": "核实不属实"}, "unmerge": {"reason": "不是同一件事"},
    "return": {"reason_code": "NOT_OUR_DUTY", "reason": "属于物业"}, "refuse_return": {"reason": "属于本网格"},
    "dispatch": {}, "redispatch": {}, "extend": {"days": "2", "reason": "材料未到"},
    "suspend": {"reason_code": "seasonal", "reason": "冬季不能施工"},
    "submit_result": {"result": "已清理", "closure_type": "RESOLVED"}, "check_fail": {"reason": "仍有杂物"},
    "callback_attempt": {"reason": "无人接听"}, "callback": {"callback_result": "satisfied", "reason": "满意"},
    "reopen": {"reason": "又堆上了"}, "recheck_fail": {"reason": "未清理干净"}, "escalate": {"reason": "需社区协调"},
    "declare_incident": {"hours": "4", "reason": "整栋停水"}, "cancel": {"reason": "反映人撤回"},
    "request_extension": {"days": "2", "reason": "材料未到"}, "refuse_extension": {"reason": "按期可以完成"},
    "recategorise": {"reason": "实为邻里纠纷"},
}


def _steps(gw):
    """How to bring a fresh event to each state: (account, action, form) steps."""
    d = {"handler_unit_id": gw.grid.id}
    to_progress = [(gw.clerk, "register", {}), (gw.clerk, "dispatch", d), (gw.worker, "sign", {})]
    to_check = [*to_progress, (gw.worker, "submit_result", FORMS["submit_result"])]
    return {
        "SUBMITTED": [], "VERIFYING": [(gw.clerk, "accept", {})], "REGISTERED": [(gw.clerk, "register", {})],
        "DISPATCHED": [(gw.clerk, "register", {}), (gw.clerk, "dispatch", d)], "IN_PROGRESS": to_progress,
        "RETURN_REQUESTED": [*to_progress, (gw.worker, "return", FORMS["return"])],
        "SUSPENDED": [*to_progress, (gw.leader, "suspend", FORMS["suspend"])], "AWAITING_CHECK": to_check,
        "AWAITING_CALLBACK": [*to_check, (gw.checker, "check_pass", {})],
        "CLOSED": [*to_check, (gw.checker, "check_pass", {}), (gw.clerk, "callback", FORMS["callback"])],
    }


def _prototype(app, gw, state):
    e = report(app, gw)
    for account, name, data in _steps(gw)[state]:
        assert act(app, gw, account, e, name, **data).status_code == 200, (state, name)
    return e


def _clone(app, gw, proto_id, **changes):
    """A copy of a prototype event (same state, unit, handler, deadlines) under a new number: each trial
    acts on its own event."""
    from plugins.grid.models import GridEvent, Transition
    with app.app_context(), tenant_scope(gw.street.id) as session:
        src = session.get(GridEvent, proto_id)
        cols = {a.key: getattr(src, a.key) for a in sa_inspect(GridEvent).mapper.column_attrs if a.key != "id"}
        copy = GridEvent(**{**cols, "ref_no": f"E{secrets.token_hex(6).upper()}", **changes})
        session.add(copy)
        session.flush()
        for t in session.scalars(select(Transition).where(Transition.event_id == proto_id)):
            session.add(Transition(event_id=copy.id, code=t.code, action=t.action, from_state=t.from_state,
                                   to_state=t.to_state, actor_id=t.actor_id, reason=t.reason, at=t.at, payload=t.payload))
        session.flush()
        return copy.id


def _offered(app, gw, account, event_id) -> set[str] | None:
    page = client_for(app, account).get(f"/t/{gw.street.slug}/grid/{event_id}")
    if page.status_code == HTTPStatus.NOT_FOUND:
        return None
    assert page.status_code == HTTPStatus.OK
    return set(re.findall(r'data-action="([a-z_]+)"', page.text))


def _form(gw, name, master_ref):
    data = dict(FORMS.get(name, {}))
    if name in ("dispatch", "redispatch"):
        data["handler_unit_id"] = gw.grid.id
    if name == "merge":
        data["master_ref"] = master_ref
    if name == "recategorise":
        data["category_id"] = gw.categories["DI-NEIGHBOUR"]
    return data


def _post(app, gw, account, event_id, name, data):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        version = db.session.get(GridEvent, event_id).version
    return post(client_for(app, account), f"/t/{gw.street.slug}/grid/{event_id}/act/{name}",
                {"version": version, **data}, headers={"HX-Request": "true"})


@pytest.mark.parametrize("state", ["SUBMITTED", "VERIFYING", "REGISTERED", "DISPATCHED", "IN_PROGRESS",
                                   "RETURN_REQUESTED", "SUSPENDED", "AWAITING_CHECK", "AWAITING_CALLBACK", "CLOSED"])
def test_every_offered_button_is_accepted_and_every_refused_action_is_not_offered(app, gw, create_user, state):
    from plugins.grid.machine import ACTIONS
    stranger = create_user(gw.street, "grid_worker", unit_id=gw.other_grid.id)
    roles = {"clerk": gw.clerk, "worker": gw.worker, "grid leader": gw.checker, "community": gw.leader,
             "admin": gw.admin, "other grid": stranger}
    proto = _prototype(app, gw, state)
    master_ref = None
    if state in ("SUBMITTED", "VERIFYING", "REGISTERED"):  # an open case of the same kind to merge into
        from plugins.grid.models import GridEvent
        master = report(app, gw)
        with app.app_context(), tenant_scope(gw.street.id, commit=False):
            master_ref = db.session.get(GridEvent, master).ref_no
    changes = {"recheck": "due"} if state == "CLOSED" else {}  # a closure drawn for re-check
    for role, account in roles.items():
        probe = _clone(app, gw, proto, **changes)
        offered = _offered(app, gw, account, probe)
        for name in ACTIONS:
            if offered is not None and name in offered:
                trial = _clone(app, gw, proto, **changes)
                resp = _post(app, gw, account, trial, name, _form(gw, name, master_ref))
                assert resp.status_code == HTTPStatus.OK, (state, role, name, resp.text[:300])
            elif state in ACTIONS[name].sources:  # not offered though the state allows it: posting it is refused
                resp = _post(app, gw, account, probe, name, _form(gw, name, master_ref))
                assert resp.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND,
                                            HTTPStatus.UNPROCESSABLE_ENTITY), (state, role, name, "accepted unoffered")


def test_the_handler_who_handed_in_the_work_is_not_offered_the_check(app, gw):
    e = report(app, gw)
    for account, name, data in ((gw.clerk, "register", {}), (gw.clerk, "dispatch", {"handler_unit_id": gw.grid.id}),
                                (gw.checker, "sign", {}), (gw.checker, "submit_result", FORMS["submit_result"])):
        assert act(app, gw, account, e, name, **data).status_code == 200
    handler_page = client_for(app, gw.checker).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "核查通过" not in handler_page and 'data-action="check_pass"' not in handler_page
    assert 'data-action="check_pass"' in client_for(app, gw.leader).get(f"/t/{gw.street.slug}/grid/{e}").text


def test_a_late_extension_is_not_offered(app, gw):
    from plugins.grid.models import GridEvent
    e = _prototype(app, gw, "IN_PROGRESS")
    with app.app_context(), tenant_scope(gw.street.id) as session:
        ev = session.get(GridEvent, e)
        ev.stage_deadline = ev.created_at - timedelta(hours=1)
    assert 'data-action="extend"' not in client_for(app, gw.leader).get(f"/t/{gw.street.slug}/grid/{e}").text
    assert "延期须在期限届满前申请" in _post(app, gw, gw.leader, e, "extend", FORMS["extend"]).text
