"""岗位: post cards with their remaining seats, 认领 in place, the review queue, the employer report."""
from __future__ import annotations

from datetime import date

from flask import render_template, request, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import OrgUnit, arg, db, form_action, get_or_404, requires

from ..models import PostClaim, ServicePost, Team, Volunteer
from ..models.people import ROLES
from ..models.posts import CLAIM_STATES, POST_KINDS
from ..schemas import PostIn
from ..services import people, posts
from .common import act, communities, in_scope, scope


def _names() -> dict:
    return dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "community")).all())


def _context(**kw):
    kind = request.args.get("kind")
    kind = kind if kind in POST_KINDS else None
    me = people.mine()
    my_teams = []
    if me is not None:
        from ..models import TeamMember
        my_teams = list(db.session.scalars(select(Team).join(TeamMember, TeamMember.team_id == Team.id).where(
            TeamMember.volunteer_id == me.id, TeamMember.left_on.is_(None), Team.leader_id == me.id)))
    page = posts.open_posts(scope(), kind, request.args.get("after"))
    return {"posts": page.rows, "posts_page": page, "kind": kind, "kinds": POST_KINDS, "roles": ROLES,
            "names": _names(), "me": me, "my_teams": my_teams, "communities": communities("volunteer.post.manage"),
            "manage": api.has("volunteer.post.manage"), "errors": {}, "form": {}, **kw}


@requires("volunteer.view")
def posts_page():
    return render_template("volunteer/posts.html", **_context())


@requires("volunteer.post.manage")
def create_post():
    return form_action(PostIn(), posts.create_post, page="volunteer/posts.html", fragment="volunteer/_post_form.html",
                       form_id="post-form", context=_context, done=lambda p: url_for("volunteer.posts"),
                       message=_("已发布岗位"))


def _card(post_id: int):
    return lambda _r=None: {"p": db.session.get(ServicePost, post_id), "names": _names(), "kinds": POST_KINDS,
                            "roles": ROLES, "me": people.mine(), "my_teams": []}


@requires("volunteer.view")
def claim(post_id: int):
    """认领: the signed-in volunteer claims for themselves, a team leader for their team, staff for
    a volunteer they pick. Answers the updated card; a full post answers 岗位已满 in place."""
    post = get_or_404(ServicePost, post_id)
    vol_id, team_id = api.as_id(request.form.get("volunteer_id", "")), api.as_id(request.form.get("team_id", ""))

    def run():
        if team_id:
            team = db.session.get(Team, team_id)
            if team is None:
                raise api.Refused(_("没有这支队伍"))
            me = people.mine()
            if me is None or team.leader_id != me.id:
                people.require("volunteer.claim.review", post.org_unit_id)
            return posts.claim(post, team=team)
        vol = db.session.get(Volunteer, vol_id) if vol_id else people.mine()
        if vol is None:
            raise api.Refused(_("您还不是登记的志愿者"))
        return posts.claim(post, volunteer=vol)
    return act(run, fragment="volunteer/_post_card.html", context=_card(post.id),
               done=url_for("volunteer.posts"), message=_("已提交认领"))


def _queue_context(**kw):
    within = scope("volunteer.claim.review")
    rows = posts.pending_claims(within)
    names = dict(db.session.execute(select(Volunteer.id, Volunteer.name).where(
        Volunteer.id.in_([c.volunteer_id for c, _p in rows if c.volunteer_id]))).all())
    teams = dict(db.session.execute(select(Team.id, Team.name).where(
        Team.id.in_([c.team_id for c, _p in rows if c.team_id]))).all())
    dormant = list(db.session.execute(in_scope(select(PostClaim, ServicePost).join(
        ServicePost, ServicePost.id == PostClaim.post_id).where(PostClaim.state == "active", PostClaim.dormant.is_(True)),
        ServicePost.org_unit_id, "volunteer.claim.review").limit(200)))
    return {"rows": rows, "names": names, "teams": teams, "dormant": dormant, "states": CLAIM_STATES, **kw}


@requires("volunteer.claim.review")
def claims_queue():
    return render_template("volunteer/claims.html", **_queue_context())


def _claim_row(claim_id: int):
    def ctx(_r=None):
        c = db.session.get(PostClaim, claim_id)
        return {"c": c, "p": db.session.get(ServicePost, c.post_id), "states": CLAIM_STATES,
                "who": _claimant_name(c)}
    return ctx


def _claimant_name(c: PostClaim) -> str:
    if c.team_id:
        return db.session.scalar(select(Team.name).where(Team.id == c.team_id)) or ""
    return db.session.scalar(select(Volunteer.name).where(Volunteer.id == c.volunteer_id)) or ""


@requires("volunteer.claim.review")
def confirm_claim(claim_id: int):
    c = get_or_404(PostClaim, claim_id)
    return act(lambda: posts.confirm(c), fragment="volunteer/_claim_row.html", context=_claim_row(c.id),
               done=url_for("volunteer.claims_queue"), message=_("已确认认领"))


@requires("volunteer.claim.review")
def reject_claim(claim_id: int):
    c = get_or_404(PostClaim, claim_id)
    reason = (request.form.get("reason") or "").strip()[:200] or "不符合岗位要求"
    return act(lambda: posts.reject(c, reason), fragment="volunteer/_claim_row.html", context=_claim_row(c.id),
               done=url_for("volunteer.claims_queue"), message=_("已退回"))


@requires("volunteer.view")
def end_claim(claim_id: int):
    """The claimant withdraws; staff revoke with a reason."""
    c = get_or_404(PostClaim, claim_id)
    reason = (request.form.get("reason") or "").strip()[:200]
    how = "revoked" if request.form.get("how") == "revoke" else "withdrawn"
    return act(lambda: posts.end(c, how, reason), done=request.referrer or url_for("volunteer.posts"),
               message=_("已结束认领"))


@requires("volunteer.export")
def employer_report():
    """Each employer organisation's in-service members: claims and approved hours in a quarter."""
    today = people.today()
    year = arg("year", api.parse_id) or today.year
    quarter = arg("quarter", api.parse_id) or (today.month - 1) // 3 + 1
    quarter, year = min(max(quarter, 1), 4), min(max(year, 2000), 2100)
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    from datetime import timedelta
    rows = posts.employer_report(start, end - timedelta(days=1))
    return render_template("volunteer/employers.html", rows=rows, year=year, quarter=quarter)
