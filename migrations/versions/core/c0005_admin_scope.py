"""A tenant admin's reach over accounts: which users hold a membership beyond a set of tenants

Revision ID: c0005
Revises: c0004

Row-level security hides other tenants' memberships from a street admin, which is right for
reading but makes "does this account also belong elsewhere?" unanswerable from the street's own
context. This function answers only that question (user ids, never the other tenants), with the
owner's rights, so the admin pages can refuse to reset or change an account they do not fully own.
"""
from alembic import op

from core.migrate_ops import grant_function

revision = "c0005"
down_revision = "c0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""CREATE OR REPLACE FUNCTION jiceng_users_beyond(p_users bigint[], p_scope bigint[])
      RETURNS SETOF bigint LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
      $$ SELECT DISTINCT m.user_id FROM membership m
         WHERE m.user_id = ANY (p_users) AND NOT (m.tenant_id = ANY (p_scope))
         UNION SELECT u.id FROM user_account u WHERE u.id = ANY (p_users) AND u.is_platform_admin $$""")
    grant_function("jiceng_users_beyond(bigint[], bigint[])")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS jiceng_users_beyond(bigint[], bigint[])")
