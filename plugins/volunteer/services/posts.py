"""Service posts and claims (认领): the last seat goes to exactly one claimant.

A seat is taken with one conditional update (``active_claims < capacity``), so two claims of the
last seat, or two confirmations, can never both succeed; a CHECK keeps the count in range even so.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from flask_babel import gettext as _
from core import api
from core.api import Refused, Stale, clock, db, emit

from ..events import ClaimChanged
from ..models import PostClaim, ServicePost, Team, Volunteer
from ..models.posts import CLAIM_STATES
from ..models.people import ROLES
from .common import require, today, user_id
from .people import team_user_ids

TERMINAL = ("rejected", "withdrawn", "revoked", "completed")


def create_post(data: dict) -> ServicePost:
    require("volunteer.post.manage", data["org_unit_id"])
    kind = data["kind"]
    post = ServicePost(org_unit_id=data["org_unit_id"], kind=kind, title=data["title"],
                       description=data.get("description") or "", location=data.get("location") or "",
                       claimant_type="team" if kind == "volunteer" else "person", capacity=data["capacity"],
                       required_role=data.get("required_role") or None, requires_review=True,
                       term_months=data.get("term_months") or 12, status="open")
    db.session.add(post)
    db.session.flush()
    return post


def set_capacity(post: ServicePost, capacity: int) -> ServicePost:
    """Reducing capacity below the claims that stand is refused: end specific claims first."""
    require("volunteer.post.manage", post.org_unit_id)
    done = db.session.execute(update(ServicePost).where(ServicePost.id == post.id,
                                                        ServicePost.active_claims <= capacity)
                              .values(capacity=capacity).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise Refused(_("在岗人数多于新的岗位数，请先结束具体的认领"))
    db.session.refresh(post)
    return post


def _take_seat(post_id: int) -> bool:
    return db.session.execute(update(ServicePost).where(
        ServicePost.id == post_id, ServicePost.status == "open", ServicePost.active_claims < ServicePost.capacity)
        .values(active_claims=ServicePost.active_claims + 1).execution_options(synchronize_session=False)).rowcount == 1


def _free_seat(post_id: int) -> None:
    db.session.execute(update(ServicePost).where(ServicePost.id == post_id, ServicePost.active_claims > 0)
                       .values(active_claims=ServicePost.active_claims - 1)
                       .execution_options(synchronize_session=False))


def _term_end(post: ServicePost):
    return today() + timedelta(days=round(post.term_months * 30.4))


def claim(post: ServicePost, volunteer: Volunteer | None = None, team: Team | None = None) -> PostClaim:
    """Claim a post for a volunteer (为民服务岗位、公益岗位) or a team (志愿服务岗位)."""
    if post.status != "open":
        raise Refused(_("岗位未开放认领"))
    if post.claimant_type == "team":
        if team is None:
            raise Refused(_("志愿服务岗位由队伍认领"))
        key, unit = f"t{team.id}", team.org_unit_id
    else:
        if volunteer is None:
            raise Refused(_("请选择认领的志愿者"))
        if volunteer.status != "active":
            raise Refused(_("该志愿者已暂停或退出"))
        if post.required_role and post.required_role not in volunteer.three_roles:
            raise Refused(_("此岗位须由%(role)s认领", role=ROLES.get(post.required_role, "")))
        key, unit = f"v{volunteer.id}", volunteer.org_unit_id
    uid = user_id()
    leader = db.session.get(Volunteer, team.leader_id) if team is not None and team.leader_id else None
    own = uid is not None and ((volunteer is not None and volunteer.user_id == uid)
                               or (leader is not None and leader.user_id == uid))
    if not own:  # staff claim for someone else
        require("volunteer.claim.review", post.org_unit_id)
    row = PostClaim(post_id=post.id, claimant_type=post.claimant_type, volunteer_id=volunteer.id if volunteer else None,
                    team_id=team.id if team else None, claimant_key=key, state="pending", claimed_by=uid)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Refused(_("已认领此岗位")) from None
    if not post.requires_review:
        if not _take_seat(post.id):
            raise Refused(_("岗位已满"))
        row.state, row.term_end = "active", _term_end(post)
    elif db.session.scalar(select(ServicePost.active_claims < ServicePost.capacity).where(ServicePost.id == post.id)) \
            is False:
        raise Refused(_("岗位已满"))
    db.session.flush()
    del unit
    emit(ClaimChanged(claim_id=row.id, post_id=post.id, volunteer_id=row.volunteer_id or 0, team_id=row.team_id or 0,
                      state=row.state))
    return row


def _claimant_users(row: PostClaim) -> set[int]:
    if row.team_id:
        return team_user_ids(row.team_id)
    vol = db.session.get(Volunteer, row.volunteer_id)
    return {vol.user_id} if vol and vol.user_id else set()


def _move(row: PostClaim, to: str, frm: tuple[str, ...], **values) -> None:
    """Change state only from ``frm``: a parallel decision on the same claim loses with 409."""
    done = db.session.execute(update(PostClaim).where(PostClaim.id == row.id, PostClaim.state.in_(frm))
                              .values(state=to, **values).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        fresh = db.session.execute(select(PostClaim).where(PostClaim.id == row.id)
                                   .execution_options(populate_existing=True)).scalar_one()
        raise Stale("volunteer/_claim_row.html", c=fresh, decided=True, states=CLAIM_STATES)
    db.session.refresh(row)


def confirm(row: PostClaim) -> PostClaim:
    """The community confirms a pending claim; the seat is re-checked at this moment."""
    post = db.session.get(ServicePost, row.post_id)
    require("volunteer.claim.review", post.org_unit_id)
    if user_id() in _claimant_users(row):
        raise Refused(_("不能确认自己（或本队）的认领"))
    if row.state != "pending":
        raise Refused(_("该认领已处理"))
    if not _take_seat(post.id):
        raise Refused(_("岗位已满"))
    _move(row, "active", ("pending",), decided_by=user_id(), decided_at=clock.utcnow(), term_end=_term_end(post))
    _after(row)
    return row


def reject(row: PostClaim, reason: str) -> PostClaim:
    post = db.session.get(ServicePost, row.post_id)
    require("volunteer.claim.review", post.org_unit_id)
    _move(row, "rejected", ("pending",), decided_by=user_id(), decided_at=clock.utcnow(), end_reason=reason)
    _after(row)
    return row


def end(row: PostClaim, how: str, reason: str = "") -> PostClaim:
    """withdraw (the claimant), revoke (staff, with a reason) or complete (the term ran out)."""
    post = db.session.get(ServicePost, row.post_id)
    if how == "withdrawn":
        if user_id() is not None and user_id() not in _claimant_users(row):
            require("volunteer.claim.review", post.org_unit_id)
    elif how == "revoked":
        require("volunteer.claim.review", post.org_unit_id)
        if not reason:
            raise Refused(_("撤销认领须说明原因"))
    was_active = row.state == "active"
    _move(row, how, ("active", "pending") if how == "withdrawn" else ("active",), ended_at=clock.utcnow(),
          end_reason=reason or None)
    if was_active:
        _free_seat(post.id)
    _after(row)
    return row


def _after(row: PostClaim) -> None:
    emit(ClaimChanged(claim_id=row.id, post_id=row.post_id, volunteer_id=row.volunteer_id or 0,
                      team_id=row.team_id or 0, state=row.state))
    users = _claimant_users(row)
    if users:
        api.notify(users, f"岗位认领：{row.state}", "volunteer.posts", source="volunteer")


#: open posts shown a page at a time (a street publishes hundreds)
POSTS_PAGE = 50


def open_posts(unit_ids=None, kind: str | None = None, after: str | None = None):
    """One page of open posts, oldest first: a ``KeysetPage`` whose ``rows`` are the posts."""
    stmt = select(ServicePost).where(ServicePost.status == "open")
    if kind:
        stmt = stmt.where(ServicePost.kind == kind)
    if unit_ids is not None:
        stmt = stmt.where(ServicePost.org_unit_id.in_(unit_ids))
    return api.keyset_page(stmt, (ServicePost.id,), after, POSTS_PAGE)


def pending_claims(unit_ids=None) -> list[tuple[PostClaim, ServicePost]]:
    stmt = select(PostClaim, ServicePost).join(ServicePost, ServicePost.id == PostClaim.post_id).where(
        PostClaim.state == "pending")
    if unit_ids is not None:
        stmt = stmt.where(ServicePost.org_unit_id.in_(unit_ids))
    return list(db.session.execute(stmt.order_by(PostClaim.id).limit(200)))


def employer_report(start, end_) -> list[dict]:
    """Each employer organisation's in-service members: their active claims and approved hours in
    the quarter (双报到 feedback to the employer)."""
    from ..models import ServiceRecord
    claims = dict(db.session.execute(select(Volunteer.employer, func.count(PostClaim.id)).join(
        PostClaim, PostClaim.volunteer_id == Volunteer.id).where(
        PostClaim.state == "active", Volunteer.employer.is_not(None)).group_by(Volunteer.employer)).all())
    members = dict(db.session.execute(select(Volunteer.employer, func.count(Volunteer.id)).where(
        Volunteer.employer.is_not(None)).group_by(Volunteer.employer)).all())
    minutes = dict(db.session.execute(select(Volunteer.employer, func.sum(ServiceRecord.minutes_credited)).join(
        ServiceRecord, ServiceRecord.volunteer_id == Volunteer.id).where(
        ServiceRecord.state == "approved", ServiceRecord.service_date >= start, ServiceRecord.service_date <= end_,
        Volunteer.employer.is_not(None)).group_by(Volunteer.employer)).all())
    return [{"employer": e, "members": members[e], "claims": claims.get(e, 0), "minutes": int(minutes.get(e) or 0)}
            for e in sorted(members)]


def flag_dormant(today, weeks: int = 8) -> int:
    """Flag active claims with no approved service for ``weeks`` (挂名认领) for review; a claim is
    never revoked automatically. A claim whose holder served again loses the flag."""
    from datetime import datetime, time

    from ..models import ServiceRecord
    cutoff = today - timedelta(weeks=weeks)
    served = select(ServiceRecord.volunteer_id).where(ServiceRecord.state == "approved",
                                                      ServiceRecord.service_date >= cutoff)
    since = datetime.combine(cutoff, time(0), tzinfo=clock.SHANGHAI)
    flagged = db.session.execute(update(PostClaim).where(
        PostClaim.state == "active", PostClaim.volunteer_id.is_not(None), PostClaim.dormant.is_(False),
        PostClaim.claimed_at < since, PostClaim.volunteer_id.not_in(served)).values(dormant=True)
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(update(PostClaim).where(PostClaim.dormant.is_(True), PostClaim.volunteer_id.in_(served))
                       .values(dormant=False).execution_options(synchronize_session=False))
    return flagged
