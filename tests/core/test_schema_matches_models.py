"""Core's migrations create exactly what its models declare (what the kit checks for each plugin)."""
from __future__ import annotations

import pytest

import core.models  # noqa: F401  (every core table in the metadata)
from core import migrate
from core.testing.checks import schema_drift


def _assert_no_drift(url):
    drift = schema_drift(url, "core")
    assert not drift, "core's migrations and models differ (Alembic would write):\n" + "\n".join(map(str, drift))


def test_core_migrations_match_the_models(app, database, tmp_path):
    url = database["MIGRATE_DATABASE_URL"]
    if not url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path}/fresh.db"
        migrate.upgrade(url, plugins=app.extensions["jiceng.plugins"])
    _assert_no_drift(url)


@pytest.mark.postgres
def test_core_migrations_match_the_models_on_postgresql(pg_database):
    _assert_no_drift(pg_database["MIGRATE_DATABASE_URL"])
