"""The booking endpoint's data for ``make bench``: one street with the office-hours module on, a
studio and one announced reception whose slot has room for every request the load sends (each
request books for another phone number, as the desk does for callers)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone


def seed(app) -> dict:
    from sqlalchemy import select

    from core.auth.models import Role, RoleGrant, UserAccount
    from core.auth.passwords import hash_password
    from core.auth.services import ensure_membership
    from core.db import db
    from core.org.models import OrgUnit
    from core.plugins import admin
    from core.tenancy.scopes import system_scope, tenant_scope
    from core.tenancy.services import create_tenant
    from plugins.office_hours.models import Reception, Series, Slot, Studio
    with app.app_context():
        with system_scope("bench seed") as session:
            user = UserAccount(username="bench-oh", display_name="压测接待",
                               password_hash=hash_password("bench-password-2026"))
            session.add(user)
            session.flush()
            t = create_tenant(session, "bench-oh", "压测接待街道", "street")
            ensure_membership(user.id, t.id, session)
            user_id, tenant_id, slug = user.id, t.id, t.slug
        with tenant_scope(tenant_id, user_id=user_id) as session:
            admin.enable(tenant_id, "office_hours")
            root = session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).one()
            role = session.scalars(select(Role).where(Role.code == "street_staff")).one()
            session.add(RoleGrant(user_id=user_id, role_id=role.id, org_unit_id=root.id))
            studio = Studio(org_unit_id=root.id, name="压测工作室", compliance_from=date(2024, 1, 1))
            db.session.add(studio)
            db.session.flush()
            start = datetime.now(timezone.utc) + timedelta(days=2)
            series = Series(studio_id=studio.id, rrule="FREQ=WEEKLY", dtstart=start, valid_from=start.date(),
                            valid_to=start.date())
            db.session.add(series)
            db.session.flush()
            r = Reception(studio_id=studio.id, series_id=series.id, starts_at=start, ends_at=start + timedelta(hours=2),
                          state="announced", announced_at=datetime.now(timezone.utc), max_bookings_per_person_month=3)
            db.session.add(r)
            db.session.flush()
            slot = Slot(reception_id=r.id, starts_at=start, ends_at=start + timedelta(minutes=20),
                        capacity=10_000_000, reserved=0, taken=0)
            db.session.add(slot)
            db.session.flush()
            out = {"slug": slug, "reception_id": r.id, "slot_id": slot.id}
    return {**out, "username": "bench-oh", "password": "bench-password-2026"}
