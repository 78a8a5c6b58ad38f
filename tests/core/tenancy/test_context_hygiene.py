"""No tenant context outlives its request, job or thread; cache keys carry the tenant."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.tenancy import cache_key, tenant_scope
from core.tenancy.context import NoTenantContext, _current

ROOT = Path(__file__).resolve().parents[3]


def test_no_context_survives_a_request(world, client, login_as):
    login_as(world.admin_a)
    assert client.get(f"/t/{world.a.slug}/").status_code == 200
    assert _current.get() is None


def test_no_context_survives_a_failed_job(app, world):
    with pytest.raises(ZeroDivisionError):
        with app.app_context(), tenant_scope(world.a.id):
            1 / 0  # noqa: B018
    assert _current.get() is None


def test_cache_keys_carry_the_tenant(app, world):
    with pytest.raises(NoTenantContext):
        cache_key("nav")
    with app.app_context(), tenant_scope(world.a.id, commit=False):
        key_a = cache_key("nav")
    with app.app_context(), tenant_scope(world.b.id, commit=False):
        key_b = cache_key("nav")
    assert key_a.startswith(f"t{world.a.id}:") and key_a != key_b


def test_system_scope_is_never_used_in_views():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py")
                 if p.name in {"views.py", "admin.py"} and "system_scope" in p.read_text(encoding="utf-8")]
    offenders += [str(p.relative_to(ROOT)) for p in (ROOT / "plugins").rglob("views.py")
                  if "system_scope" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_tenant_scope_refuses_a_session_holding_objects(app, world):
    from core.db import db
    from core.org.models import OrgUnit
    with app.app_context():
        with tenant_scope(world.a.id, commit=False):
            pass
        with tenant_scope(world.a.id, commit=False) as session:
            unit = session.get(OrgUnit, world.a.root_id)
            with pytest.raises(RuntimeError, match="empty identity map"):
                with tenant_scope(world.b.id):
                    pass
            assert unit is not None
        db.session.remove()
