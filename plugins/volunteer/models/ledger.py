"""The ledger: append-only, double-entry, two currencies (HOURS in minutes, POINTS in 0.01 points).

``ledger_txn`` and ``ledger_entry`` are never updated or deleted: database triggers refuse it
(migration ``volunteer_0002``) and the runtime
database role holds only SELECT and INSERT on them (``MANIFEST.append_only``). ``account_balance`` is a cache of Σ entries, written in the same
transaction and rebuilt by ``jiceng volunteer ledger verify --rebuild``.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

HOURS, POINTS = "HOURS", "POINTS"
AMOUNT = BigInteger().with_variant(db.Integer(), "sqlite")


class LedgerAccount(TenantScoped, db.Model):
    """An account of a volunteer, a team or the system, in one currency."""

    __tablename__ = "volunteer__account"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "owner_type", "owner_id", "currency", "kind",
                         name="uq_volunteer__account_owner"))

    owner_type: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[int] = mapped_column(BigId)
    currency: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(12))
    in_debt: Mapped[bool] = mapped_column(default=False)


class LedgerTxn(TenantScoped, db.Model):
    """One business transaction; its entries sum to zero per currency."""

    __tablename__ = "volunteer__txn"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "idempotency_key", name="uq_volunteer__txn_tenant_id_idempotency_key"),
        UniqueConstraint("tenant_id", "reverses_txn_id", name="uq_volunteer__txn_tenant_id_reverses_txn_id"),
        tenant_fk("reverses_txn_id", "volunteer__txn"),
        Index("ix_volunteer__txn_tenant_id_period_id", "tenant_id", "period_id"),
        Index("ix_volunteer__txn_tenant_id_source", "tenant_id", "source_type", "source_id"),
        Index("ix_volunteer__txn_tenant_id_business_date", "tenant_id", "business_date"))

    txn_type: Mapped[str] = mapped_column(String(16))
    business_date: Mapped[date] = mapped_column(Date)
    posted_at: Mapped[datetime] = mapped_column(default=utc_default)
    source_type: Mapped[str] = mapped_column(String(16), default="")
    source_id: Mapped[int | None] = mapped_column(BigId)
    reverses_txn_id: Mapped[int | None] = mapped_column(BigId)
    idempotency_key: Mapped[str] = mapped_column(String(96))
    created_by: Mapped[int | None] = mapped_column(BigId)
    #: the second person who approved it (BONUS/DEDUCT above 50 points, a void in a closed period)
    approved_by: Mapped[int | None] = mapped_column(BigId)
    #: the accounting period it counts in: its business date's month, or the open period when that
    #: month is closed (then ``late_posting``), so a closed period's totals never change. No foreign
    #: key: adding one would rebuild this append-only table on SQLite, whose entries point at it;
    #: only ``services.periods`` writes it, with the id of a period row it has just read.
    period_id: Mapped[int | None] = mapped_column(BigId)
    late_posting: Mapped[bool] = mapped_column(default=False)
    memo: Mapped[str] = mapped_column(String(200), default="")
    #: the chain (``services.chain``): the hash of the transaction before, and this one's over it,
    #: its business fields and its lines
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class LedgerEntry(TenantScoped, db.Model):
    """One posting of a transaction to an account (never zero)."""

    __tablename__ = "volunteer__entry"
    __table_args__ = tenant_table_args(
        CheckConstraint("amount <> 0", name="amount"),
        tenant_fk("txn_id", "volunteer__txn"), tenant_fk("account_id", "volunteer__account"),
        Index("ix_volunteer__entry_tenant_id_account_id", "tenant_id", "account_id", "id"),
        Index("ix_volunteer__entry_tenant_id_txn_id", "tenant_id", "txn_id"))

    txn_id: Mapped[int] = mapped_column(BigId)
    account_id: Mapped[int] = mapped_column(BigId)
    currency: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(AMOUNT)


class AccountBalance(TenantScoped, db.Model):
    """The cached balance of an account: Σ of its entries, updated atomically with every posting."""

    __tablename__ = "volunteer__balance"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "account_id", name="uq_volunteer__balance_tenant_id_account_id"),
        tenant_fk("account_id", "volunteer__account"), tenant_fk("last_entry_id", "volunteer__entry"))

    account_id: Mapped[int] = mapped_column(BigId)
    balance: Mapped[int] = mapped_column(AMOUNT, default=0)
    last_entry_id: Mapped[int | None] = mapped_column(BigId)
    updated_at: Mapped[datetime] = mapped_column(default=utc_default)


class PointLot(TenantScoped, db.Model):
    """The points one EARN brought, consumed first-in first-out (kept from day one for expiry)."""

    __tablename__ = "volunteer__lot"
    __table_args__ = tenant_table_args(
        CheckConstraint("remaining >= 0", name="remaining"),
        tenant_fk("earn_txn_id", "volunteer__txn"), tenant_fk("account_id", "volunteer__account"),
        Index("ix_volunteer__lot_tenant_id_account_id_earned_on", "tenant_id", "account_id", "earned_on"))

    earn_txn_id: Mapped[int] = mapped_column(BigId)
    account_id: Mapped[int] = mapped_column(BigId)
    earned_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    original: Mapped[int] = mapped_column(AMOUNT)
    remaining: Mapped[int] = mapped_column(AMOUNT)


class LotConsumption(TenantScoped, db.Model):
    """How much of a lot a transaction used (a release restores it with the lot's own expiry)."""

    __tablename__ = "volunteer__lot_use"
    __table_args__ = tenant_table_args(
        tenant_fk("lot_id", "volunteer__lot"), tenant_fk("consuming_txn_id", "volunteer__txn"),
        Index("ix_volunteer__lot_use_tenant_id_consuming_txn_id", "tenant_id", "consuming_txn_id"))

    lot_id: Mapped[int] = mapped_column(BigId)
    consuming_txn_id: Mapped[int] = mapped_column(BigId)
    amount: Mapped[int] = mapped_column(AMOUNT)
