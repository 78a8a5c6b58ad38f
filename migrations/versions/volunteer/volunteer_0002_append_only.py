"""the ledger is append-only in the database

Triggers refuse every UPDATE of a transaction or an entry, and a DELETE while anything still stands
on the row (a transaction that has entries; an entry whose account still has its cached balance), so
only a whole tenant's reset, which empties the balance cache first, can remove them. A reversal of
a reversal is refused as well. The same rules hold on SQLite and PostgreSQL.

Revision ID: volunteer_0002
Revises: volunteer_0001
"""
from alembic import op

revision = "volunteer_0002"
down_revision = "volunteer_0001"
branch_labels = None
depends_on = None


APPEND_ONLY = {
    "volunteer__txn": "EXISTS (SELECT 1 FROM volunteer__entry e WHERE e.tenant_id = OLD.tenant_id "
                      "AND e.txn_id = OLD.id)",
    "volunteer__entry": "EXISTS (SELECT 1 FROM volunteer__balance b WHERE b.tenant_id = OLD.tenant_id "
                        "AND b.account_id = OLD.account_id)",
}
NO_REVERSAL_OF_REVERSAL = ("EXISTS (SELECT 1 FROM volunteer__txn t WHERE t.tenant_id = NEW.tenant_id "
                           "AND t.id = NEW.reverses_txn_id AND t.txn_type = 'REVERSAL')")


def append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, standing in APPEND_ONLY.items():
            op.execute(f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP = 'UPDATE' THEN
                    RAISE EXCEPTION '{table} is append-only: post a reversal instead' USING ERRCODE = '55000';
                  END IF;
                  IF {standing} THEN
                    RAISE EXCEPTION '{table} is append-only: post a reversal instead' USING ERRCODE = '55000';
                  END IF;
                  RETURN OLD;
                END $$""")
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
        op.execute(f"""CREATE FUNCTION volunteer__txn_no_rereversal() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.reverses_txn_id IS NOT NULL AND {NO_REVERSAL_OF_REVERSAL} THEN
                RAISE EXCEPTION 'a reversal cannot be reversed' USING ERRCODE = '55000';
              END IF;
              RETURN NEW;
            END $$""")
        op.execute("CREATE TRIGGER volunteer__txn_no_rereversal BEFORE INSERT ON volunteer__txn "
                   "FOR EACH ROW EXECUTE FUNCTION volunteer__txn_no_rereversal()")
        return
    for table, standing in APPEND_ONLY.items():
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead'); END")
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} WHEN {standing} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead'); END")
    op.execute(f"CREATE TRIGGER volunteer__txn_no_rereversal BEFORE INSERT ON volunteer__txn "
               f"WHEN NEW.reverses_txn_id IS NOT NULL AND {NO_REVERSAL_OF_REVERSAL} "
               f"BEGIN SELECT RAISE(ABORT, 'a reversal cannot be reversed'); END")


def drop_append_only() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        if pg:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if pg:
        op.execute("DROP TRIGGER IF EXISTS volunteer__txn_no_rereversal ON volunteer__txn")
        op.execute("DROP FUNCTION IF EXISTS volunteer__txn_no_rereversal()")
    else:
        op.execute("DROP TRIGGER IF EXISTS volunteer__txn_no_rereversal")


def upgrade() -> None:
    append_only()


def downgrade() -> None:
    drop_append_only()
