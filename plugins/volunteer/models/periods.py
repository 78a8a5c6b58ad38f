"""Accounting periods (会计期间) and requests that wait for a second approver (双人复核)."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

from .ledger import AMOUNT

PERIOD_STATES = {"open": _l("未结账"), "closing": _l("结账中"), "closed": _l("已结账")}
TXN_TYPES = {"HOURS_CREDIT": _l("服务时长入账"), "EARN": _l("服务积分"), "BONUS": _l("奖励积分"),
             "DEDUCT": _l("扣减积分"), "REDEEM_HOLD": _l("兑换冻结"), "REDEEM_FULFIL": _l("兑换核销"),
             "REDEEM_RELEASE": _l("兑换释放"), "EXPIRE": _l("积分到期"), "REVERSAL": _l("冲正"),
             "DONATE": _l("积分捐赠"), "OPENING_BALANCE": _l("期初余额"), "FORFEIT": _l("积分归集")}
CURRENCIES = {"HOURS": _l("服务时长（分钟）"), "POINTS": _l("积分（0.01分）")}
OWNER_TYPES = {"volunteer": _l("志愿者"), "team": _l("队伍"), "system": _l("系统")}
ACCOUNT_KINDS = {"member": _l("个人账户"), "team": _l("队伍账户"), "issuance": _l("发放"),
                 "redeem_hold": _l("兑换冻结"), "redeem_sink": _l("兑换核销"), "expiry_sink": _l("到期清零"),
                 "adjustment": _l("调整"), "pool": _l("积分池")}
REASON_CODES = {"award": _l("表彰奖励"), "correction": _l("差错更正"), "redeem_error": _l("兑换差错更正"),
                "paper_ledger": _l("纸质台账迁移"), "violation": _l("违规扣减"), "other": _l("其他")}
REQUEST_KINDS = {"adjust": _l("积分调整"), "void": _l("作废已结账期间的记录")}
REQUEST_STATES = {"pending": _l("待复核"), "approved": _l("已复核通过"), "rejected": _l("复核未通过")}
#: BONUS and DEDUCT above this many points (0.01-point units) need a second approver
SECOND_APPROVER_ABOVE = 50 * 100


class AccountingPeriod(TenantScoped, db.Model):
    """One month of the ledger. Closing lists what is still pending; a closed period's totals and
    export checksum are sealed, and later postings dated in it go to the open period (late)."""

    __tablename__ = "volunteer__period"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "month", name="uq_volunteer__period_tenant_id_month"))

    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    state: Mapped[str] = mapped_column(String(8), default="open")
    closing_by: Mapped[int | None] = mapped_column(BigId)
    closing_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(BigId)
    closed_at: Mapped[datetime | None]
    totals: Mapped[dict] = mapped_column(default=dict)
    export_checksum: Mapped[str] = mapped_column(String(64), default="")


class SecondApproval(TenantScoped, db.Model):
    """A BONUS/DEDUCT above 50 points, or a void dated in a closed period: written by one person,
    posted only when a second, different person approves it."""

    __tablename__ = "volunteer__second_approval"
    __table_args__ = tenant_table_args(
        tenant_fk("volunteer_id", "volunteer__profile"), tenant_fk("record_id", "volunteer__record"),
        tenant_fk("org_unit_id", "org_unit"), tenant_fk("txn_id", "volunteer__txn"),
        Index("ix_volunteer__second_approval_tenant_id_state_id", "tenant_id", "state", "id"))

    kind: Mapped[str] = mapped_column(String(8))  # adjust / void
    volunteer_id: Mapped[int] = mapped_column(BigId)
    org_unit_id: Mapped[int] = mapped_column(BigId)
    record_id: Mapped[int | None] = mapped_column(BigId)
    txn_type: Mapped[str] = mapped_column(String(16), default="")  # BONUS / DEDUCT for an adjustment
    points: Mapped[int] = mapped_column(AMOUNT, default=0)  # 0.01-point units
    reason_code: Mapped[str] = mapped_column(String(16), default="")
    memo: Mapped[str] = mapped_column(String(200), default="")
    requested_by: Mapped[int | None] = mapped_column(BigId)
    requested_at: Mapped[datetime] = mapped_column(default=utc_default)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(String(200), default="")
    txn_id: Mapped[int | None] = mapped_column(BigId)
