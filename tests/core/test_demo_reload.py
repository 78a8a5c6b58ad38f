"""A demo load fills each plugin once per tenant, a plugin switched on later included; --reset
rebuilds the demo tenants, plugins' data and all, on SQLite and PostgreSQL."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import db
from core.org.models import OrgUnit, Person
from core.plugins import admin
from core.tenancy import tenant_scope
from core.tenancy.models import Tenant
from core.testing import build_app, make_database
from core.testing import test_db_kind as db_kind
from tests.core.plugins import sample_plugins

ROOT = Path(__file__).resolve().parents[2]
STREET = "xjj-xiejiaji"
DISTRICT = ('slug = "xiejiaji"\nname = "谢家集区"\nkind = "district"\ndemo = true\nparty = "中共谢家集区委员会"\n'
            f'streets = ["{STREET}"]\n')


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """A database of its own (a reset must not touch the shared demo) with one demo street."""
    config, cleanup = make_database(db_kind())
    app = build_app(config, EXTRA_PLUGINS={"full": sample_plugins.make_full()})
    tenants = tmp_path_factory.mktemp("tenants")
    shutil.copytree(ROOT / "tenants" / STREET, tenants / STREET)
    (tenants / "xiejiaji").mkdir()
    (tenants / "xiejiaji" / "tenant.toml").write_text(DISTRICT, encoding="utf-8")
    app.config["TEST_TENANTS_DIR"] = str(tenants)
    yield app
    from core.tenancy.scopes import dispose_owner_engines
    dispose_owner_engines()
    cleanup()


def load(app, *extra):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--households", "0", "--window-end", "2026-10",
                                                "--tenants-dir", app.config["TEST_TENANTS_DIR"], *extra])
    assert result.exit_code == 0, result.output
    return result.output


def street_id(app) -> int:
    from core.db import db
    with app.app_context():
        return db.session.scalar(select(Tenant.id).where(Tenant.slug == STREET))


def counts(app) -> dict:
    from plugins.grid.models import Category, GridEvent
    street = street_id(app)
    with app.app_context(), tenant_scope(street, commit=False) as s:
        return {model.__name__: s.scalar(select(func.count()).select_from(model))
                for model in (OrgUnit, Person, Category, GridEvent)}


def demo_runs():
    return [c for c in sample_plugins.CALLS.get("demo_data", []) if c[0] in (STREET, "xiejiaji")]


def test_a_plugin_switched_on_after_a_load_is_filled_by_the_next_load_once(demo_app):
    sample_plugins.CALLS.pop("demo_data", None)
    first = load(demo_app)
    assert f"{STREET}: demo data of grid" in first and demo_runs() == []  # not on anywhere yet
    before = counts(demo_app)
    assert before["Person"] > 0 and before["GridEvent"] > 0

    street = street_id(demo_app)
    with demo_app.app_context(), tenant_scope(street):
        admin.enable(street, "full")
    second = load(demo_app)
    assert f"{STREET}: demo data of full" in second and "demo data of grid" not in second
    assert [c[0] for c in demo_runs()] == [STREET]

    third = load(demo_app)
    assert "demo data of" not in third and "already filled" in third
    assert [c[0] for c in demo_runs()] == [STREET] and counts(demo_app) == before


def switch_full_on(app) -> None:
    """Each test stands alone (the suite runs spread over processes): the street has "full" on and filled."""
    load(app)  # the street exists
    street = street_id(app)
    with app.app_context(), tenant_scope(street):
        if "full" not in admin.enabled_now(db.session.get(Tenant, street)):
            admin.enable(street, "full")
    load(app)


def test_reset_rebuilds_core_and_plugin_data_children_before_parents(demo_app):
    switch_full_on(demo_app)
    before = counts(demo_app)
    sample_plugins.CALLS.pop("demo_data", None)
    output = load(demo_app, "--reset")
    assert f"{STREET}: demo data of grid" in output and f"{STREET}: demo data of full" in output
    assert counts(demo_app) == before  # the same demo again, grid events and categories included
    assert [c[0] for c in demo_runs()] == [STREET]  # the street kept its switched-on plugin
    assert "demo data of" not in load(demo_app)


def test_a_module_purged_and_switched_on_again_gets_its_demo_data_again(demo_app):
    switch_full_on(demo_app)
    street = street_id(demo_app)
    for step in (admin.disable, admin.purge, admin.enable):
        with demo_app.app_context(), tenant_scope(street):
            step(street, "full")
    sample_plugins.CALLS.pop("demo_data", None)
    assert f"{STREET}: demo data of full" in load(demo_app)
    assert [c[0] for c in demo_runs()] == [STREET]
