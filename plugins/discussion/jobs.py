"""Scheduled work: proposed claims with no answer lapse after the configured days (spec §3.3); a covenant's
managers are told N days before its term ends (spec §2, default 30), once per term end."""
from __future__ import annotations

from datetime import date, timedelta

from core import api


def lapse_claims(ctx) -> int:
    from .services.lists import lapse_due
    return lapse_due(api.settings("discussion")["claim_lapse_days"])


def covenant_alerts(ctx, today: date | None = None) -> int:
    """Inbox notices to whoever manages the unit (its place in the tree, else the street) and the covenant's
    communities' staff; ``alerted_on`` keeps a second run from telling them again."""
    from flask_babel import gettext as _
    from sqlalchemy import select

    from core.api import db

    from .models import Covenant, Unit
    from .services import admin, cycles
    day = today or cycles.today()
    horizon = day + timedelta(days=api.settings("discussion")["covenant_alert_days"])
    due = db.session.scalars(select(Covenant).where(Covenant.term_end.is_not(None), Covenant.alerted_on.is_(None),
                                                    Covenant.term_end >= day, Covenant.term_end <= horizon)
                             .order_by(Covenant.id)).all()
    for c in due:
        unit = db.session.get(Unit, c.unit_id)
        if unit is None or unit.status != "active":
            continue
        users = set(api.users_holding("discussion.unit.manage", admin.unit_scope(unit)))
        for oid in c.org_unit_ids or []:
            community = api.org_unit(oid)
            if community is not None:
                users |= api.users_holding("discussion.list.manage", community, inside=True)
        if users:
            api.notify(sorted(users), _("共建协议将于 %(d)s 到期：%(u)s", d=c.term_end.isoformat(), u=unit.name),
                       "discussion.unit", body=_("请与单位商谈续签，续签后在共建单位页登记新的协议期。"),
                       source="discussion", unit_id=unit.id)
        c.alerted_on = day
    db.session.flush()
    return len(due)
