"""Conformance checks a plugin runs in its own CI (``pytest -p core.testing``).

Subclass ``ConformanceSuite`` and name the plugin::

    class TestConformance(ConformanceSuite):
        plugin = "hello"

The checks: the manifest loads in strict mode with no misspelled hook; importing ``plugin.py``
has no side effects; every table carries the plugin's prefix and the tenant-table shape; every
route answers 404 while the plugin is off and works once it is on (no restart); another
tenant's ids answer 404 on every route and method; the migration branch goes up, down and up;
the migrations create exactly what the models declare (SQLite, and PostgreSQL when
``JICENG_TEST_PG_URL`` is set); on PostgreSQL every table has row-level security enabled and
forced, a policy for each command, and the runtime role's grants as declared, and keys Citus can
distribute by tenant (``core.citus.catalog_problems``).
"""
from __future__ import annotations

import subprocess
import sys
from http import HTTPStatus

from flask import url_for
from sqlalchemy import create_engine, select

from ..db import TenantScoped, db
from ..tenancy import tenant_scope
from ..web import ModelIdConverter
from .checks import rls_problems, schema_drift, tenancy_by_table, tenant_table_problems
from .factories import csrf_token, login
from .rows import make_generic

SKIP = {"HEAD", "OPTIONS"}


class ConformanceSuite:
    plugin: str = ""

    # --- helpers a plugin may override -----------------------------------------------------

    def make(self, model, tenant):
        """One row of ``model`` in ``tenant`` (override when required columns need real values)."""
        return make_generic(model)

    def _rules(self, app):
        return [r for r in app.url_map.iter_rules() if r.endpoint.startswith(f"{self.plugin}.")
                and not r.endpoint.endswith(".static")]

    def _url(self, app, rule, tenant, ids=None):
        args = {}
        examples = getattr(app.view_functions[rule.endpoint], "_example_args", {})
        for arg, conv in rule._converters.items():
            if arg != "tenant":
                model = getattr(conv, "model", None)
                args[arg] = (ids or {}).get(model, 1) if model else examples.get(arg, "x")
        with app.test_request_context():
            return url_for(rule.endpoint, tenant=tenant.slug, **args)

    # --- the checks ----------------------------------------------------------------------------

    def test_plugin_loads_in_strict_mode(self, app):
        reg = app.extensions["jiceng.plugins"]
        assert self.plugin in reg.plugins, f"{self.plugin} is not installed (entry point jiceng.plugins)"
        assert not [f for f in reg.failed if f.name == self.plugin]
        reg.pm.check_pending()

    def test_importing_the_plugin_has_no_side_effects(self, app):
        module = app.extensions["jiceng.plugins"].plugins[self.plugin].module.__name__
        code = ("import sys, threading; before = set(sys.modules); import " + module + " as m; "
                "from core.db import db; "
                "assert not getattr(db, '_app_engines', {}), 'an engine was created'; "
                "assert threading.active_count() == 1, 'a thread was started'; print('ok')")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                                env={"JICENG_DATABASE_URL": "sqlite:////nonexistent/never.db", "PATH": "/usr/bin"})
        assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]

    def test_tables_carry_the_prefix_and_the_tenant_shape(self, app):
        prefix = app.extensions["jiceng.plugins"].plugins[self.plugin].manifest.prefix
        declared = tenancy_by_table()
        mine = [name for name in db.metadata.tables if name.startswith(prefix)]
        problems = [f"{t} must declare __tenancy__ = 'tenant'" for t in mine if declared.get(t) != "tenant"]
        problems += [p for t in mine for p in tenant_table_problems(t)]
        assert problems == []

    def test_routes_are_not_found_while_the_plugin_is_off(self, app, client, create_tenant, create_user):
        street = create_tenant()
        login(client, create_user(street, "tenant_admin"))
        rules = self._rules(app)
        assert rules, f"{self.plugin} has no routes"
        for rule in rules:
            for method in sorted(rule.methods - SKIP):
                resp = client.open(self._url(app, rule, street), method=method, data={"csrf_token": csrf_token(client)})
                assert resp.status_code == HTTPStatus.NOT_FOUND, f"{method} {rule.rule} → {resp.status_code}"

    def test_pages_work_once_enabled_without_a_restart(self, app, client, create_tenant, create_user, enable_plugin):
        street = create_tenant()
        login(client, create_user(street, "tenant_admin"))
        plain = [r for r in self._rules(app) if "GET" in r.methods and set(r.arguments) == {"tenant"}
                 and not getattr(app.view_functions[r.endpoint], "_rollup", False)]  # district-only views
        enable_plugin(street, self.plugin)
        for rule in plain:
            resp = client.get(self._url(app, rule, street))
            assert resp.status_code == HTTPStatus.OK, f"{rule.rule} → {resp.status_code}"

    def test_another_tenants_ids_are_not_found(self, app, client, create_tenant, create_user, enable_plugin):
        a, b = create_tenant(), create_tenant()
        for t in (a, b):
            enable_plugin(t, self.plugin)
        login(client, create_user(a, "tenant_admin"))
        ids = {}
        with app.app_context(), tenant_scope(b.id):
            for rule in self._rules(app):
                for conv in rule._converters.values():
                    model = getattr(conv, "model", None)
                    if isinstance(conv, ModelIdConverter) and model not in ids:
                        assert issubclass(model, TenantScoped)
                        ids[model] = self.make(model, b)
        for rule in self._rules(app):
            if not any(isinstance(c, ModelIdConverter) for c in rule._converters.values()):
                continue
            for method in sorted(rule.methods - SKIP):
                for headers in ({}, {"HX-Request": "true"}):
                    resp = client.open(self._url(app, rule, a, ids), method=method, headers=headers,
                                       data={"csrf_token": csrf_token(client)})
                    assert resp.status_code == HTTPStatus.NOT_FOUND, f"{method} {rule.rule} → {resp.status_code}"
        with app.app_context(), tenant_scope(b.id, commit=False):
            for model, id_ in ids.items():
                assert db.session.scalar(select(model.id).where(model.id == id_)) == id_, "B's row is unchanged"

    def test_migrations_go_up_down_and_up(self, app, tmp_path):
        from .. import migrate
        url = f"sqlite:///{tmp_path}/migrations.db"
        reg = app.extensions["jiceng.plugins"]
        prefix = reg.plugins[self.plugin].manifest.prefix
        migrate.upgrade(url, plugins=reg)
        from sqlalchemy import create_engine, inspect
        engine = create_engine(url)
        try:
            def tables():
                return {t for t in inspect(engine).get_table_names() if t.startswith(prefix)}
            created = tables()
            with app.app_context():
                migrate.downgrade(url, "base", branch=self.plugin)
            assert tables() == set()
            migrate.upgrade(url, plugins=reg)
            assert tables() == created
        finally:
            engine.dispose()

    def test_migrations_match_the_models(self, app, database, tmp_path):
        """Alembic finds nothing to add for the plugin's tables in a freshly migrated SQLite database."""
        from .. import migrate
        reg = app.extensions["jiceng.plugins"]
        url = database["MIGRATE_DATABASE_URL"]
        if not url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path}/fresh.db"
            migrate.upgrade(url, plugins=reg)
        self._assert_no_drift(app, url)

    def test_migrations_match_the_models_on_postgresql(self, app, pg_database):
        self._assert_no_drift(app, pg_database["MIGRATE_DATABASE_URL"])

    def _assert_no_drift(self, app, url):
        from ..migrate_autogen import import_models
        reg = app.extensions["jiceng.plugins"]
        import_models(reg)
        drift = schema_drift(url, self.plugin, reg.plugins[self.plugin].manifest.prefix)
        assert not drift, "the migrations and the models differ (Alembic would write):\n" + "\n".join(map(str, drift))

    def test_tables_have_forced_row_level_security_and_declared_grants(self, app, pg_database):
        """A migration that created a table with plain ``op.create_table`` left it open to every tenant."""
        from ..migrate_ops import app_role
        prefix = app.extensions["jiceng.plugins"].plugins[self.plugin].manifest.prefix
        engine = create_engine(pg_database["MIGRATE_DATABASE_URL"])
        try:
            with engine.connect() as conn:
                problems = rls_problems(conn, prefix, app_role())
            assert not problems, "\n".join(problems)
        finally:
            engine.dispose()

    def test_keys_let_citus_distribute_the_tables_by_tenant(self, app, pg_database):
        """Primary key and unique keys holding tenant_id, foreign keys carrying it (create_tenant_table
        and tenant_fk do both); a table without tenant_id must be a declared reference table."""
        from ..citus import catalog_problems
        prefix = app.extensions["jiceng.plugins"].plugins[self.plugin].manifest.prefix
        engine = create_engine(pg_database["MIGRATE_DATABASE_URL"])
        try:
            with engine.connect() as conn:
                problems = catalog_problems(conn, prefix)
            assert not problems, "\n".join(problems)
        finally:
            engine.dispose()
