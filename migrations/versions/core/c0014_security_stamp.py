"""security_stamp: one random number, replaced by every transaction that changes who may do what

Revision ID: c0014
Revises: c0013

Workers keep who is signed in and what they may do in a tenant under this stamp
(core.tenancy.admission), so a signed-in page asks the database one question instead of three. One row
for the installation: no tenant, no RLS; a reference table under Citus.

On PostgreSQL the question is ``jiceng_admission``: asked outside any transaction, it needs no tenant
settings, so a page that reads nothing else costs one round trip (no BEGIN, no COMMIT). It answers for
one live session only: the tenant's data stamp and the unread count come back only when the session id,
its token hash and its user match.
"""
import secrets

import sqlalchemy as sa
from alembic import op

from core.migrate_ops import grant_function, grant_runtime_role

revision = "c0014"
down_revision = "c0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "security_stamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_stamp")),
    )
    op.execute(sa.text("INSERT INTO security_stamp (id, stamp) VALUES (1, :s)").bindparams(s=secrets.randbits(62)))
    grant_runtime_role()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE OR REPLACE FUNCTION jiceng_admission(p_session bigint, p_token varchar, p_tenant bigint,
                                                                 p_user bigint)
          RETURNS TABLE (stamp bigint, last_seen_at timestamptz, data_stamp bigint, unread bigint)
          LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
          $$ SELECT s.stamp, us.last_seen_at,
                    CASE WHEN us.id IS NOT NULL THEN
                      (SELECT d.stamp FROM data_stamp d WHERE d.tenant_id = p_tenant) END,
                    CASE WHEN us.id IS NOT NULL THEN
                      (SELECT count(*) FROM notification n
                        WHERE n.tenant_id = p_tenant AND n.user_id = p_user AND n.read_at IS NULL) END
               FROM security_stamp s
               LEFT JOIN user_session us ON us.id = p_session AND us.token_hash = p_token AND us.user_id = p_user
              WHERE s.id = 1 $$""")
        grant_function("jiceng_admission(bigint, varchar, bigint, bigint)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS jiceng_admission(bigint, varchar, bigint, bigint)")
    op.drop_table("security_stamp")
