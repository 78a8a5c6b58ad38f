"""Plugin packages written into a temporary folder and installed there (an entry point in a
``.dist-info``), then driven through the real ``jiceng`` command or the real conformance kit in a
separate process, so their models never enter this test session's metadata."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PLUGIN = '''from core.plugins.manifest import PluginManifest

MANIFEST = PluginManifest(name="{name}", title="{name}", migrations="jiceng_{name}:migrations",
                          requires_core_revision="c0002")
'''

#: one tenant table, as a plugin author would write it
ITEM_MODEL = '''from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantScoped, db, tenant_table_args, utc_default


class Item(TenantScoped, db.Model):
    __tablename__ = "{name}__item"
    __table_args__ = tenant_table_args(Index("ix_{name}__item_tenant_id_created_at", "tenant_id", "created_at"))

    title: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
'''

#: the migration for ITEM_MODEL, through the helper (RLS on PostgreSQL)
ITEM_WITH_RLS = '''import sqlalchemy as sa

from core.migrate_ops import create_tenant_table, drop_tenant_table

revision = "{name}_0001"
down_revision = None
branch_labels = ("{name}",)
depends_on = None


def upgrade():
    create_tenant_table("{name}__item", sa.Column("title", sa.String(100), nullable=False),
                        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                        indexes=(("created_at",),))


def downgrade():
    drop_tenant_table("{name}__item")
'''

#: the same table with plain op.create_table: the same shape, but no row-level security
ITEM_WITHOUT_RLS = '''import sqlalchemy as sa
from alembic import op

revision = "{name}_0001"
down_revision = None
branch_labels = ("{name}",)
depends_on = None
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table("{name}__item", sa.Column("id", BIG, primary_key=True, autoincrement=True),
                    sa.Column("tenant_id", BIG, sa.ForeignKey("tenant.id", name="fk_{name}__item_tenant_id_tenant"),
                              nullable=False),
                    sa.Column("title", sa.String(100), nullable=False),
                    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                    sa.UniqueConstraint("tenant_id", "id", name="uq_{name}__item_tenant_id_id"))
    op.create_index("ix_{name}__item_tenant_id_created_at", "{name}__item", ["tenant_id", "created_at"])


def downgrade():
    op.drop_table("{name}__item")
'''


def write_plugin(root: Path, name: str, models: str = ITEM_MODEL, migration: str | None = None) -> Path:
    """``jiceng_<name>`` under ``root``, found by entry point; returns its migrations folder."""
    package = root / f"jiceng_{name}"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "migrations" / "__init__.py").write_text("", encoding="utf-8")
    (package / "plugin.py").write_text(PLUGIN.format(name=name), encoding="utf-8")
    (package / "models.py").write_text(models.format(name=name), encoding="utf-8")
    if migration:
        (package / "migrations" / f"{name}_0001_items.py").write_text(migration.format(name=name), encoding="utf-8")
    info = root / f"jiceng_{name}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: jiceng-{name}\nVersion: 0.1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[jiceng.plugins]\n{name} = jiceng_{name}.plugin\n", encoding="utf-8")
    return package / "migrations"


def environment(root: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JICENG_") and k not in {"CI", "PYTEST_ADDOPTS"}}
    env.update({"PYTHONPATH": os.pathsep.join([str(root), str(ROOT)]), "JICENG_INSTANCE": str(root / "instance"),
                "JICENG_ARGON2_CHEAP": "1", **extra})
    return env


def jiceng(root: Path, env: dict, *args: str) -> str:
    """Run the ``jiceng`` command (``core.cli:main``) in ``root``; its output, or the failure."""
    result = subprocess.run([sys.executable, "-c", "from core.cli import main; main()", *args], cwd=root, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"jiceng {' '.join(args)}:\n{result.stdout}\n{result.stderr[-3000:]}"
    return result.stdout
