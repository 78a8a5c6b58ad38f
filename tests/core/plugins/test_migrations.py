"""The migration runner: core first, then each plugin's own branch; refusals name the plugin."""
from __future__ import annotations

import types

import pytest
from sqlalchemy import create_engine, inspect

from core import migrate
from core.plugins.manager import load
from core.plugins.manifest import PluginManifest


def tables(url):
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_core_then_plugin_branches_each_with_its_version_table(app, tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    migrate.upgrade(url, plugins=app.extensions["jiceng.plugins"])
    names = tables(url)
    assert {"alembic_version", "alembic_version__hello", "hello__note", "event_outbox"} <= names


def test_core_upgrades_with_a_plugin_uninstalled_and_warns_about_its_tables(app, tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    migrate.upgrade(url, plugins=app.extensions["jiceng.plugins"])
    without = load(strict=True)
    without.plugins.pop("hello", None)
    warnings = migrate.upgrade(url, plugins=without)
    assert any("hello" in w for w in warnings)


def test_a_plugin_needing_a_core_revision_not_applied_is_refused(app, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/m.db"
    package = tmp_path / "future_pkg"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "migrations" / "future_0001.py").write_text(
        'revision = "future_0001"\ndown_revision = None\nbranch_labels = ("future",)\ndepends_on = None\n'
        "def upgrade():\n    pass\n\ndef downgrade():\n    pass\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = types.ModuleType("future_plugin")
    module.MANIFEST = PluginManifest(name="future", title="未来", requires_core_revision="c9999",
                                     migrations="future_pkg:migrations")
    registry = load(strict=True, extra={"future": module})
    with pytest.raises(migrate.MigrationRefused, match="plugin future needs core migration c9999"):
        migrate.upgrade(url, plugins=registry)
    assert "alembic_version__future" not in tables(url)


def test_every_core_revision_goes_down_and_up(tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    migrate.upgrade(url, plugins=load(strict=True))
    migrate.downgrade(url, "base")
    assert "org_unit" not in tables(url)
    migrate.upgrade(url, plugins=load(strict=True))
    assert "org_unit" in tables(url)
