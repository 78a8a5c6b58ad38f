"""志愿者 and 队伍: lists with filters, registration, a volunteer's page, teams."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from sqlalchemy import func, select

from flask_babel import gettext as _
from core import api
from core.api import Person, arg, db, form_action, get_or_404, render_page_or_fragment, requires, see_other

from ..models import LedgerEntry, LedgerTxn, PostClaim, ServicePost, ServiceRecord, Team, TeamMember, Volunteer
from ..models.activities import RECORD_STATES, SOURCES
from ..models.people import CONSENTS, KINDS, ROLES, TEAM_TYPES
from ..models.periods import REASON_CODES, TXN_TYPES
from ..models.posts import CLAIM_STATES, POST_KINDS
from ..schemas import TeamIn, VolunteerIn
from ..services import ledger, people
from .common import act, communities, in_scope

PAGE = 100


def _volunteers():
    stmt = in_scope(select(Volunteer), Volunteer.org_unit_id)
    kind, role, unit = request.args.get("kind"), request.args.get("role"), arg("community", api.parse_id)
    if unit:
        stmt = stmt.where(Volunteer.org_unit_id == unit)
    rows = list(db.session.scalars(stmt.order_by(Volunteer.id.desc()).limit(PAGE * 5)))  # kinds are a JSON list
    if kind in KINDS:
        rows = [v for v in rows if kind in v.kinds]
    if role in ROLES:
        rows = [v for v in rows if role in v.three_roles]
    return rows[:PAGE]


def _form_context(**kw):
    q = (request.args.get("q") or "").strip()
    stmt = select(Person.id, Person.name).where(Person.erased_at.is_(None)).where(
        Person.id.not_in(select(Volunteer.person_id)))
    if q:
        stmt = stmt.where(Person.name.contains(q))
    candidates = list(db.session.execute(stmt.order_by(Person.id).limit(200)))
    return {"volunteers": _volunteers(), "kinds": KINDS, "roles": ROLES, "consents": CONSENTS,
            "candidates": candidates, "communities": communities(), "errors": {}, "form": {}, **kw}


@requires("volunteer.view")
def volunteers():
    return render_page_or_fragment("volunteer/volunteers.html", "volunteer/_volunteer_rows.html", "volunteer-rows",
                                   **_form_context())


@requires("volunteer.register")
def register():
    return form_action(VolunteerIn(), people.register, page="volunteer/volunteers.html",
                       fragment="volunteer/_register_form.html", form_id="register-form", context=_form_context,
                       done=lambda v: url_for("volunteer.volunteer", volunteer_id=v.id), message=_("已登记"))


STATEMENT_PAGE = 50


def _statement(vol: Volunteer, currency: str, after: str | None) -> api.KeysetPage | None:
    """One page of an account's journal lines, newest first, with the running balance: counted back
    from the cached balance (on a later page, less what the newer lines moved). A constant number of
    queries, and the first page costs the same however long the history."""
    acc = db.session.scalar(select(ledger.LedgerAccount.id).where(
        ledger.LedgerAccount.owner_type == ledger.MEMBER, ledger.LedgerAccount.owner_id == vol.id,
        ledger.LedgerAccount.currency == currency, ledger.LedgerAccount.kind == "member"))
    if acc is None:
        return None
    page = api.keyset_page(
        select(LedgerEntry.id, LedgerEntry.amount, LedgerTxn.txn_type, LedgerTxn.business_date, LedgerTxn.memo,
               LedgerTxn.late_posting).join(LedgerTxn, LedgerTxn.id == LedgerEntry.txn_id)
        .where(LedgerEntry.account_id == acc), (LedgerEntry.id.desc(),), after, STATEMENT_PAGE)
    running = ledger.balance(acc)
    if not page.first and page.rows:
        running -= db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.account_id == acc, LedgerEntry.id > page.rows[0].id)) or 0
    lines = []
    for row in page.rows:
        lines.append({"amount": row.amount, "type": row.txn_type, "day": row.business_date, "memo": row.memo,
                      "late": row.late_posting, "balance": running})
        running -= row.amount
    return api.KeysetPage(rows=lines, next_cursor=page.next_cursor, limit=page.limit, first=page.first)


@requires("volunteer.view")
def volunteer(volunteer_id: int):
    vol = get_or_404(Volunteer, volunteer_id)
    return _volunteer_page(vol)


def volunteer_context(vol: Volunteer, **kw) -> dict:
    """Everything the volunteer's page shows; the lists are pages of a fixed size."""
    unit = api.org_unit(vol.org_unit_id)
    claims = list(db.session.execute(select(PostClaim, ServicePost.title, ServicePost.kind).join(
        ServicePost, ServicePost.id == PostClaim.post_id).where(PostClaim.volunteer_id == vol.id)
        .order_by(PostClaim.id.desc()).limit(50)))
    records = list(db.session.scalars(select(ServiceRecord).where(ServiceRecord.volunteer_id == vol.id)
                                      .order_by(ServiceRecord.service_date.desc(), ServiceRecord.id.desc()).limit(50)))
    teams = list(db.session.execute(select(Team.id, Team.name).join(TeamMember, TeamMember.team_id == Team.id).where(
        TeamMember.volunteer_id == vol.id, TeamMember.left_on.is_(None))))
    from ..models import Certificate
    certs = list(db.session.scalars(select(Certificate).where(Certificate.volunteer_id == vol.id)
                                    .order_by(Certificate.id.desc()).limit(50)))
    return {"vol": vol, "unit": unit, "s": people.summary(vol), "claims": claims, "records": records, "teams": teams,
            "certs": certs, "points": _statement(vol, "POINTS", request.args.get("points_after")),
            "hours": _statement(vol, "HOURS", request.args.get("hours_after")), "claim_states": CLAIM_STATES,
            "post_kinds": POST_KINDS, "record_states": RECORD_STATES, "sources": SOURCES, "roles": ROLES,
            "kinds": KINDS, "consents": CONSENTS, "txn_types": TXN_TYPES, "reasons": REASON_CODES,
            "manage": api.can("volunteer.register", unit), "adjust": api.can("volunteer.ledger.adjust", unit),
            "void": api.can("volunteer.record.void", unit), "errors": {}, "form": {}, **kw}


