"""The check of the handler's work is independent (docs/grid.md §3 T18–T20, invariant 2): nobody who works
in the handling unit or below it passes or fails it, whatever else they hold; when the result comes in a
checker from outside is assigned (the event's grid, else its community, else the street) and told."""
from __future__ import annotations

from http import HTTPStatus

from core.db import db
from core.tenancy import tenant_scope

from .conftest import act, client_for, report, state_of
from .test_inbox_notices import inbox
from .test_object_permissions import grant


def handed_in(app, gw, handler_unit_id, grid_id=None) -> int:
    """An event of ``grid_id`` (default: gw.grid) worked by ``handler_unit_id``, its result handed in."""
    e = report(app, gw, **({"grid_id": grid_id} if grid_id else {}))
    for name, data in (("register", {}), ("dispatch", {"handler_unit_id": handler_unit_id}), ("sign", {}),
                       ("submit_result", {"result": "已清理", "closure_type": "RESOLVED"})):
        assert act(app, gw, gw.admin, e, name, **data).status_code == HTTPStatus.OK
    assert state_of(app, gw, e)[0] == "AWAITING_CHECK"
    return e


def checker_of(app, gw, e):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return db.session.get(GridEvent, e).checker_id


def test_a_colleague_in_the_handling_unit_cannot_pass_or_fail_the_check(app, gw, create_user):
    e = handed_in(app, gw, gw.grid.id)
    # the grid's leader (not the handler), and a grid worker who is also community staff: both colleagues
    colleague = create_user(gw.street, "grid_worker", unit_id=gw.grid.id)
    grant(app, gw, colleague, "community_staff", gw.community.id)
    before = state_of(app, gw, e)
    for account in (gw.grid_leader, gw.worker, colleague):
        page = client_for(app, account).get(f"/t/{gw.street.slug}/grid/{e}").text
        assert 'data-action="check_pass"' not in page and 'data-action="check_fail"' not in page
        for name, data in (("check_pass", {}), ("check_fail", {"reason": "不合格"})):
            resp = act(app, gw, account, e, name, **data)
            assert resp.status_code == HTTPStatus.FORBIDDEN
            assert "核查须由处置单位以外的人员进行" in resp.text and "幸福第一网格" in resp.text
    assert state_of(app, gw, e) == before
    # someone outside the grid passes it
    assert act(app, gw, gw.checker, e, "check_pass").status_code == HTTPStatus.OK
    assert state_of(app, gw, e)[0] == "AWAITING_CALLBACK"


def test_the_communitys_checker_is_assigned_and_told(app, gw):
    e = handed_in(app, gw, gw.grid.id)
    assert checker_of(app, gw, e) == gw.checker.id
    assert "事件待核查" in inbox(app, gw, gw.checker)
    for account in (gw.grid_leader, gw.worker, gw.leader):
        assert "事件待核查" not in inbox(app, gw, account)
    # the next one goes to the community's other checker, who has none waiting
    assert checker_of(app, gw, handed_in(app, gw, gw.grid.id)) == gw.leader.id
    assert "事件待核查" in inbox(app, gw, gw.leader)


def test_work_handled_elsewhere_is_checked_by_the_events_own_grid(app, gw):
    """T18's default: the event's own grid checks work another grid handled."""
    e = handed_in(app, gw, gw.other_grid.id)
    assert checker_of(app, gw, e) in (gw.worker.id, gw.grid_leader.id)
    assert act(app, gw, gw.grid_leader, e, "check_pass").status_code == HTTPStatus.OK


def test_work_the_community_handled_goes_to_the_streets_checker(app, gw, create_user):
    street_checker = create_user(gw.street, "street_staff")
    e = handed_in(app, gw, gw.community.id)
    assert checker_of(app, gw, e) == street_checker.id
    assert "事件待核查" in inbox(app, gw, street_checker)
    assert "事件待核查" not in inbox(app, gw, gw.checker)
    resp = act(app, gw, gw.checker, e, "check_fail", reason="不合格")
    assert resp.status_code == HTTPStatus.FORBIDDEN and "幸福社区" in resp.text
    assert act(app, gw, street_checker, e, "check_fail", reason="不合格").status_code == HTTPStatus.OK
    assert state_of(app, gw, e)[0] == "IN_PROGRESS"
