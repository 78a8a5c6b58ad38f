"""Row-level security on the tenant-keyed global tables; sign-in secrets behind one function

Revision ID: c0006
Revises: c0005

``tenant_plugin``, ``calendar_override`` and ``platform_audit`` carry ``tenant_id`` but were left
to the ORM guard, so the runtime role could update another street's module settings with raw SQL.
They get policies shaped by how they are read:

- ``tenant_plugin`` is read before a tenant context exists (which modules are on decides whether a
  route exists) and up the district → street chain, so it stays readable; it is written only in
  the tenant's own context (a district switches its streets one by one, each in its own context);
- ``calendar_override`` is read by the visible tenants and the streets of a district that made it,
  and written only by its own tenant;
- ``platform_audit`` only takes inserts from the runtime role (privileges in core.tenancy.privileges).

Password hashes, TOTP secrets and recovery codes are no longer selectable by the runtime role;
``jiceng_sign_in_secrets`` returns one account's, which is what sign-in and step-up need.
"""
from alembic import op

from core.migrate_ops import grant_function

revision = "c0006"
down_revision = "c0005"
branch_labels = None
depends_on = None

POLICIES = {
    "tenant_plugin": [
        "CREATE POLICY tenant_plugin_read ON tenant_plugin FOR SELECT USING (true)",
        "CREATE POLICY tenant_plugin_insert ON tenant_plugin FOR INSERT WITH CHECK (tenant_id = jiceng_active())",
        "CREATE POLICY tenant_plugin_update ON tenant_plugin FOR UPDATE USING (tenant_id = jiceng_active()) "
        "WITH CHECK (tenant_id = jiceng_active())",
        "CREATE POLICY tenant_plugin_delete ON tenant_plugin FOR DELETE USING (tenant_id = jiceng_active())",
    ],
    "calendar_override": [
        "CREATE POLICY calendar_override_read ON calendar_override FOR SELECT USING ("
        "tenant_id = ANY (jiceng_visible()) OR tenant_id IN "
        "(SELECT parent_id FROM tenant WHERE id = ANY (jiceng_visible())))",
        "CREATE POLICY calendar_override_insert ON calendar_override FOR INSERT WITH CHECK (tenant_id = jiceng_active())",
        "CREATE POLICY calendar_override_update ON calendar_override FOR UPDATE USING (tenant_id = jiceng_active()) "
        "WITH CHECK (tenant_id = jiceng_active())",
        "CREATE POLICY calendar_override_delete ON calendar_override FOR DELETE USING (tenant_id = jiceng_active())",
    ],
    # platform actions name any tenant (or none); the runtime role may only add rows
    "platform_audit": ["CREATE POLICY platform_audit_insert ON platform_audit FOR INSERT WITH CHECK (true)"],
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, statements in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        for sql in statements:
            op.execute(sql)
    op.execute("""CREATE OR REPLACE FUNCTION jiceng_sign_in_secrets(p_user bigint)
      RETURNS TABLE (password_hash varchar, totp_secret varchar, recovery_codes json)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
      $$ SELECT u.password_hash, u.totp_secret, u.recovery_codes FROM user_account u WHERE u.id = p_user $$""")
    grant_function("jiceng_sign_in_secrets(bigint)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS jiceng_sign_in_secrets(bigint)")
    for table, statements in POLICIES.items():
        for sql in statements:
            op.execute(f"DROP POLICY IF EXISTS {sql.split()[2]} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
