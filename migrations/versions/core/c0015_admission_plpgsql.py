"""jiceng_admission in PL/pgSQL: its plan is kept per connection instead of made on every call

Revision ID: c0015
Revises: c0014

PostgreSQL 15 plans the body of a SQL-language function again on every call when it cannot inline it,
and a SECURITY DEFINER function is never inlined; PL/pgSQL keeps the plan of each statement for the
connection's life. The question runs once per signed-in page: measured on the 2-core development
machine, 336 µs per call as SQL, 130 µs as PL/pgSQL, against 66 µs for ``SELECT 1``. Same arguments,
same answer.
"""
from alembic import op

revision = "c0015"
down_revision = "c0014"
branch_labels = None
depends_on = None

BODY = """SELECT s.stamp, us.last_seen_at,
                    CASE WHEN us.id IS NOT NULL THEN
                      (SELECT d.stamp FROM data_stamp d WHERE d.tenant_id = p_tenant) END,
                    CASE WHEN us.id IS NOT NULL THEN
                      (SELECT count(*) FROM notification n
                        WHERE n.tenant_id = p_tenant AND n.user_id = p_user AND n.read_at IS NULL) END
               FROM security_stamp s
               LEFT JOIN user_session us ON us.id = p_session AND us.token_hash = p_token AND us.user_id = p_user
              WHERE s.id = 1"""

SIGNATURE = """jiceng_admission(p_session bigint, p_token varchar, p_tenant bigint, p_user bigint)
          RETURNS TABLE (stamp bigint, last_seen_at timestamptz, data_stamp bigint, unread bigint)"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # REPLACE keeps the runtime role's EXECUTE grant
        op.execute(f"""CREATE OR REPLACE FUNCTION {SIGNATURE}
          LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
          $$ BEGIN RETURN QUERY {BODY}; END $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE OR REPLACE FUNCTION {SIGNATURE}
          LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$ {BODY} $$""")
