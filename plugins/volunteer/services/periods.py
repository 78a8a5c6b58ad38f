"""Accounting periods (会计期间): the month a posting counts in, closing, sealed totals and checksum.

A posting counts in the month of its business date, unless that month is closed: then it goes to
the current open month with ``late_posting`` set, so a closed month's totals and the checksum of
its journal export never change. Every posting holds a share lock on its period row until commit
and closing takes the row exclusively (PostgreSQL; SQLite's write transaction serialises), so no
posting lands in a month while it is being sealed.
"""
from __future__ import annotations

import hashlib
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.api import Refused, clock, db, lock_for_update

from ..models import AccountingPeriod, LedgerAccount, LedgerEntry, LedgerTxn, ServiceRecord
from .common import require_street, today, user_id

PENDING = ("open", "draft", "submitted", "needs_review")


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _row(month: date, lock: str | None = None) -> AccountingPeriod | None:
    stmt = select(AccountingPeriod).where(AccountingPeriod.month == month).execution_options(populate_existing=True)
    if lock == "share":
        stmt = stmt.with_for_update(read=True)  # SQLite ignores it; its write transaction serialises
    elif lock == "update":
        stmt = lock_for_update(stmt)
    return db.session.scalars(stmt).first()


def period(month: date, lock: str | None = None) -> AccountingPeriod:
    """The period of a month, made open on first use (safe against a parallel first use)."""
    month = month_of(month)
    found = _row(month, lock)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            db.session.add(AccountingPeriod(month=month, state="open", totals={}, export_checksum=""))
            db.session.flush()
    except IntegrityError:  # another writer made it first
        pass
    return _row(month, lock)


def for_posting(business_date: date) -> tuple[int, bool]:
    """(period id, late) for a posting dated ``business_date``."""
    own = period(business_date, "share")
    if own.state != "closed":
        return own.id, False
    current = period(today(), "share")
    if current.state == "closed":  # a month is closed only once it has ended
        raise Refused(_("本月已结账，无法记账"))
    return current.id, True


def _in(p: AccountingPeriod):
    """Transactions of a period: by ``period_id``, and those written before periods existed by date."""
    return or_(LedgerTxn.period_id == p.id,
               and_(LedgerTxn.period_id.is_(None), LedgerTxn.business_date >= p.month,
                    LedgerTxn.business_date < next_month(p.month)))


def totals(p: AccountingPeriod) -> dict:
    """What the month moved, computed now: per currency and transaction type the net change of
    members' and teams' accounts, the number of transactions and of late postings in it."""
    moved: dict[str, dict[str, int]] = {}
    for currency, txn_type, amount in db.session.execute(
            select(LedgerEntry.currency, LedgerTxn.txn_type, func.sum(LedgerEntry.amount))
            .join(LedgerTxn, LedgerTxn.id == LedgerEntry.txn_id)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(_in(p), LedgerAccount.kind.in_(("member", "team")))
            .group_by(LedgerEntry.currency, LedgerTxn.txn_type)):
        moved.setdefault(currency, {})[txn_type] = int(amount or 0)
    txns, late = db.session.execute(select(func.count(), func.coalesce(func.sum(
        func.cast(LedgerTxn.late_posting, db.Integer)), 0)).where(_in(p))).one()
    return {"moved": {c: dict(sorted(v.items())) for c, v in sorted(moved.items())},
            "transactions": int(txns or 0), "late": int(late or 0)}


def journal(p: AccountingPeriod) -> list[list]:
    """The period's journal lines, in the order of its export: (txn, type, business date, late,
    owner type, owner, currency, account kind, amount, memo)."""
    return [[t.id, t.txn_type, t.business_date.isoformat(), int(t.late_posting), o, oid, c, k, int(a), t.memo]
            for t, o, oid, c, k, a in db.session.execute(
                select(LedgerTxn, LedgerAccount.owner_type, LedgerAccount.owner_id, LedgerAccount.currency,
                       LedgerAccount.kind, LedgerEntry.amount)
                .join(LedgerEntry, LedgerEntry.txn_id == LedgerTxn.id)
                .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
                .where(_in(p)).order_by(LedgerTxn.id, LedgerEntry.id))]


def checksum(p: AccountingPeriod) -> str:
    """SHA-256 of the period's journal export, line by line."""
    digest = hashlib.sha256()
    for line in journal(p):
        digest.update(("|".join(map(str, line)) + "\n").encode())
    return digest.hexdigest()


def pending_records(p: AccountingPeriod, limit: int = 500) -> list[ServiceRecord]:
    """Service records dated in the month that are not decided yet: closing lists them."""
    return list(db.session.scalars(select(ServiceRecord).where(
        ServiceRecord.state.in_(PENDING), ServiceRecord.service_date >= p.month,
        ServiceRecord.service_date < next_month(p.month)).order_by(ServiceRecord.service_date, ServiceRecord.id)
        .limit(limit)))


def start_closing(month: date) -> AccountingPeriod:
    """open → closing: only a month that has ended; the page then lists what is still pending."""
    require_street("volunteer.period.close")
    if month_of(month) >= month_of(today()):
        raise Refused(_("本月尚未结束，不能结账"))
    p = period(month, "update")
    if p.state != "open":
        raise Refused(_("该期间已在结账或已结账"))
    p.state, p.closing_by, p.closing_at = "closing", user_id(), clock.utcnow()
    db.session.flush()
    return p


def close(p: AccountingPeriod) -> AccountingPeriod:
    """closing → closed: the totals and the export checksum are sealed as they stand."""
    require_street("volunteer.period.close")
    locked = _row(p.month, "update")
    if locked is None or locked.state != "closing":
        raise Refused(_("请先开始结账并查看待处理记录"))
    sealed = totals(locked)
    done = db.session.execute(update(AccountingPeriod).where(
        AccountingPeriod.id == locked.id, AccountingPeriod.state == "closing").values(
        state="closed", closed_by=user_id(), closed_at=clock.utcnow(), totals=sealed,
        export_checksum=checksum(locked)).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise Refused(_("该期间已结账"))
    db.session.refresh(locked)
    return locked


def reopen_closing(p: AccountingPeriod) -> AccountingPeriod:
    """closing → open (nothing is sealed yet), e.g. to finish the pending records first."""
    require_street("volunteer.period.close")
    locked = _row(p.month, "update")
    if locked is None or locked.state != "closing":
        raise Refused(_("只有结账中的期间可以取消结账"))
    locked.state, locked.closing_by, locked.closing_at = "open", None, None
    db.session.flush()
    return locked


def is_closed(day: date) -> bool:
    found = _row(month_of(day))
    return found is not None and found.state == "closed"


def months(limit: int = 24) -> list[tuple[date, AccountingPeriod | None]]:
    """The months with ledger activity up to this one, newest first, each with its row if any."""
    rows = {p.month: p for p in db.session.scalars(select(AccountingPeriod))}
    first = db.session.scalar(select(func.min(LedgerTxn.business_date)))
    start = min([month_of(today()), *rows, *([month_of(first)] if first else [])])
    out, m = [], month_of(today())
    while m >= start and len(out) < limit:
        out.append((m, rows.get(m)))
        m = date(m.year - (m.month == 1), (m.month - 2) % 12 + 1, 1)
    return out
