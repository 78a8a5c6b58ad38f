"""Posting to the ledger: every transaction sums to zero per currency, nothing is ever changed.

Balances are updated with one atomic ``UPDATE … SET balance = balance + :amount`` per account, in
account order (no deadlock between writers), so parallel writers never lose a credit; a debit
that must not overdraw is a conditional update (``WHERE balance + :amount >= 0``) that either
takes effect or changes nothing.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import NamedTuple

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from flask_babel import gettext as _
from core.api import Refused, clock, current, db

from . import chain, periods
from ..models.ledger import (HOURS, POINTS, AccountBalance, LedgerAccount, LedgerEntry, LedgerTxn, LotConsumption,
                             PointLot)

MEMBER, TEAM, SYSTEM = "volunteer", "team", "system"


class Line(NamedTuple):
    account_id: int
    currency: str
    amount: int


def account(owner_type: str, owner_id: int, currency: str, kind: str) -> int:
    """The id of an account, made with its balance row on first use (safe against a parallel first use)."""
    stmt = select(LedgerAccount.id).where(LedgerAccount.owner_type == owner_type, LedgerAccount.owner_id == owner_id,
                                          LedgerAccount.currency == currency, LedgerAccount.kind == kind)
    found = db.session.scalar(stmt)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            acc = LedgerAccount(owner_type=owner_type, owner_id=owner_id, currency=currency, kind=kind)
            db.session.add(acc)
            db.session.flush()
            db.session.add(AccountBalance(account_id=acc.id, balance=0))
            db.session.flush()
            return acc.id
    except IntegrityError:  # another writer made it first
        return db.session.scalar(stmt)


def member(volunteer_id: int, currency: str) -> int:
    return account(MEMBER, volunteer_id, currency, "member")


def system(currency: str, kind: str) -> int:
    return account(SYSTEM, 0, currency, kind)


def post(txn_type: str, lines: list[Line], business_date: date, key: str, *, source: tuple[str, int | None] = ("", None),
         memo: str = "", reverses: int | None = None, guard: frozenset[int] = frozenset(),
         user_id: int | None = None, approved_by: int | None = None) -> LedgerTxn:
    """Write one balanced transaction and move the cached balances with it.

    It counts in the accounting period of ``business_date``, or, when that month is closed, in the
    current open month as a late posting (``services.periods``).

    ``guard``: accounts this transaction may not take below zero (redemptions); when one would, the
    posting is refused and nothing is written (the caller's transaction rolls back)."""
    if not lines or any(line.amount == 0 for line in lines):
        raise ValueError("a ledger line is never zero")
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        sums[line.currency] += line.amount
    if any(sums.values()):
        raise ValueError(f"unbalanced transaction {txn_type}: {dict(sums)}")
    tid = current().active
    period_id, late = periods.for_posting(business_date)
    per_account: dict[int, int] = defaultdict(int)
    for line in lines:
        per_account[line.account_id] += line.amount
    # guarded debits first: a refusal leaves nothing behind
    for account_id in sorted(a for a in per_account if a in guard):
        amount = per_account[account_id]
        done = db.session.execute(update(AccountBalance).where(
            AccountBalance.account_id == account_id, AccountBalance.balance + amount >= 0).values(
            balance=AccountBalance.balance + amount, updated_at=clock.utcnow())).rowcount
        if done != 1:
            raise Refused(_("积分不足"))
    fields = {"txn_type": txn_type, "business_date": business_date, "source_type": source[0], "source_id": source[1],
              "reverses_txn_id": reverses, "idempotency_key": key, "created_by": user_id, "approved_by": approved_by}
    prev_hash, hash_ = chain.link(fields, lines)
    txn = LedgerTxn(**fields, posted_at=clock.utcnow(), period_id=period_id, late_posting=late, memo=memo[:200],
                    prev_hash=prev_hash, hash=hash_)
    db.session.add(txn)
    db.session.flush()
    db.session.execute(insert(LedgerEntry).execution_options(tenant_checked_insert=True), [
        {"tenant_id": tid, "txn_id": txn.id, "account_id": line.account_id, "currency": line.currency,
         "amount": line.amount} for line in lines])
    last = db.session.scalar(select(func.max(LedgerEntry.id)).where(LedgerEntry.txn_id == txn.id))
    for account_id in sorted(per_account):
        values = {"last_entry_id": case((AccountBalance.last_entry_id.is_(None), last),
                                        (AccountBalance.last_entry_id < last, last),
                                        else_=AccountBalance.last_entry_id), "updated_at": clock.utcnow()}
        if account_id not in guard:
            values["balance"] = AccountBalance.balance + per_account[account_id]
        db.session.execute(update(AccountBalance).where(AccountBalance.account_id == account_id).values(**values)
                           .execution_options(synchronize_session=False))
    return txn


def balances(owner_type: str, owner_id: int) -> dict[str, int]:
    """{currency: balance} of an owner's member accounts: one query, however long the history."""
    rows = db.session.execute(select(LedgerAccount.currency, AccountBalance.balance).join(
        AccountBalance, AccountBalance.account_id == LedgerAccount.id).where(
        LedgerAccount.owner_type == owner_type, LedgerAccount.owner_id == owner_id,
        LedgerAccount.kind.in_(("member", "team"))))
    found = {HOURS: 0, POINTS: 0}
    found.update({c: b for c, b in rows})
    return found


def balance(account_id: int) -> int:
    return db.session.scalar(select(AccountBalance.balance).where(AccountBalance.account_id == account_id)) or 0


def in_debt(volunteer_id: int) -> bool:
    return bool(db.session.scalar(select(LedgerAccount.in_debt).where(
        LedgerAccount.owner_type == MEMBER, LedgerAccount.owner_id == volunteer_id, LedgerAccount.currency == POINTS,
        LedgerAccount.kind == "member")))


def refresh_debt(account_id: int) -> bool:
    """Flag (or clear) 欠分 on a points account from its balance; returns the flag."""
    owing = balance(account_id) < 0
    db.session.execute(update(LedgerAccount).where(LedgerAccount.id == account_id).values(in_debt=owing))
    return owing


def reverse(txn_id: int, memo: str, user_id: int | None = None, approved_by: int | None = None) -> LedgerTxn:
    """The exact mirror of one transaction. A reversal is never reversed, and nothing is reversed twice."""
    original = db.session.get(LedgerTxn, txn_id)
    if original is None:
        raise Refused(_("没有这笔交易"))
    if original.txn_type == "REVERSAL":
        raise Refused(_("冲正交易不能再冲正，请重新记账"))
    if db.session.scalar(select(LedgerTxn.id).where(LedgerTxn.reverses_txn_id == txn_id)) is not None:
        raise Refused(_("这笔交易已冲正"))
    lines = [Line(a, c, -amt) for a, c, amt in db.session.execute(
        select(LedgerEntry.account_id, LedgerEntry.currency, LedgerEntry.amount).where(LedgerEntry.txn_id == txn_id)
        .order_by(LedgerEntry.id))]
    try:
        with db.session.begin_nested():
            txn = post("REVERSAL", lines, original.business_date, f"rev:{txn_id}", source=(original.source_type,
                       original.source_id), memo=memo, reverses=txn_id, user_id=user_id,
                       approved_by=approved_by)
    except IntegrityError:  # a parallel reversal of the same transaction won
        raise Refused(_("这笔交易已冲正")) from None
    for lot in db.session.scalars(select(PointLot).where(PointLot.earn_txn_id == txn_id)):
        used = lot.remaining
        if used:
            lot.remaining = 0
            db.session.add(LotConsumption(lot_id=lot.id, consuming_txn_id=txn.id, amount=used))
    for line in lines:
        if line.currency == POINTS and line.amount < 0:
            refresh_debt(line.account_id)
    db.session.flush()
    return txn


def earn(volunteer_id: int, minutes: int, points: int, business_date: date, source: tuple[str, int], key: str,
         user_id: int | None = None) -> tuple[LedgerTxn, LedgerTxn | None]:
    """HOURS_CREDIT, and EARN with its lot when ``points``: one call, one database transaction."""
    hours = post("HOURS_CREDIT", [Line(system(HOURS, "issuance"), HOURS, -minutes),
                                  Line(member(volunteer_id, HOURS), HOURS, minutes)],
                 business_date, f"hours:{key}", source=source, user_id=user_id)
    if not points:
        return hours, None
    acc = member(volunteer_id, POINTS)
    txn = post("EARN", [Line(system(POINTS, "issuance"), POINTS, -points), Line(acc, POINTS, points)],
               business_date, f"earn:{key}", source=source, user_id=user_id)
    add_lot(acc, txn, points)
    return hours, txn


def add_lot(acc: int, txn: LedgerTxn, points: int) -> PointLot:
    """The lot that points credited by ``txn`` make (EARN, BONUS); a debt is paid from it first."""
    after = balance(acc)
    months = 0
    try:
        from core.api import settings
        months = int(settings("volunteer").get("points_expiry_months") or 0)
    except Exception:  # noqa: BLE001 - outside a request the default (no expiry) applies
        months = 0
    expires = _add_months(txn.business_date, months) if months else None
    lot = PointLot(earn_txn_id=txn.id, account_id=acc, earned_on=txn.business_date, expires_on=expires,
                   original=points, remaining=min(points, max(0, after)))  # a debt is paid first
    db.session.add(lot)
    if after >= 0:
        db.session.execute(update(LedgerAccount).where(LedgerAccount.id == acc, LedgerAccount.in_debt.is_(True))
                           .values(in_debt=False))
    db.session.flush()
    return lot


def consume_lots(account_id: int, amount: int, txn_id: int) -> None:
    """Take ``amount`` from the oldest lots first (those expiring soonest lead)."""
    left = amount
    for lot in db.session.scalars(select(PointLot).where(PointLot.account_id == account_id, PointLot.remaining > 0)
                                  .order_by(PointLot.earned_on, PointLot.id)):
        if left <= 0:
            break
        take = min(left, lot.remaining)
        lot.remaining -= take
        left -= take
        db.session.add(LotConsumption(lot_id=lot.id, consuming_txn_id=txn_id, amount=take))
    db.session.flush()


def restore_lots(txn_id: int, releasing_txn_id: int) -> None:
    """Give back what a hold took, to the same lots (so their expiry stays what it was)."""
    for use in db.session.scalars(select(LotConsumption).where(LotConsumption.consuming_txn_id == txn_id)):
        lot = db.session.get(PointLot, use.lot_id)
        lot.remaining += use.amount
        db.session.add(LotConsumption(lot_id=lot.id, consuming_txn_id=releasing_txn_id, amount=-use.amount))
    db.session.flush()


def _add_months(day: date, months: int) -> date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    import calendar
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def verify(rebuild: bool = False) -> dict:
    """Check the tenant's ledger: every transaction balances per currency, the whole ledger sums to
    zero per currency, no reversal is reversed, every cached balance equals Σ entries. With
    ``rebuild`` the cache is first recomputed from the entries."""
    unbalanced = db.session.execute(select(LedgerEntry.txn_id, LedgerEntry.currency).group_by(
        LedgerEntry.txn_id, LedgerEntry.currency).having(func.sum(LedgerEntry.amount) != 0)).all()
    totals = {c: int(s or 0) for c, s in db.session.execute(
        select(LedgerEntry.currency, func.sum(LedgerEntry.amount)).group_by(LedgerEntry.currency))}
    reversed_reversals = db.session.scalar(select(func.count()).select_from(LedgerTxn).where(
        LedgerTxn.reverses_txn_id.in_(select(LedgerTxn.id).where(LedgerTxn.txn_type == "REVERSAL"))))
    sums = (select(LedgerEntry.account_id, func.sum(LedgerEntry.amount).label("total"))
            .group_by(LedgerEntry.account_id).subquery())
    rebuilt = 0
    if rebuild:
        for account_id, bal, total in db.session.execute(
                select(AccountBalance.account_id, AccountBalance.balance, func.coalesce(sums.c.total, 0))
                .outerjoin(sums, sums.c.account_id == AccountBalance.account_id)):
            if bal != total:
                db.session.execute(update(AccountBalance).where(AccountBalance.account_id == account_id)
                                   .values(balance=total, updated_at=clock.utcnow()))
                rebuilt += 1
    mismatched = [(a, b, int(t)) for a, b, t in db.session.execute(
        select(AccountBalance.account_id, AccountBalance.balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.account_id == AccountBalance.account_id)
        .where(AccountBalance.balance != func.coalesce(sums.c.total, 0)))]
    accounts = db.session.scalar(select(func.count()).select_from(AccountBalance))
    txns = db.session.scalar(select(func.count()).select_from(LedgerTxn))
    broken = chain.problems()
    ok = not unbalanced and not any(totals.values()) and not reversed_reversals and not mismatched and not broken
    return {"ok": ok, "transactions": txns, "accounts": accounts, "totals": totals, "chain": broken,
            "unbalanced": [list(u) for u in unbalanced], "reversed_reversals": reversed_reversals,
            "mismatched": mismatched, "rebuilt": rebuilt}


def expire_lots(today: date) -> int:
    """EXPIRE what is left of lots past their expiry (only lots earned while expiry was on have
    one). The account's balance row is the lock a redemption takes too, so no point is both
    redeemed and expired; an account already below the lot's remainder loses only what it has."""
    n = 0
    for lot in db.session.scalars(select(PointLot).where(PointLot.expires_on < today, PointLot.remaining > 0)
                                  .order_by(PointLot.id).limit(1000)):
        amount = min(lot.remaining, max(0, balance(lot.account_id)))
        if amount > 0:
            txn = post("EXPIRE", [Line(lot.account_id, POINTS, -amount), Line(system(POINTS, "expiry_sink"), POINTS,
                                                                               amount)],
                       today, f"expire:l{lot.id}", source=("lot", lot.id), memo="积分到期",
                       guard=frozenset({lot.account_id}))
            db.session.add(LotConsumption(lot_id=lot.id, consuming_txn_id=txn.id, amount=lot.remaining))
        lot.remaining = 0
        n += 1
    db.session.flush()
    return n
