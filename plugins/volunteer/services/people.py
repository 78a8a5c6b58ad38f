"""Volunteers from the people registry, the three roles of retired members, and teams."""
from __future__ import annotations

from sqlalchemy import func, select

from flask_babel import gettext as _
from core import api
from core.api import Refused, clock, db, emit

from ..events import RoleCertified
from ..models import PostClaim, ServiceRecord, Registration, Team, TeamMember, Volunteer
from ..models.people import KINDS, ROLES
from . import ledger
from .common import community_of, require, today, user_id


def register(data: dict) -> Volunteer:
    """Register a person as a volunteer (or add a kind to their record): one row per person."""
    person = api.person(data["person_id"])
    if person is None or person.erased_at is not None:
        raise Refused(_("人员库中没有这个人"))
    unit = community_of(person.org_unit_id)
    if unit is None:
        raise Refused(_("请先在人员库中为此人填写所属社区或网格"))
    require("volunteer.register", unit.id)
    kind = data["kind"]
    if kind in ("in_service_member", "retired_member") and not person.party_member:
        raise Refused(_("在职党员、退休党员须为人员库中的党员"))
    vol = db.session.scalar(select(Volunteer).where(Volunteer.person_id == person.id))
    if vol is None:
        vol = Volunteer(person_id=person.id, org_unit_id=unit.id, name=person.name, kinds=[],
                        board_consent=data.get("board_consent") or "masked", registered_on=today(),
                        employer=person.employer if kind == "in_service_member" else None)
        db.session.add(vol)
    elif kind in vol.kinds and not data.get("role"):
        raise Refused(_("此人已登记为该类志愿者"))
    if kind not in vol.kinds:
        vol.kinds = [*vol.kinds, kind]
    if kind == "in_service_member" and not vol.employer:
        vol.employer = person.employer
    if data.get("board_consent"):
        vol.board_consent = data["board_consent"]
    db.session.flush()
    if data.get("role"):
        certify(vol, data["role"])
    return vol


def certify(vol: Volunteer, role: str) -> Volunteer:
    """Certify a retired member in one of the three roles (政策宣传员、民情速递员、矛盾调解员)."""
    if role not in ROLES:
        raise Refused(_("没有这个角色"))
    if "retired_member" not in vol.kinds:
        raise Refused(_("三员角色仅限退休党员"))
    if role not in vol.three_roles:
        vol.three_roles = {**vol.three_roles, role: today().isoformat()}
        db.session.flush()
        emit(RoleCertified(volunteer_id=vol.id, person_id=vol.person_id, role=role))
    return vol


def has_role(person_id: int, role: str) -> bool:
    """Whether a person holds one of the three roles (for other plugins' hook ``volunteer_has_role``)."""
    roles = db.session.scalar(select(Volunteer.three_roles).where(Volunteer.person_id == person_id))
    return bool(roles) and role in roles


def link_account(vol: Volunteer, username: str) -> Volunteer:
    """Let a volunteer sign in as themselves (claim posts, check in): their account, by user name."""
    account = db.session.scalar(select(api.Account).where(api.Account.username == username))
    if account is None:
        raise Refused(_("没有这个账号"))
    vol.user_id = account.id
    db.session.flush()
    return vol


def mine() -> Volunteer | None:
    """The signed-in user's own volunteer record."""
    uid = user_id()
    return db.session.scalar(select(Volunteer).where(Volunteer.user_id == uid)) if uid else None


def create_team(data: dict) -> Team:
    require("volunteer.team.manage", data["org_unit_id"])
    unit = api.org_unit(data["org_unit_id"])
    if unit is None or unit.kind != "community":
        raise Refused(_("队伍须属于一个社区"))
    team = Team(org_unit_id=unit.id, name=data["name"], type=data["type"])
    db.session.add(team)
    db.session.flush()
    if data.get("leader_id"):
        leader = db.session.get(Volunteer, data["leader_id"])
        if leader is None:
            raise Refused(_("没有这名志愿者"))
        team.leader_id = leader.id
        join(team, leader)
    return team


def join(team: Team, vol: Volunteer) -> TeamMember:
    open_row = db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id,
                                                          TeamMember.volunteer_id == vol.id,
                                                          TeamMember.left_on.is_(None)))
    if open_row is not None:
        raise Refused(_("已是队伍成员"))
    row = TeamMember(team_id=team.id, volunteer_id=vol.id, joined_on=today())
    db.session.add(row)
    db.session.flush()
    return row


def leave(team: Team, vol: Volunteer) -> None:
    row = db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.volunteer_id == vol.id,
                                                     TeamMember.left_on.is_(None)))
    if row is None:
        raise Refused(_("不是队伍成员"))
    row.left_on = today()
    db.session.flush()


def team_user_ids(team_id: int) -> set[int]:
    """Sign-in accounts of a team's current members (they may not confirm their own team's claim)."""
    return set(db.session.scalars(select(Volunteer.user_id).join(TeamMember, TeamMember.volunteer_id == Volunteer.id)
                                  .where(TeamMember.team_id == team_id, TeamMember.left_on.is_(None),
                                         Volunteer.user_id.is_not(None))))


def summary(vol: Volunteer) -> dict:
    """What a volunteer's page shows at the top: balances (one query), counts (one query each)."""
    bal = ledger.balances(ledger.MEMBER, vol.id)
    claims = db.session.scalar(select(func.count()).select_from(PostClaim).where(
        PostClaim.volunteer_id == vol.id, PostClaim.state == "active"))
    activities = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.volunteer_id == vol.id, Registration.checked_in_at.is_not(None)))
    pending = db.session.scalar(select(func.count()).select_from(ServiceRecord).where(
        ServiceRecord.volunteer_id == vol.id, ServiceRecord.state.in_(("submitted", "needs_review", "open"))))
    return {"minutes": bal["HOURS"], "points": bal["POINTS"], "claims": claims, "activities": activities,
            "pending": pending, "in_debt": ledger.in_debt(vol.id), "kinds": [KINDS[k] for k in vol.kinds if k in KINDS],
            "roles": [ROLES[r] for r in vol.three_roles if r in ROLES]}


def now():
    return clock.utcnow()
