"""Plugin overhead in-process: gating, nav and widget assembly with 20 dummy plugins installed
and 10 enabled, against the same request with no plugins (printed by make bench)."""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
N = 3000


def dummy(i: int):
    from core.auth.permissions import Permission
    from core.plugins.hookspecs import hookimpl
    from core.plugins.manager import NavItem, Widget
    from core.plugins.manifest import PluginManifest
    m = types.ModuleType(f"dummy{i}")
    name = f"dummy{i:02d}"
    m.MANIFEST = PluginManifest(name=name, title=f"模块{i}")
    m.register_permissions = hookimpl(lambda: [Permission(f"{name}.view", "看", ("tenant_admin",))])
    m.nav_items = hookimpl(lambda ctx: [NavItem("service", f"模块{i}", "home.dashboard", f"{name}.view")])
    m.dashboard_widgets = hookimpl(lambda ctx: [Widget(name, f"卡片{i}", "home.widget_org_summary", f"{name}.view")])
    return name, m


def client_for(app, account):
    from core.testing.factories import login
    client = app.test_client()
    login(client, account)
    return client


def batch(client, url, n) -> float:
    start = time.perf_counter()
    for _ in range(n):
        assert client.get(url).status_code == 200
    return (time.perf_counter() - start) / n


def compare(a, b, url, rounds=12, n=250) -> tuple[float, float]:
    """Alternate batches between the two apps and keep each one's best batch: the machine's noise
    (other processes, frequency changes) only ever makes a batch slower."""
    for c in (a, b):
        batch(c, url, 200)
    best_a = best_b = float("inf")
    for _ in range(rounds):
        best_a = min(best_a, batch(a, url, n))
        best_b = min(best_b, batch(b, url, n))
    return best_a, best_b


def main():
    os.environ.setdefault("JICENG_ARGON2_CHEAP", "1")
    from core.testing import build_app, make_database
    config, cleanup = make_database("sqlite")
    try:
        os.environ["JICENG_PLUGINS_ONLY"] = "none-at-all"  # the app with no plugins installed
        plain = build_app(config, TESTING=False)
        plugins = dict(dummy(i) for i in range(20))
        os.environ["JICENG_PLUGINS_ONLY"] = ",".join(plugins)  # exactly the 20 dummies
        loaded = build_app(config, TESTING=False, EXTRA_PLUGINS=plugins)
        os.environ.pop("JICENG_PLUGINS_ONLY")
        from core.plugins import admin
        from core.tenancy.scopes import tenant_scope
        from core.testing.factories import Account
        from core.tenancy.services import create_tenant, root_unit
        from core.tenancy.scopes import system_scope
        from core.auth.services import create_user, ensure_membership
        from core.auth.models import Role, RoleGrant
        from sqlalchemy import select
        with loaded.app_context():
            with system_scope("bench") as session:
                t = create_tenant(session, "overhead", "开销", "street")
                user, _ = create_user("overhead-user", "开销", "overhead-password", must_change=False, session=session)
                ensure_membership(user.id, t.id, session)
                role = session.scalars(select(Role).where(Role.tenant_id == t.id, Role.code == "tenant_admin")).one()
                session.add(RoleGrant(tenant_id=t.id, user_id=user.id, role_id=role.id, org_unit_id=root_unit(session, t.id).id))
                tid, uid = t.id, user.id
            for name in sorted(plugins)[:10]:
                with tenant_scope(tid, user_id=uid):
                    admin.enable(tid, name)
        account = Account(uid, "overhead-user", "overhead-password")
        # the same tenant seen by an app with no plugins at all (their enablement rows are ignored)
        with_plugins, without = compare(client_for(loaded, account), client_for(plain, account), "/t/overhead/")
    finally:
        cleanup()
    print(json.dumps({"with_us": with_plugins * 1e6, "without_us": without * 1e6,
                      "added_us": (with_plugins - without) * 1e6, "ratio": with_plugins / without}))


if __name__ == "__main__":
    tempfile.tempdir = tempfile.gettempdir()
    main()
