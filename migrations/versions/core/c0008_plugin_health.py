"""Hook errors every worker can see, a plugin paused per tenant, a demo marker per plugin

Revision ID: c0008
Revises: c0007

Hook errors were counted in each worker's memory, so no one saw them and nothing acted on them.
``plugin_error`` keeps one row per error (class and a scrubbed short message, never a trace) for
seven days. It is keyed by tenant but read across tenants by the platform's operators, so, like
``tenant_plugin``, it is a global table with policies of its own: a tenant reads and writes its
own rows, a platform admin reads all of them, nobody rewrites one.

``tenant_plugin`` gains the pause (until when, and why) and the time the demo filled the plugin's
data for the tenant, so a plugin switched on after a demo load is filled on the next one.
"""
import sqlalchemy as sa
from alembic import op

from core.migrate_ops import app_role

revision = "c0008"
down_revision = "c0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

POLICIES = [
    "CREATE POLICY plugin_error_read ON plugin_error FOR SELECT USING (tenant_id = ANY (jiceng_visible()) "
    "OR EXISTS (SELECT 1 FROM user_account u WHERE u.id = jiceng_user() AND u.is_platform_admin))",
    "CREATE POLICY plugin_error_insert ON plugin_error FOR INSERT WITH CHECK (tenant_id = jiceng_active())",
    "CREATE POLICY plugin_error_delete ON plugin_error FOR DELETE USING (tenant_id = jiceng_active())",
]


def upgrade() -> None:
    op.add_column("tenant_plugin", sa.Column("degraded_until", TS, nullable=True))
    op.add_column("tenant_plugin", sa.Column("degraded_reason", sa.JSON(), nullable=True))
    op.add_column("tenant_plugin", sa.Column("demo_filled_at", TS, nullable=True))
    op.create_table(
        "plugin_error",
        sa.Column("id", BIG, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", BIG, sa.ForeignKey("tenant.id", name="fk_plugin_error_tenant_id_tenant"),
                  nullable=False),
        sa.Column("plugin", sa.String(64), nullable=False),
        sa.Column("hook", sa.String(64), nullable=False),
        sa.Column("error", sa.String(100), nullable=False),
        sa.Column("message", sa.String(200), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
    )
    op.create_index("ix_plugin_error_tenant_id_plugin_occurred_at", "plugin_error",
                    ["tenant_id", "plugin", "occurred_at"])
    op.create_index("ix_plugin_error_occurred_at", "plugin_error", ["occurred_at"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE plugin_error ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE plugin_error FORCE ROW LEVEL SECURITY")
    for sql in POLICIES:
        op.execute(sql)
    # the table's privileges come from core.tenancy.privileges at the end of the upgrade; its id
    # sequence needs its own grant
    role = app_role()
    op.execute(f"""DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        EXECUTE 'GRANT USAGE, SELECT ON SEQUENCE plugin_error_id_seq TO {role}'; END IF; END $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for sql in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS {sql.split()[2]} ON plugin_error")
    op.drop_index("ix_plugin_error_occurred_at", table_name="plugin_error")
    op.drop_index("ix_plugin_error_tenant_id_plugin_occurred_at", table_name="plugin_error")
    op.drop_table("plugin_error")
    with op.batch_alter_table("tenant_plugin") as batch:
        batch.drop_column("demo_filled_at")
        batch.drop_column("degraded_reason")
        batch.drop_column("degraded_until")
