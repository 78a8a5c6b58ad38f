"""Demo tickets: about sixty a street over the last months — most closed after a rating, some not rated,
a few declined or withdrawn, some open, and two left untouched long enough that the supervision job
escalates them on its first run (through the real path: a grid event when grid is on)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from core.api import clock, db

from .models import CoveragePeriod, Ticket, TicketAction, TicketCategory
from .services.categories import seed

PROBLEMS = ("3栋楼道灯不亮", "小区门口垃圾堆积", "单元门禁坏了", "雨水管堵塞漏水", "电梯异响", "绿化带杂草丛生",
            "地下车库积水", "健身器材损坏", "楼顶防水层破损渗水", "消防通道被占用")


def _at(day, hour) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=clock.SHANGHAI).astimezone(clock.timezone_utc())


def fill(tenant, window_end, rng, compounds) -> int:
    seed()
    categories = list(db.session.scalars(select(TicketCategory).where(TicketCategory.area == "public")))
    providers = {p.compound_id: p.provider_id for p in db.session.scalars(
        select(CoveragePeriod).where(CoveragePeriod.ends_on.is_(None)))}
    served = [c for c in compounds if providers.get(c.id)]
    if not served or not categories:
        return 0
    n, actions = 0, []
    today = clock.local(clock.utcnow()).date()
    for k in range(60):
        compound = served[k % len(served)]
        category = categories[k % len(categories)]
        created_day = window_end - timedelta(days=rng.randint(1, 150))
        created = _at(created_day, rng.randint(8, 17))
        fate = ("rated",) * 6 + ("not_rated", "declined", "withdrawn", "open")
        outcome = fate[k % len(fate)]
        t = Ticket(ref_no=f"WY{created_day:%Y%m%d}-{tenant.id:02d}{k + 1:03d}", compound_id=compound.id,
                   kind="repair" if k % 4 else "complaint", area="public", category_id=category.id,
                   description=PROBLEMS[k % len(PROBLEMS)], channel="resident_app" if k % 3 else "phone",
                   provider_id=providers[compound.id], created_at=created, clock_from=created,
                   complete_due=created + timedelta(days=4), state="NEW", photos=[])
        steps = [("create", "NEW", created)]
        if outcome in ("rated", "not_rated", "open"):
            t.accepted_at = created + timedelta(hours=1)
            t.onsite_at = created + timedelta(hours=3)
            steps += [("accept", "ACCEPTED", t.accepted_at), ("start", "IN_PROGRESS", t.onsite_at)]
            t.state = "IN_PROGRESS"
        if outcome in ("rated", "not_rated"):
            t.completed_at = created + timedelta(hours=rng.randint(5, 60))
            steps.append(("complete", "COMPLETED", t.completed_at))
            t.state, t.closed_at = "CLOSED", t.completed_at + timedelta(days=1 if outcome == "rated" else 7)
            if outcome == "rated":
                t.rating, t.close_reason = ("good" if k % 5 else "bad"), "rated"
            else:
                t.close_reason = "not_rated"
            steps.append(("rate" if outcome == "rated" else "auto_close", "CLOSED", t.closed_at))
        if outcome == "declined":
            t.state, t.decline_reason, t.declined_at = "DECLINED", "DUPLICATE", created + timedelta(hours=2)
            steps.append(("decline", "DECLINED", t.declined_at))
        if outcome == "withdrawn":
            t.state, t.close_reason, t.closed_at = "CLOSED", "withdrawn", created + timedelta(hours=2)
            steps.append(("withdraw", "CLOSED", t.closed_at))
        if outcome == "open":  # recent and in hand
            t.created_at = t.clock_from = t.accepted_at = t.onsite_at = _at(today - timedelta(days=1), 10)
            t.complete_due = t.created_at + timedelta(days=4)  # its number and deadline follow the new date
            t.ref_no = f"WY{today - timedelta(days=1):%Y%m%d}-{tenant.id:02d}{k + 1:03d}"
            steps = [("create", "NEW", t.created_at), ("accept", "ACCEPTED", t.created_at),
                     ("start", "IN_PROGRESS", t.created_at)]
        db.session.add(t)
        db.session.flush()
        before = None
        for action, state, when in steps:
            actions.append(TicketAction(ticket_id=t.id, kind="status_change", at=when,
                                        actor_role="resident" if action in ("create", "rate", "withdraw") else
                                        ("system" if action == "auto_close" else "provider"),
                                        payload={"action": action, "from": before, "to": state}))
            before = state
        n += 1
    for j in range(2):  # untouched for a week: the first supervision run escalates them
        compound = served[(j * 7) % len(served)]
        created = _at(today - timedelta(days=8), 9)
        t = Ticket(ref_no=f"WY{today:%Y%m%d}-{tenant.id:02d}9{j:02d}", compound_id=compound.id, area="public",
                   category_id=categories[0].id, description="楼道堆放杂物存在消防隐患，多次反映无人处理",
                   channel="resident_app", provider_id=providers[compound.id], created_at=created,
                   clock_from=created, complete_due=created + timedelta(days=4), state="NEW", photos=[])
        db.session.add(t)
        db.session.flush()
        actions.append(TicketAction(ticket_id=t.id, kind="status_change", at=created, actor_role="resident",
                                    payload={"action": "create", "to": "NEW"}))
        n += 1
    db.session.add_all(actions)
    db.session.flush()
    return n
