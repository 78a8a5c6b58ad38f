"""Tamper evidence: every ledger transaction carries the hash of the one before it (spec §
"Tamper evidence"), so a row changed, inserted or removed behind the application's back breaks the
chain that ``jiceng volunteer ledger verify`` walks.

One writer per tenant at a time extends the chain: a transaction-scoped advisory lock on PostgreSQL,
while SQLite's ``BEGIN IMMEDIATE`` already serialises writers. Ids are drawn inside that lock, so id
order is chain order.
"""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import select, text

from core.api import current, db

from ..models.ledger import LedgerEntry, LedgerTxn

#: advisory lock key space of the volunteer ledger (plus the tenant id)
LOCK_BASE = 7_310_000_000


def digest(fields: dict, lines, prev_hash: str | None) -> str:
    """SHA-256 over the previous hash, the transaction's business fields and its lines (sorted)."""
    body = [prev_hash or "", fields["txn_type"], str(fields["business_date"]), fields.get("source_type") or "",
            fields.get("source_id"), fields.get("reverses_txn_id"), fields["idempotency_key"],
            fields.get("created_by"), fields.get("approved_by"),
            sorted([int(a), str(c), int(m)] for a, c, m in lines)]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, default=str).encode()).hexdigest()


def link(fields: dict, lines) -> tuple[str | None, str]:
    """Take the tenant's chain lock and return (prev_hash, hash) for a transaction about to be added."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_BASE + current().active})
    prev = db.session.scalar(select(LedgerTxn.hash).order_by(LedgerTxn.id.desc()).limit(1))
    return prev, digest(fields, lines, prev)


COLUMNS = (LedgerTxn.txn_type, LedgerTxn.business_date, LedgerTxn.source_type, LedgerTxn.source_id,
           LedgerTxn.reverses_txn_id, LedgerTxn.idempotency_key, LedgerTxn.created_by, LedgerTxn.approved_by)


def problems(limit: int = 20, batch: int = 2000) -> list[str]:
    """Walk the tenant's chain in id order, a batch at a time; the first ``limit`` breaks, each named."""
    found: list[str] = []
    prev, after = None, 0
    while len(found) < limit:
        rows = db.session.execute(select(LedgerTxn.id, LedgerTxn.prev_hash, LedgerTxn.hash, *COLUMNS)
                                  .where(LedgerTxn.id > after).order_by(LedgerTxn.id).limit(batch)).all()
        if not rows:
            break
        lines: dict[int, list] = {}
        for txn_id, a, c, m in db.session.execute(select(
                LedgerEntry.txn_id, LedgerEntry.account_id, LedgerEntry.currency, LedgerEntry.amount)
                .where(LedgerEntry.txn_id.between(rows[0].id, rows[-1].id))):
            lines.setdefault(txn_id, []).append((a, c, m))
        for r in rows:
            fields = {c.key: getattr(r, c.key) for c in COLUMNS}
            if r.prev_hash != prev:
                found.append(f"txn {r.id}: chain broken (prev_hash is not the hash of the transaction before)")
            elif digest(fields, lines.get(r.id, []), r.prev_hash) != r.hash:
                found.append(f"txn {r.id}: changed after posting (hash mismatch)")
            prev = r.hash
        after = rows[-1].id
    return found[:limit]
