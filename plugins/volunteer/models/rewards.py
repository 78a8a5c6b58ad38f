"""The rewards catalogue (爱心超市), its stock movements and redemption orders."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

ORDER_STATES = {"held": "待领取", "fulfilled": "已领取", "cancelled": "已取消", "expired": "已过期"}


class RewardItem(TenantScoped, db.Model):
    """A reward; ``reserved`` counts held orders and never passes ``stock``."""

    __tablename__ = "volunteer__reward"
    __table_args__ = tenant_table_args(
        CheckConstraint("reserved >= 0 AND reserved <= stock", name="stock"),
        tenant_fk("org_unit_id", "org_unit"))

    org_unit_id: Mapped[int] = mapped_column(BigId)
    outlet: Mapped[str] = mapped_column(String(64), default="爱心超市")
    name: Mapped[str] = mapped_column(String(100))
    points_price: Mapped[int] = mapped_column(default=100)  # in 0.01 points
    stock: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    donor: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class StockMovement(TenantScoped, db.Model):
    """Stock in (+ donation) and out (− fulfil, − write-off), so 账物相符 can be checked."""

    __tablename__ = "volunteer__stock"
    __table_args__ = tenant_table_args(
        tenant_fk("item_id", "volunteer__reward"),
        Index("ix_volunteer__stock_tenant_id_item_id", "tenant_id", "item_id"))

    item_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(10))
    qty: Mapped[int] = mapped_column()
    order_id: Mapped[int | None] = mapped_column(BigId)
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


class RedemptionOrder(TenantScoped, db.Model):
    """An order: held (points and stock reserved), then fulfilled, cancelled or expired."""

    __tablename__ = "volunteer__order"
    __table_args__ = tenant_table_args(
        tenant_fk("volunteer_id", "volunteer__profile"), tenant_fk("item_id", "volunteer__reward"),
        tenant_fk("hold_txn_id", "volunteer__txn"),
        Index("ix_volunteer__order_tenant_id_volunteer_id", "tenant_id", "volunteer_id"))

    volunteer_id: Mapped[int] = mapped_column(BigId)
    item_id: Mapped[int] = mapped_column(BigId)
    qty: Mapped[int] = mapped_column(default=1)
    points: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(10), default="held")
    pickup_code: Mapped[str] = mapped_column(String(8))
    hold_txn_id: Mapped[int | None] = mapped_column(BigId)
    hold_expires_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)
    decided_by: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[datetime | None]
