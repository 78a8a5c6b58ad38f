"""``jiceng db revision --branch X`` writes a plugin's next migration from its models, and it runs:
numbered after the branch head, only the plugin's tables, tenant tables with forced RLS."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, inspect

from core.testing import PgDatabase, require_pg
from core.testing.checks import rls_problems

from .throwaway import environment, jiceng, write_plugin

VISIT = '''from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default


class Visit(TenantScoped, db.Model):
    __tablename__ = "visits__visit"
    __table_args__ = tenant_table_args(tenant_fk("org_unit_id", "org_unit"),
                                       UniqueConstraint("tenant_id", "org_unit_id", "household"),
                                       Index("ix_visits__visit_tenant_id_visited_at", "tenant_id", "visited_at"))

    org_unit_id: Mapped[int] = mapped_column(BigId)
    household: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    visited_at: Mapped[datetime] = mapped_column(default=utc_default)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="SET NULL"))
'''

FOLLOW_UP = '''

class FollowUp(TenantScoped, db.Model):
    __tablename__ = "visits__follow_up"
    __table_args__ = tenant_table_args(tenant_fk("visit_id", "visits__visit", ondelete="CASCADE"),
                                       Index("ix_visits__follow_up_tenant_id_due", "tenant_id", "due"))

    visit_id: Mapped[int] = mapped_column(BigId)
    due: Mapped[datetime]
'''


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request, tmp_path):
    """(owner URL, runtime URL) of an empty database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/visits.db"
        yield url, url
        return
    pg = PgDatabase(require_pg())
    yield pg.owner_url, pg.app_url
    pg.drop()


def _tables_and_rls(owner_url):
    engine = create_engine(owner_url)
    try:
        with engine.connect() as conn:
            names = {t for t in inspect(conn).get_table_names() if t.startswith("visits__")}
            return names, rls_problems(conn, "visits__", "jiceng_app") if conn.dialect.name == "postgresql" else []
    finally:
        engine.dispose()


def test_a_plugins_revisions_are_numbered_hold_its_tables_only_and_run(tmp_path, urls):
    owner, runtime = urls
    migrations = write_plugin(tmp_path, "visits", models=VISIT)
    env = environment(tmp_path, JICENG_DATABASE_URL=runtime, JICENG_MIGRATE_DATABASE_URL=owner)

    out = jiceng(tmp_path, env, "db", "revision", "--branch", "visits", "-m", "visits")
    first = migrations / "visits_0001_visits.py"
    assert f"wrote {first}" in out
    script = first.read_text(encoding="utf-8")
    assert "revision = 'visits_0001'" in script and "down_revision = None" in script
    assert "from core.migrate_ops import create_tenant_table, drop_tenant_table" in script
    assert re.findall(r"create_tenant_table\('(\w+)'", script) == ["visits__visit"]
    assert "op.create_table" not in script and "grid__" not in script and "drop_table(" not in script
    assert "tenant_fks=(('org_unit_id', 'org_unit'),)" in script and "indexes=(('visited_at',),)" in script
    assert "uniques=(('org_unit_id', 'household'),)" in script and "ondelete='SET NULL'" in script
    assert "sa.DateTime(timezone=True)" in script and "drop_tenant_table('visits__visit')" in script

    out = jiceng(tmp_path, env, "db", "upgrade")
    assert "visits: (none) → visits_0001" in out and "core: (none) → " in out
    assert _tables_and_rls(owner) == ({"visits__visit"}, [])

    (migrations.parent / "models.py").write_text(VISIT + FOLLOW_UP, encoding="utf-8")
    jiceng(tmp_path, env, "db", "revision", "--branch", "visits", "-m", "follow ups")
    script = (migrations / "visits_0002_follow_ups.py").read_text(encoding="utf-8")
    assert "revision = 'visits_0002'" in script and "down_revision = 'visits_0001'" in script
    assert re.findall(r"create_tenant_table\('(\w+)'", script) == ["visits__follow_up"]
    assert "ondelete='CASCADE'" in script and "indexes=(('due',),)" in script

    assert "visits: visits_0001 → visits_0002" in jiceng(tmp_path, env, "db", "upgrade")
    assert _tables_and_rls(owner) == ({"visits__visit", "visits__follow_up"}, [])

    out = jiceng(tmp_path, env, "db", "revision", "--branch", "visits", "-m", "again")
    assert "visits: the models match the database; nothing written" in out
    assert sorted(p.name for p in migrations.glob("visits_*.py")) == ["visits_0001_visits.py",
                                                                      "visits_0002_follow_ups.py"]
