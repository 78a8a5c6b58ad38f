"""阳光物业: a compound's public page for its residents — who serves it and how well, never internal notes."""
from __future__ import annotations

from statistics import median

from flask import render_template
from sqlalchemy import select

from core import api
from core.api import clock, db

from ..models import PropertyCompany, Ticket
from ..services import coverage, registry, scope
from . import labels


def page(compound_id: int):
    compound = scope.visible_compound(compound_id)
    period = coverage.period_on(compound.id, scope.today())
    provider = db.session.get(PropertyCompany, period.provider_id) if period and period.provider_id else None
    tickets = list(db.session.scalars(select(Ticket).where(Ticket.compound_id == compound.id)))
    open_n = sum(1 for t in tickets if t.state in ("NEW", "ACCEPTED", "IN_PROGRESS", "DEFERRED"))
    hours = [(clock.aware(t.completed_at) - clock.aware(t.created_at)).total_seconds() / 3600
             for t in tickets if t.completed_at is not None and t.created_at is not None]
    rated = [t for t in tickets if t.rating in ("good", "bad")]
    figures = {"open": open_n, "total": len(tickets), "median_hours": round(median(hours), 1) if hours else None,
               "satisfied_pct": round(100 * sum(t.rating == "good" for t in rated) / len(rated), 1) if rated else None,
               "escalated": sum(1 for t in tickets if t.sent_to_community_at is not None)}
    return render_template("property/transparency.html", compound=compound, period=period, provider=provider,
                           profile=registry.profile_of(compound), bodies=registry.bodies_of(compound),
                           figures=figures, community=api.org_unit(compound.parent_id), **labels.ALL)
