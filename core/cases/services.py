"""Open a case, attach each module's record to it, and read its path back. Flushes only."""
from __future__ import annotations

from sqlalchemy import func, select, text

from .. import clock
from ..db import db
from ..org.models import OrgUnit
from ..tenancy.context import current
from .models import CaseFile, CaseStep


def _next_number() -> str:
    """``2026-00042``: the tenant's own count this year, so numbers say nothing about other streets."""
    ctx = current()
    if db.session.get_bind().dialect.name == "postgresql":  # one numberer per tenant at a time
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 7_100_000_000 + ctx.active})
    year = clock.local(clock.utcnow()).year
    n = db.session.scalar(select(func.count()).select_from(CaseFile).where(CaseFile.number.startswith(f"{year}-")))
    return f"{year}-{n + 1:05d}"


def number_of(kind: str, object_id) -> str | None:
    """The case a module's record belongs to, if any."""
    return db.session.scalar(select(CaseFile.number).join(CaseStep, CaseStep.case_id == CaseFile.id)
                             .where(CaseStep.kind == kind, CaseStep.object_id == str(object_id)))


def attach(number: str | None, title: str, *, kind: str, object_id, label: str, endpoint: str, unit_id: int,
           permission: str, **url_args) -> str:
    """Record that ``kind``/``object_id`` is a step of case ``number`` (a new case when None).

    Idempotent: a record already attached keeps its case. Returns the case number, which the
    module passes on in the events it emits so the next module can attach to the same case.
    """
    known = number_of(kind, object_id)
    if known is not None:
        return known
    case = db.session.scalar(select(CaseFile).where(CaseFile.number == number)) if number else None
    if case is None:
        case = CaseFile(number=_next_number(), title=title[:200])
        db.session.add(case)
        db.session.flush()
    db.session.add(CaseStep(case_id=case.id, plugin=kind.partition(".")[0], kind=kind, object_id=str(object_id),
                            label=label[:200], endpoint=endpoint, url_args=url_args, org_unit_id=unit_id,
                            permission=permission))
    db.session.flush()
    return case.number


def path(number: str):
    """The case numbered ``number`` and the steps this user may see (see :func:`path_of`)."""
    case_id = db.session.scalar(select(CaseFile.id).where(CaseFile.number == number))
    return path_of(case_id) if case_id is not None else (None, [], 0)


def path_of(case_id: int):
    """The case and the steps this user may see, in order, with how many are hidden from them."""
    case = db.session.get(CaseFile, case_id)
    if case is None:
        return None, [], 0
    rows = db.session.execute(select(CaseStep, OrgUnit.path, OrgUnit.name)
                              .join(OrgUnit, (OrgUnit.id == CaseStep.org_unit_id) & (OrgUnit.tenant_id == CaseStep.tenant_id))
                              .where(CaseStep.case_id == case.id).order_by(CaseStep.created_at, CaseStep.id)).all()
    ctx = current()
    shown = [(step, unit_name) for step, unit_path, unit_name in rows if ctx.can(step.permission, unit_path)]
    return case, shown, len(rows) - len(shown)
