"""Work the parallel-process tests run in each child (imported by module path)."""
from __future__ import annotations

from datetime import date


def with_grants(user_id: int) -> None:
    """Give the current tenant scope the user's grants, as a signed-in request would have them."""
    import dataclasses

    from sqlalchemy import select

    from core.auth.models import Role, RoleGrant
    from core.db import db
    from core.org.models import OrgUnit
    from core.tenancy.context import Grant, current, set_context
    rows = db.session.execute(select(Role.code, Role.permissions, OrgUnit.id, OrgUnit.path)
                              .join(RoleGrant, RoleGrant.role_id == Role.id)
                              .join(OrgUnit, OrgUnit.id == RoleGrant.org_unit_id).where(RoleGrant.user_id == user_id))
    grants = tuple(Grant(code, frozenset(perms or ()), uid, path) for code, perms, uid, path in rows)
    set_context(dataclasses.replace(current(), grants=grants))


def credit(worker: int, i: int, volunteer_id: int) -> str:
    from plugins.volunteer.services import ledger
    from plugins.volunteer.models.ledger import POINTS
    ledger.post("BONUS", [ledger.Line(ledger.system(POINTS, "adjustment"), POINTS, -100),
                          ledger.Line(ledger.member(volunteer_id, POINTS), POINTS, 100)],
                date(2026, 5, 1), f"test:{worker}:{i}")
    return "ok"


def claim_post(worker: int, i: int, post_id: int, volunteer_ids: list) -> str:
    from core.api import db
    from plugins.volunteer.models import ServicePost, Volunteer
    from plugins.volunteer.services import posts
    post = db.session.get(ServicePost, post_id)
    return posts.claim(post, volunteer=db.session.get(Volunteer, volunteer_ids[worker])).state


def confirm_claim(worker: int, i: int, claim_ids: list) -> str:
    from core.api import db
    from plugins.volunteer.models import PostClaim
    from plugins.volunteer.services import posts
    return posts.confirm(db.session.get(PostClaim, claim_ids[worker])).state


def approve_record(worker: int, i: int, record_id: int) -> str:
    from core.api import db
    from plugins.volunteer.models import ServiceRecord
    from plugins.volunteer.services import records
    return records.approve(db.session.get(ServiceRecord, record_id)).state


def redeem(worker: int, i: int, item_id: int, volunteer_ids: list) -> str:
    from core.api import db
    from plugins.volunteer.models import RewardItem, Volunteer
    from plugins.volunteer.services import rewards
    return rewards.order(db.session.get(RewardItem, item_id), db.session.get(Volunteer, volunteer_ids[worker])).state


def second_approve(worker: int, i: int, request_id: int) -> str:
    """Each worker, a different second approver, approves the same large award."""
    from core.db import db
    from plugins.volunteer.models import SecondApproval
    from plugins.volunteer.services import adjustments
    adjustments.decide(db.session.get(SecondApproval, request_id), True)
    return "ok"
