"""The scheduler looks for due work every few seconds: that look writes no platform-audit row and
takes no write lock, so the audit trail holds actions, not heartbeats."""
from __future__ import annotations

from sqlalchemy import func, select

from core.audit.models import PlatformAudit
from core.events.dispatch import sweep
from core.events.jobs import run_due
from core.tenancy.scopes import system_scope


def _scope_rows(app) -> int:
    with app.app_context(), system_scope("test: count audit rows") as session:
        return session.scalar(select(func.count()).select_from(PlatformAudit).where(
            PlatformAudit.action == "system_scope",
            PlatformAudit.detail["reason"].as_string().in_(["jobs run", "events sweep"])))


def test_looking_for_due_work_is_not_audited(app, create_tenant):
    street = create_tenant()
    before = _scope_rows(app)
    with app.app_context():
        for _ in range(3):
            run_due(tenants=[street.id])
            sweep(tenants=[street.id])
    assert _scope_rows(app) == before
