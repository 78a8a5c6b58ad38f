"""Many staff exporting the grid events at once, through a real threaded server: every one gets
the sheet and every export is in the audit log (on SQLite its write transaction starts at once,
so concurrent exports queue instead of failing with "database is locked")."""
from __future__ import annotations

import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditLog
from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import login
from core.testing.live import serve

EXPORTS = 60


@pytest.fixture
def served(app):
    """The test app on a free local port, one thread per request."""
    with serve(app) as url:
        yield url


def test_sixty_parallel_exports_all_succeed_and_are_each_audited(app, served, create_tenant, create_unit,
                                                                  create_user, enable_plugin):
    street = create_tenant()
    community = create_unit(street, street.root_id, "community", "幸福社区")
    grid = create_unit(street, community.id, "grid", "幸福第一网格", grid_type="residential")
    enable_plugin(street, "grid")
    client = app.test_client()
    login(client, create_user(street, "grid_leader", unit_id=grid.id))
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    start = threading.Barrier(EXPORTS)

    def export(_n: int) -> str:
        req = urllib.request.Request(f"{served}/t/{street.slug}/grid/export.xlsx",
                                     headers={"Cookie": f"{cookie.key}={cookie.value}"})
        start.wait(timeout=30)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                body = resp.read()
                return "ok" if resp.status == HTTPStatus.OK and body.startswith(b"PK") else f"{resp.status}"
        except urllib.error.HTTPError as err:
            return f"{err.code} {err.read()[:200]!r}"

    with ThreadPoolExecutor(max_workers=EXPORTS) as pool:
        results = list(pool.map(export, range(EXPORTS)))
    failures = [r for r in results if r != "ok"]
    assert failures == [], f"{len(failures)} of {EXPORTS} exports failed: {failures[:3]}"
    with app.app_context(), tenant_scope(street.id, commit=False):
        audited = db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "grid.export"))
    assert audited == EXPORTS