def _volunteer_page(vol: Volunteer):
    unit = api.org_unit(vol.org_unit_id)
    if not (api.can("volunteer.view", unit) or vol.user_id == api.current().user_id):
        abort(404)
    return render_template("volunteer/volunteer.html", **volunteer_context(vol))


@requires("volunteer.view")
def me():
    vol = people.mine()
    if vol is None:
        return render_template("volunteer/not_registered.html")
    return _volunteer_page(vol)


@requires("volunteer.register")
def certify(volunteer_id: int):
    vol = get_or_404(Volunteer, volunteer_id)
    role = request.form.get("role", "")

    def run():
        people.require("volunteer.register", vol.org_unit_id)
        return people.certify(vol, role)
    return act(run, done=url_for("volunteer.volunteer", volunteer_id=vol.id), message=_("已认定"))


@requires("volunteer.register")
def link_account(volunteer_id: int):
    vol = get_or_404(Volunteer, volunteer_id)
    username = (request.form.get("username") or "").strip()

    def run():
        people.require("volunteer.register", vol.org_unit_id)
        return people.link_account(vol, username)
    return act(run, done=url_for("volunteer.volunteer", volunteer_id=vol.id), message=_("已关联账号"))


@requires("volunteer.view")
def consent(volunteer_id: int):
    """The volunteer (or staff) chooses how their name appears on public boards."""
    vol = get_or_404(Volunteer, volunteer_id)
    choice = request.form.get("board_consent", "")

    def run():
        if choice not in CONSENTS:
            raise api.Refused(_("请从列表中选择"))
        if vol.user_id != api.current().user_id:
            people.require("volunteer.register", vol.org_unit_id)
        if vol.minor and choice == "full_name":
            raise api.Refused(_("未成年志愿者只能打码公示"))
        vol.board_consent = choice
        db.session.flush()
        return vol
    return act(run, done=url_for("volunteer.volunteer", volunteer_id=vol.id), message=_("已保存"))


def _teams_context(**kw):
    stmt = in_scope(select(Team), Team.org_unit_id)
    teams = list(db.session.scalars(stmt.order_by(Team.org_unit_id, Team.id).limit(500)))
    sizes = dict(db.session.execute(select(TeamMember.team_id, func.count()).where(TeamMember.left_on.is_(None))
                                    .group_by(TeamMember.team_id)).all())
    claims = dict(db.session.execute(select(PostClaim.team_id, func.count()).where(
        PostClaim.state == "active", PostClaim.team_id.is_not(None)).group_by(PostClaim.team_id)).all())
    leaders = in_scope(select(Volunteer.id, Volunteer.name), Volunteer.org_unit_id, "volunteer.team.manage")
    return {"teams": teams, "sizes": sizes, "claims": claims, "types": TEAM_TYPES,
            "communities": communities("volunteer.team.manage"),
            "leaders": list(db.session.execute(leaders.order_by(Volunteer.id).limit(300))),
            "names": dict(db.session.execute(select(api.OrgUnit.id, api.OrgUnit.name).where(
                api.OrgUnit.kind == "community")).all()), "errors": {}, "form": {}, **kw}


@requires("volunteer.view")
def teams():
    return render_template("volunteer/teams.html", **_teams_context())


@requires("volunteer.team.manage")
def create_team():
    return form_action(TeamIn(), people.create_team, page="volunteer/teams.html", fragment="volunteer/_team_form.html",
                       form_id="team-form", context=_teams_context,
                       done=lambda t: url_for("volunteer.team", team_id=t.id), message=_("已建立队伍"))


@requires("volunteer.view")
def team(team_id: int):
    t = get_or_404(Team, team_id)
    members = list(db.session.execute(select(TeamMember, Volunteer.name).join(
        Volunteer, Volunteer.id == TeamMember.volunteer_id).where(TeamMember.team_id == t.id)
        .order_by(TeamMember.left_on.is_not(None), TeamMember.id)))
    claims = list(db.session.execute(select(PostClaim, ServicePost.title).join(
        ServicePost, ServicePost.id == PostClaim.post_id).where(PostClaim.team_id == t.id).order_by(PostClaim.id)))
    candidates = list(db.session.execute(select(Volunteer.id, Volunteer.name).where(
        Volunteer.org_unit_id == t.org_unit_id).order_by(Volunteer.id).limit(300)))
    return render_template("volunteer/team.html", t=t, members=members, claims=claims, candidates=candidates,
                           types=TEAM_TYPES, claim_states=CLAIM_STATES, unit=api.org_unit(t.org_unit_id),
                           manage=api.can("volunteer.team.manage", api.org_unit(t.org_unit_id)))


@requires("volunteer.team.manage")
def team_join(team_id: int):
    t = get_or_404(Team, team_id)
    vol_id = api.as_id(request.form.get("volunteer_id", ""))

    def run():
        people.require("volunteer.team.manage", t.org_unit_id)
        vol = db.session.get(Volunteer, vol_id) if vol_id else None
        if vol is None:
            raise api.Refused(_("请选择志愿者"))
        return people.join(t, vol)
    return act(run, done=url_for("volunteer.team", team_id=t.id), message=_("已加入队伍"))


def go(endpoint: str, **kw):
    return see_other(url_for(endpoint, **kw))
