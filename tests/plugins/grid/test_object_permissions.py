"""Every event action is checked against the event's own unit (machine.ACTING_UNIT), never "anywhere in
the street": a role granted on a sibling unit gets 403 (or 404 when it cannot see the event) and the
event does not change; the buttons on the event page come from the same check."""
from __future__ import annotations

from http import HTTPStatus

import pytest
from sqlalchemy import select

from core.db import db
from core.testing.factories import post

from .conftest import act, client_for, report, state_of

#: what an intake clerk may do (grid.event.accept, register, dispatch, merge, callback, report)
CLERK_WORK = frozenset(("accept", "register", "answer", "reject", "merge", "unmerge", "dispatch", "redispatch",
                        "refuse_return", "callback_attempt", "callback", "reopen", "escalate", "declare_incident",
                        "recategorise"))
ROLES = ("intake_clerk", "grid_leader", "grid_worker", "community_staff", "street_staff")


def grant(app, gw, account, role: str, unit_id: int) -> None:
    """Give ``account`` one more role, granted at ``unit_id``."""
    from core.auth.models import Role, RoleGrant
    from core.tenancy.scopes import system_scope
    with app.app_context(), system_scope("test grant") as session:
        role_id = session.scalars(select(Role.id).where(Role.tenant_id == gw.street.id, Role.code == role)).one()
        session.add(RoleGrant(tenant_id=gw.street.id, user_id=account.id, role_id=role_id, org_unit_id=unit_id))


def _ok(resp):
    assert resp.status_code == HTTPStatus.OK, resp.text[:600]


def events_in_every_state(app, gw) -> dict[str, int]:
    """One event of grid B (``other_grid``), dispatched to grid B, in each state an action starts from."""
    admin, b = gw.admin, gw.other_grid.id
    out = {}

    def fresh():
        return report(app, gw, grid_id=b)

    out["SUBMITTED"] = fresh()
    out["VERIFYING"] = e = fresh()
    _ok(act(app, gw, admin, e, "accept"))
    out["REGISTERED"] = e = fresh()
    _ok(act(app, gw, admin, e, "register"))
    out["DISPATCHED"] = e = fresh()
    for name, data in (("register", {}), ("dispatch", {"handler_unit_id": b})):
        _ok(act(app, gw, admin, e, name, **data))
    out["RETURN_REQUESTED"] = e = fresh()
    for name, data in (("register", {}), ("dispatch", {"handler_unit_id": b}),
                       ("return", {"reason_code": "NOT_OUR_DUTY", "reason": "属于物业"})):
        _ok(act(app, gw, admin, e, name, **data))
    handled = [("register", {}), ("dispatch", {"handler_unit_id": b}), ("sign", {})]
    out["IN_PROGRESS"] = e = fresh()
    for name, data in handled:
        _ok(act(app, gw, admin, e, name, **data))
    out["SUSPENDED"] = e = fresh()
    for name, data in (*handled, ("suspend", {"reason_code": "seasonal", "reason": "冬季停工"})):
        _ok(act(app, gw, admin, e, name, **data))
    submitted = (*handled, ("submit_result", {"result": "已清理", "closure_type": "RESOLVED"}))
    out["AWAITING_CHECK"] = e = fresh()
    for name, data in submitted:
        _ok(act(app, gw, admin, e, name, **data))
    for state in ("AWAITING_CALLBACK", "CLOSED"):
        out[state] = e = fresh()
        for name, data in submitted:
            _ok(act(app, gw, admin, e, name, **data))
        _ok(act(app, gw, gw.leader, e, "check_pass"))  # the community's staff: not the handler
    _ok(act(app, gw, gw.clerk, out["CLOSED"], "callback", callback_result="satisfied"))
    master = fresh()
    out["MERGED"] = e = fresh()
    _ok(act(app, gw, admin, e, "merge", master_ref=ref_of(app, gw, master)))
    for state, e in out.items():
        assert state_of(app, gw, e)[0] == state
    return out


def ref_of(app, gw, event_id) -> str:
    from core.tenancy import tenant_scope
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return db.session.get(GridEvent, event_id).ref_no


@pytest.fixture
def sibling_community(gw, create_unit):
    """A second community with its own grid: the siblings of grid B's community."""
    community = create_unit(gw.street, gw.street.root_id, "community", "平安社区")
    return community, create_unit(gw.street, community.id, "grid", "平安第一网格", grid_type="residential")


def test_every_action_by_every_role_on_a_sibling_unit_is_refused_and_changes_nothing(
        app, gw, create_user, sibling_community):
    from plugins.grid.machine import ACTIONS
    community2, grid_c = sibling_community
    intruders = {}
    for role in ROLES:
        for where, unit in (("grid A", gw.grid), ("community 2", community2), ("grid C", grid_c)):
            if role == "street_staff" and where != "community 2":
                continue
            intruders[f"{role}@{where}"] = create_user(gw.street, role, unit_id=unit.id)
    # one who can see grid B's events (a clerk of their community) but holds the rest only in grid A
    seer = create_user(gw.street, "intake_clerk", unit_id=gw.community.id)
    for role in ("grid_leader", "grid_worker", "community_staff"):
        grant(app, gw, seer, role, gw.grid.id)
    intruders["clerk@community + grid A staff"] = seer
    events = events_in_every_state(app, gw)
    before = {e: state_of(app, gw, e) for e in events.values()}
    seer_refused = 0
    for who, account in intruders.items():
        client = client_for(app, account)
        for name, action in ACTIONS.items():
            for state in action.sources:
                if state not in events:
                    continue
                if account is seer and name in CLERK_WORK:
                    continue  # the clerk's own work on grid B's event: not a sibling grant
                e = events[state]
                resp = post(client, f"/t/{gw.street.slug}/grid/{e}/act/{name}", {"version": before[e][1]},
                            headers={"HX-Request": "true"})
                # the seer sees grid B's events (so 403); a grant on a sibling alone does not (404 or 403)
                allowed = (HTTPStatus.FORBIDDEN,) if account is seer else (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)
                seer_refused += account is seer
                assert resp.status_code in allowed, (who, name, state, resp.status_code, resp.text[:300])
                assert state_of(app, gw, e) == before[e], (who, name, state)
    assert seer_refused >= 10  # self_handle, verify, sign, return, extend, suspend, resume, checks, cancel
    assert {e: state_of(app, gw, e) for e in events.values()} == before


