"""Posting to the fallback subsidy ledger: every line is inserted once and never changed.

One writer per tenant at a time (a transaction-scoped advisory lock on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` already serialises writers), so each line's ``prev_hash`` is the hash of the line
before it and the chain never forks. ``key`` is unique per tenant: two writers posting the same
accrual get one line and one refusal. ``verify`` recomputes the chain, every accrual's arithmetic
and every reversal's mirror, for ``jiceng property ledger verify``."""
from __future__ import annotations

import hashlib
import json
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from core.api import Refused, clock, current, db

from ..models.subsidy import SubsidyEntry
from .money import amount_fen, base_fen

#: what the hash covers: every business field of a line, in this order
HASHED = ("key", "month", "kind", "compound_id", "provider_id", "coverage_period_id", "standard_id", "basis",
          "rate_fen", "households", "area_m2", "covered_days", "days_in_month", "base_fen", "assessment_id",
          "score_raw", "score", "rounding", "tier_ratio", "amount_fen", "reverses_entry_id", "reversed_kind", "reason",
          "flagged", "voucher_no", "approved_by", "created_by")
LOCK_BASE = 7_300_000_000


def digest(values: dict, prev_hash: str | None) -> str:
    body = json.dumps([prev_hash or ""] + [values.get(f) for f in HASHED], ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _lock() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_BASE + current().active})


def last_hash() -> str | None:
    return db.session.scalar(select(SubsidyEntry.hash).order_by(SubsidyEntry.id.desc()).limit(1))


def exists(key: str) -> SubsidyEntry | None:
    return db.session.scalar(select(SubsidyEntry).where(SubsidyEntry.key == key))


def post(values: dict) -> SubsidyEntry:
    """Append one line (``values`` are its columns); refused when its key is taken."""
    _lock()
    if exists(values["key"]) is not None:
        raise Refused(_("该笔已入账，不能重复计提"))
    values = {f: None for f in HASHED} | {"created_by": current().user_id} | values
    values["month"] = values["month"].replace(day=1)
    for f, default in (("basis", ""), ("rate_fen", 0), ("households", 0), ("area_m2", 0), ("covered_days", 0),
                       ("days_in_month", 0), ("base_fen", 0), ("rounding", ""), ("tier_ratio", 10000),
                       ("amount_fen", 0), ("reason", ""), ("flagged", False), ("voucher_no", "")):
        if values.get(f) is None:
            values[f] = default
    prev = last_hash()
    entry = SubsidyEntry(**values, prev_hash=prev, hash=digest(values, prev), created_at=clock.utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:  # a parallel writer posted the same key first
        raise Refused(_("该笔已入账，不能重复计提")) from None
    return entry


def reverse(entry: SubsidyEntry, reason: str) -> SubsidyEntry:
    """The exact mirror of one line, once; a reversal is never reversed."""
    if not (reason or "").strip():
        raise Refused(_("冲销须填写原因"))
    if entry.kind == "reversal":
        raise Refused(_("冲销分录不能再冲销，请重新入账"))
    if db.session.scalar(select(SubsidyEntry.id).where(SubsidyEntry.reverses_entry_id == entry.id)) is not None:
        raise Refused(_("这笔分录已冲销"))
    values = {f: getattr(entry, f) for f in HASHED}
    values.update(key=f"reversal:{entry.id}", kind="reversal", reverses_entry_id=entry.id, reversed_kind=entry.kind,
                  base_fen=-entry.base_fen, amount_fen=-entry.amount_fen, reason=reason.strip()[:200],
                  voucher_no=entry.voucher_no, approved_by=None, created_by=current().user_id)
    return post(values)


def is_reversed(entry_id: int) -> bool:
    return db.session.scalar(select(SubsidyEntry.id).where(SubsidyEntry.reverses_entry_id == entry_id)) is not None


def verify() -> dict:
    """Check the tenant's ledger. Problems: a broken hash chain (a line changed, inserted or removed
    behind the application), an accrual whose amount is not its own rate × households × days ×
    tier, a reversal that does not mirror its original, a reversal reversed, a line reversed twice."""
    problems: list[str] = []
    prev = None
    lines = 0
    by_id: dict[int, SubsidyEntry] = {}
    for e in db.session.scalars(select(SubsidyEntry).order_by(SubsidyEntry.id)).yield_per(1000):
        lines += 1
        by_id[e.id] = e
        values = {f: getattr(e, f) for f in HASHED}
        if e.prev_hash != prev:
            problems.append(f"entry {e.id}: chain broken (prev_hash does not match the line before)")
        elif digest(values, e.prev_hash) != e.hash:
            problems.append(f"entry {e.id}: contents changed after posting (hash mismatch)")
        prev = e.hash
        if e.kind == "accrual" and e.days_in_month:
            quantity = e.households if e.basis == "per_household_month" else e.area_m2
            if base_fen(e.rate_fen, quantity, e.covered_days, e.days_in_month) != e.base_fen or amount_fen(
                    e.rate_fen, quantity, e.covered_days, e.days_in_month, e.tier_ratio) != e.amount_fen:
                problems.append(f"entry {e.id}: amount {e.amount_fen} is not rate × quantity × days × tier")
        if e.kind == "reversal":
            orig = by_id.get(e.reverses_entry_id)
            if orig is None:
                problems.append(f"entry {e.id}: reverses a line that is not before it")
            elif orig.kind == "reversal":
                problems.append(f"entry {e.id}: reverses a reversal")
            elif (orig.amount_fen != -e.amount_fen or orig.compound_id != e.compound_id or orig.month != e.month
                  or orig.provider_id != e.provider_id or orig.kind != e.reversed_kind):
                problems.append(f"entry {e.id}: does not mirror line {orig.id}")
    twice = db.session.execute(select(SubsidyEntry.reverses_entry_id).where(
        SubsidyEntry.reverses_entry_id.is_not(None)).group_by(SubsidyEntry.reverses_entry_id)
        .having(func.count() > 1)).scalars().all()
    problems += [f"entry {i}: reversed more than once" for i in twice]
    return {"ok": not problems, "lines": lines, "problems": problems}


def month_totals(months: list[date] | None = None) -> dict[date, dict[str, int]]:
    """{month: {budget, accrued, disbursed}} in fen; a reversal counts against the kind it reverses."""
    kind = func.coalesce(SubsidyEntry.reversed_kind, SubsidyEntry.kind)
    stmt = select(SubsidyEntry.month, kind, func.sum(SubsidyEntry.amount_fen)).group_by(SubsidyEntry.month, kind)
    if months:
        stmt = stmt.where(SubsidyEntry.month.in_(months))
    out: dict[date, dict[str, int]] = {}
    names = {"budget": "budget", "accrual": "accrued", "disbursement": "disbursed"}
    for month, k, total in db.session.execute(stmt):
        out.setdefault(month, {"budget": 0, "accrued": 0, "disbursed": 0})[names[k]] = int(total or 0)
    return out
