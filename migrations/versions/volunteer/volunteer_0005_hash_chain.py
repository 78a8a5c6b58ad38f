"""the ledger's transactions are hash-chained

Each transaction gets ``prev_hash`` (the hash of the transaction before it in the tenant) and
``hash`` (SHA-256 over that, its business fields and its lines; ``plugins.volunteer.services.chain``).
Transactions already posted are chained here in id order, per tenant, with the append-only UPDATE
trigger set aside for the backfill and put back at once; the formula below is a frozen copy of the
service's, as a migration must not change when the code does.

Revision ID: volunteer_0005
Revises: volunteer_0004
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "volunteer_0005"
down_revision = "volunteer_0004"
branch_labels = None
depends_on = None

FIELDS = ("txn_type", "business_date", "source_type", "source_id", "reverses_txn_id", "idempotency_key",
          "created_by", "approved_by")


def _digest(row, lines, prev):
    body = [prev or "", row.txn_type, str(row.business_date), row.source_type or "", row.source_id,
            row.reverses_txn_id, row.idempotency_key, row.created_by, row.approved_by,
            sorted([int(a), str(c), int(m)] for a, c, m in lines)]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, default=str).encode()).hexdigest()


def _backfill(conn) -> None:
    tenants = [t for (t,) in conn.execute(sa.text("SELECT DISTINCT tenant_id FROM volunteer__txn ORDER BY 1"))]
    for tenant_id in tenants:
        lines: dict[int, list] = {}
        for txn_id, a, c, m in conn.execute(sa.text(
                "SELECT txn_id, account_id, currency, amount FROM volunteer__entry WHERE tenant_id = :t"),
                {"t": tenant_id}):
            lines.setdefault(txn_id, []).append((a, c, m))
        prev = None
        updates = []
        for row in conn.execute(sa.text(f"SELECT id, {', '.join(FIELDS)} FROM volunteer__txn "
                                        "WHERE tenant_id = :t ORDER BY id"), {"t": tenant_id}):
            h = _digest(row, lines.get(row.id, []), prev)
            updates.append({"p": prev, "h": h, "t": tenant_id, "i": row.id})
            prev = h
        if updates:
            conn.execute(sa.text("UPDATE volunteer__txn SET prev_hash = :p, hash = :h "
                                 "WHERE tenant_id = :t AND id = :i"), updates)


def upgrade() -> None:
    op.add_column("volunteer__txn", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("volunteer__txn", sa.Column("hash", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE volunteer__txn DISABLE TRIGGER volunteer__txn_append_only")
        _backfill(conn)
        op.execute("ALTER TABLE volunteer__txn ENABLE TRIGGER volunteer__txn_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS volunteer__txn_no_update")
        _backfill(conn)
        op.execute("CREATE TRIGGER volunteer__txn_no_update BEFORE UPDATE ON volunteer__txn "
                   "BEGIN SELECT RAISE(ABORT, 'volunteer__txn is append-only: post a reversal instead'); END")


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place; the UPDATE trigger does not fire for ALTER TABLE
    op.drop_column("volunteer__txn", "hash")
    op.drop_column("volunteer__txn", "prev_hash")
