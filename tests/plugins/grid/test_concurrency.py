"""Two people acting on one event at once: exactly one wins, the other is told (never a 500)."""
from __future__ import annotations

import threading
from http import HTTPStatus

from core.testing.factories import post

from .conftest import client_for, report, state_of


def test_two_simultaneous_dispatches_one_wins(app, gw):
    e = report(app, gw)
    from .conftest import act
    act(app, gw, gw.clerk, e, "register")
    _state, version = state_of(app, gw, e)
    clients = [client_for(app, gw.clerk), client_for(app, gw.leader)]
    barrier = threading.Barrier(len(clients))
    results = []

    def go(c, unit):
        barrier.wait()
        resp = post(c, f"/t/{gw.street.slug}/grid/{e}/act/dispatch", {"version": version, "handler_unit_id": unit},
                    headers={"HX-Request": "true"})
        results.append(resp.status_code)

    threads = [threading.Thread(target=go, args=(c, u)) for c, u in zip(clients, (gw.grid.id, gw.other_grid.id))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [HTTPStatus.OK, HTTPStatus.CONFLICT]
    state, new_version = state_of(app, gw, e)
    assert state == "DISPATCHED" and new_version == version + 1


def test_many_parallel_actions_leave_one_transition(app, gw):
    from sqlalchemy import func, select

    from core.db import db
    from core.tenancy import tenant_scope
    from plugins.grid.models import Transition
    e = report(app, gw)
    _state, version = state_of(app, gw, e)
    clients = [client_for(app, gw.clerk) for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    results = []

    def go(c):
        barrier.wait()
        results.append(post(c, f"/t/{gw.street.slug}/grid/{e}/act/accept", {"version": version},
                            headers={"HX-Request": "true"}).status_code)

    threads = [threading.Thread(target=go, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(HTTPStatus.OK) == 1 and results.count(HTTPStatus.CONFLICT) == 5
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        accepted = db.session.scalar(select(func.count()).select_from(Transition).where(
            Transition.event_id == e, Transition.action == "accept"))
    assert accepted == 1