def test_a_grid_leader_who_is_also_a_community_clerk_cannot_pass_another_grids_check(app, gw, create_user):
    """The exact case: grid leader of grid A + intake clerk at the community, on grid B's event."""
    probe = create_user(gw.street, "grid_leader", unit_id=gw.grid.id)
    grant(app, gw, probe, "intake_clerk", gw.community.id)
    e = report(app, gw, grid_id=gw.other_grid.id)
    for name, data in (("register", {}), ("dispatch", {"handler_unit_id": gw.other_grid.id}), ("sign", {}),
                       ("submit_result", {"result": "已清理", "closure_type": "RESOLVED"})):
        _ok(act(app, gw, gw.admin, e, name, **data))
    before = state_of(app, gw, e)
    page = client_for(app, probe).get(f"/t/{gw.street.slug}/grid/{e}")
    assert page.status_code == 200 and 'data-action="check_pass"' not in page.text
    assert 'data-action="check_fail"' not in page.text
    assert act(app, gw, probe, e, "check_pass").status_code == HTTPStatus.FORBIDDEN
    assert act(app, gw, probe, e, "check_fail", reason="不合格").status_code == HTTPStatus.FORBIDDEN
    assert state_of(app, gw, e) == before
    # the same person passes the check of their own grid's event when another unit handled it
    own = report(app, gw)
    for name, data in (("register", {}), ("dispatch", {"handler_unit_id": gw.other_grid.id}), ("sign", {}),
                       ("submit_result", {"result": "已清理", "closure_type": "RESOLVED"})):
        _ok(act(app, gw, gw.admin, own, name, **data))
    assert 'data-action="check_pass"' in client_for(app, probe).get(f"/t/{gw.street.slug}/grid/{own}").text
    _ok(act(app, gw, probe, own, "check_pass"))
    assert state_of(app, gw, own)[0] == "AWAITING_CALLBACK"


def test_the_right_units_holders_still_act(app, gw, create_user):
    """Positive controls: grid B's own staff work grid B's event, the community above it approves."""
    b = gw.other_grid.id
    worker_b = create_user(gw.street, "grid_worker", unit_id=b)
    leader_b = create_user(gw.street, "grid_leader", unit_id=b)
    clerk_c = create_user(gw.street, "intake_clerk", unit_id=gw.community.id)
    e = report(app, gw, grid_id=b)
    _ok(act(app, gw, clerk_c, e, "accept"))
    _ok(act(app, gw, worker_b, e, "verify"))
    _ok(act(app, gw, clerk_c, e, "dispatch", handler_unit_id=b))
    assert 'data-action="sign"' in client_for(app, worker_b).get(f"/t/{gw.street.slug}/grid/{e}").text
    _ok(act(app, gw, worker_b, e, "sign"))
    _ok(act(app, gw, gw.leader, e, "extend", days=2, reason="材料未到"))
    _ok(act(app, gw, worker_b, e, "submit_result", result="已清理", closure_type="RESOLVED"))
    assert act(app, gw, leader_b, e, "check_pass").status_code == HTTPStatus.FORBIDDEN  # grid B handled it
    _ok(act(app, gw, gw.checker, e, "check_pass"))  # the community's checker
    _ok(act(app, gw, clerk_c, e, "callback", callback_result="satisfied"))
    assert state_of(app, gw, e)[0] == "CLOSED"


def test_handler_steps_follow_the_unit_the_event_was_dispatched_to(app, gw):
    """Grid A's event dispatched to grid B: grid A's worker sees it but may not sign; grid B's community may."""
    e = report(app, gw)
    _ok(act(app, gw, gw.clerk, e, "register"))
    _ok(act(app, gw, gw.clerk, e, "dispatch", handler_unit_id=gw.other_grid.id))
    before = state_of(app, gw, e)
    page = client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/{e}")
    assert page.status_code == 200 and 'data-action="sign"' not in page.text
    assert act(app, gw, gw.worker, e, "sign").status_code == HTTPStatus.FORBIDDEN
    assert act(app, gw, gw.worker, e, "return", reason_code="NOT_OUR_DUTY",
               reason="不是我们的").status_code == HTTPStatus.FORBIDDEN
    assert state_of(app, gw, e) == before
    _ok(act(app, gw, gw.leader, e, "sign"))


def test_every_action_names_the_unit_it_is_checked_on():
    from plugins.grid.machine import ACTING_UNIT, ACTIONS
    assert set(ACTING_UNIT) == set(ACTIONS) and set(ACTING_UNIT.values()) == {"event", "handling"}
