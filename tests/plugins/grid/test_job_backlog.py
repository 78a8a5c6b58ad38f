"""A backlog of overdue events (a street that imported its history, a scheduler that was down) is
warned about in batches: on SQLite, where one write transaction locks the whole file, a form sent
while the warnings go out gets in between two batches instead of waiting and failing."""
from __future__ import annotations

import sqlite3
from datetime import timedelta

from sqlalchemy import event, func, insert, select

from core import clock
from core.db import db
from core.tenancy import tenant_scope

BACKLOG = 250


def _overdue_backlog(app, gw, count: int = BACKLOG, warned: int = 0) -> None:
    """``count`` overdue events in handling, the first ``warned`` of them already warned about."""
    from plugins.grid.models import GridEvent
    now = clock.utcnow()
    rows = [{"tenant_id": gw.street.id, "ref_no": f"BL-{n:05d}", "title": f"积压事件{n}", "description": "",
             "category_id": gw.categories["SA-GARBAGE"], "urgency": "URGENT", "level": 0, "max_level": 0,
             "source": "GRID_PATROL", "anonymity": "named", "grid_id": gw.grid.id, "address": "",
             "state": "IN_PROGRESS", "rework_n": 0, "return_n": 0, "reopen_n": 0, "extension_n": 0, "check_n": 0,
             "demand_n": 1, "stage": "handle", "stage_started_at": now - timedelta(days=5),
             "stage_deadline": now - timedelta(days=2), "case_deadline": now - timedelta(days=1),
             "deadline_explain": {"_warned": ["red:handle:1"]} if n < warned else {}, "calendar_complete": True,
             "suspended_at_deadline": False, "version": 1, "created_at": now - timedelta(days=5)} for n in range(count)]
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.execute(insert(GridEvent).execution_options(tenant_checked_insert=True), rows)


def test_a_backlog_of_warnings_goes_out_in_batches_that_let_a_form_in_between(app, gw, database):
    from core.events.jobs import running
    from core.ui.models import Notification
    from plugins.grid.jobs import CHECKPOINT_EVERY, sla_warnings
    _overdue_backlog(app, gw)
    sqlite = database["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    let_in: list[bool] = []

    def a_form_writes(_session):
        """Between two batches: another connection (another worker's form) takes the write lock at once."""
        if not sqlite:
            return
        other = sqlite3.connect(database["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"), timeout=0,
                                isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            let_in.append(True)
        except sqlite3.OperationalError:  # "database is locked"
            let_in.append(False)
        finally:
            other.close()

    with app.app_context(), tenant_scope(gw.street.id) as session, running("grid.sla_warnings"):
        event.listen(session, "after_commit", a_form_writes)
        try:
            sent = sla_warnings(None)
        finally:
            event.remove(session, "after_commit", a_form_writes)
    assert sent >= BACKLOG  # each overdue event warned someone
    if sqlite:
        assert let_in == [True] * (BACKLOG // CHECKPOINT_EVERY)  # a form got in after every batch
    else:
        assert let_in == []  # PostgreSQL: one transaction, other writers wait only for these rows
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        titles = list(db.session.scalars(select(Notification.title).where(Notification.user_id == gw.clerk.id,
                                                                         Notification.title.like("事件已超时：积压事件%"))))
        assert len(titles) == len(set(titles)) == BACKLOG  # every event once, none twice across batches
    with app.app_context(), tenant_scope(gw.street.id) as session, running("grid.sla_warnings"):
        assert sla_warnings(None) == 0  # the next run finds nothing left to say
        assert session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.title.like("事件已超时：积压事件%"))) >= BACKLOG


def test_a_checkpoint_outside_a_scheduled_job_is_refused(app):
    import pytest

    from core.api import checkpoint
    with app.app_context(), pytest.raises(RuntimeError, match="scheduled jobs"):
        checkpoint()


def test_every_open_event_is_looked_at_however_many_the_street_has(app, gw):
    """5,000 overdue events already warned about, then 30 new ones: the new ones are warned too (one
    read of at most 5,000 events, in no set order, used to see only the old ones, run after run)."""
    from core.events.jobs import running
    from core.ui.models import Notification
    from plugins.grid.jobs import sla_warnings
    _overdue_backlog(app, gw, count=5_030, warned=5_000)
    with app.app_context(), tenant_scope(gw.street.id), running("grid.sla_warnings"):
        assert sla_warnings(None) >= 30
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        titles = set(db.session.scalars(select(Notification.title).where(Notification.user_id == gw.clerk.id)))
    assert titles == {f"事件已超时：积压事件{n}" for n in range(5_000, 5_030)}
