"""组织建设 figures counted from rows: the tree, leaders linked to communities, 一肩挑, the two
committees' education now and last term, young cadres, joint Party organisations and Party
members by 五管合一 category. Nothing here is a typed-in constant.

Everything runs in the current tenant context: a street counts its own rows; a district page (or
``jiceng org stats``) widens ``visible`` to its streets first and counts theirs, read-only. The
ORM guard (and RLS on PostgreSQL) keeps every query inside ``visible``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..db import db
from .models import COLLEGE_LEVELS, MGMT_CATEGORIES, CommitteeMember, LeaderLink, OrgUnit, PartyOrg, Person

JOINT = "联合党组织"


def pct(n: int, d: int) -> Decimal:
    """A share in per cent, one decimal, rounded half up (23 / 37 → 62.2)."""
    if not d:
        return Decimal("0.0")
    return (Decimal(100 * n) / Decimal(d)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _previous_term():
    """Seats of each community's most recently ended term."""
    other = aliased(CommitteeMember)
    latest = (select(func.max(other.term_end)).where(other.tenant_id == CommitteeMember.tenant_id,
                                                    other.community_id == CommitteeMember.community_id)
              .correlate(CommitteeMember).scalar_subquery())
    return and_(CommitteeMember.term_end.is_not(None), CommitteeMember.term_end == latest)


CURRENT = CommitteeMember.term_end.is_(None)
COLLEGE = CommitteeMember.education.in_(COLLEGE_LEVELS)


def _linked_communities():
    """Leader links whose community exists in a street this context reads."""
    return (select(LeaderLink.leader_id, LeaderLink.street_id, LeaderLink.community_code, OrgUnit.id.label("unit_id"),
                   OrgUnit.name.label("community"))
            .join(OrgUnit, and_(OrgUnit.tenant_id == LeaderLink.street_id, OrgUnit.code == LeaderLink.community_code,
                                OrgUnit.kind == "community")))


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def _seats(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(CommitteeMember).where(*conditions)) or 0


def compute(streets: int) -> dict:
    """The figures of what the context reads; ``streets`` is how many street tenants that is."""
    units = dict(db.session.execute(select(OrgUnit.kind, func.count()).where(
        OrgUnit.kind.in_(("community", "compound", "grid", "household"))).group_by(OrgUnit.kind)).all())
    links = _linked_communities().subquery()
    secretaries = _seats(CURRENT, CommitteeMember.secretary)
    yijiantiao = _seats(CURRENT, CommitteeMember.secretary, CommitteeMember.director)
    members, college = _seats(CURRENT), _seats(CURRENT, COLLEGE)
    before, before_college = _seats(_previous_term()), _seats(_previous_term(), COLLEGE)
    gain = Decimal(0)
    if members and before:
        gain = (Decimal(100 * college) / members - Decimal(100 * before_college) / before).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)
    categories = dict(db.session.execute(select(Person.mgmt_category, func.count()).where(
        Person.party_member, Person.erased_at.is_(None), Person.mgmt_category.is_not(None))
        .group_by(Person.mgmt_category)).all())
    return {
        "streets": streets,
        "communities": units.get("community", 0),
        "compounds": units.get("compound", 0),
        "grids": units.get("grid", 0),
        "households": units.get("household", 0),
        "leaders": _count(select(links.c.leader_id).distinct()),
        "leader_links": _count(select(links.c.leader_id, links.c.unit_id)),
        "linked_communities": _count(select(links.c.unit_id).distinct()),
        "secretaries": secretaries,
        "yijiantiao": yijiantiao,
        "yijiantiao_pct": pct(yijiantiao, secretaries),
        "committee": members,
        "committee_college": college,
        "committee_college_pct": pct(college, members),
        "previous_committee": before,
        "previous_college": before_college,
        "previous_college_pct": pct(before_college, before),
        "college_gain_points": gain,
        "young_cadres": _seats(CURRENT, CommitteeMember.young_cadre),
        "joint_party_orgs": db.session.scalar(select(func.count()).select_from(PartyOrg).where(PartyOrg.kind == JOINT)) or 0,
        "party_members_by_category": {c: categories.get(c, 0) for c in MGMT_CATEGORIES},
    }


def as_json(figures: dict) -> dict:
    """Decimals as numbers with one decimal place, for ``--format json``."""
    return {k: (float(v) if isinstance(v, Decimal) else v) for k, v in figures.items()}


# --- who is behind a figure --------------------------------------------------------------------


@dataclass(frozen=True)
class Behind:
    title: object
    #: "people" rows carry a masked name; "orgs" rows are organisations
    kind: str = "people"


BEHIND = {
    "leaders": Behind(_l("直连社区的县级领导干部")),
    "secretaries": Behind(_l("社区党组织书记")),
    "yijiantiao": Behind(_l("书记、主任“一肩挑”")),
    "committee": Behind(_l("本届“两委”成员")),
    "committee_college": Behind(_l("本届“两委”成员中大专及以上学历")),
    "previous_committee": Behind(_l("上届“两委”成员")),
    "previous_college": Behind(_l("上届“两委”成员中大专及以上学历")),
    "young_cadres": Behind(_l("年轻干部")),
    "joint_party_orgs": Behind(_l("“区直+社区”联合党组织"), kind="orgs"),
    **{f"category-{c}": Behind(c) for c in MGMT_CATEGORIES},
}

SEAT_FILTERS = {
    "secretaries": lambda: (CURRENT, CommitteeMember.secretary),
    "yijiantiao": lambda: (CURRENT, CommitteeMember.secretary, CommitteeMember.director),
    "committee": lambda: (CURRENT,),
    "committee_college": lambda: (CURRENT, COLLEGE),
    "previous_committee": lambda: (_previous_term(),),
    "previous_college": lambda: (_previous_term(), COLLEGE),
    "young_cadres": lambda: (CURRENT, CommitteeMember.young_cadre),
}


@dataclass
class Row:
    id: int
    tenant_id: int
    name: str
    phone: str | None
    place: str
    detail: str


def behind(figure: str, after: int | None = None, limit: int = 50, within=None) -> tuple[list[Row], bool]:
    """One page (keyset on id) of who or what a figure counts, and whether there is more;
    ``within`` (a select of org unit ids) keeps only people and organisations placed there."""
    rows: list[Row] = []
    if figure in SEAT_FILTERS:
        stmt = (select(Person.id, Person.tenant_id, Person.name, Person.phone, CommitteeMember.community_id,
                       CommitteeMember.education, CommitteeMember.secretary, CommitteeMember.director,
                       CommitteeMember.joined_on)
                .join(CommitteeMember, and_(CommitteeMember.tenant_id == Person.tenant_id,
                                            CommitteeMember.person_id == Person.id))
                .where(*SEAT_FILTERS[figure]()))
        if within is not None:
            stmt = stmt.where(Person.org_unit_id.in_(within))
        if after:
            stmt = stmt.where(Person.id > after)
        found = db.session.execute(stmt.order_by(Person.id).limit(limit + 1)).all()
        names = _unit_names({r.community_id for r in found})
        for r in found:
            posts = "、".join(p for p, on in ((_("书记"), r.secretary), (_("主任"), r.director)) if on) or _("委员")
            detail = f"{posts} · {r.education}" + (f" · {r.joined_on.isoformat()}" if figure == "young_cadres" else "")
            rows.append(Row(r.id, r.tenant_id, r.name, r.phone, names.get(r.community_id, ""), detail))
    elif figure == "leaders":
        links = _linked_communities().subquery()
        stmt = select(Person.id, Person.tenant_id, Person.name, Person.phone).where(
            Person.id.in_(select(links.c.leader_id)))
        if within is not None:
            stmt = stmt.where(Person.org_unit_id.in_(within))
        if after:
            stmt = stmt.where(Person.id > after)
        found = db.session.execute(stmt.order_by(Person.id).limit(limit + 1)).all()
        communities: dict[int, list[str]] = {}
        for leader_id, community in db.session.execute(select(links.c.leader_id, links.c.community).where(
                links.c.leader_id.in_([r.id for r in found])).order_by(links.c.community)):
            communities.setdefault(leader_id, []).append(community)
        rows = [Row(r.id, r.tenant_id, r.name, r.phone, "、".join(communities.get(r.id, [])), "") for r in found]
    elif figure == "joint_party_orgs":
        stmt = select(PartyOrg).where(PartyOrg.kind == JOINT)
        if within is not None:
            stmt = stmt.where(PartyOrg.org_unit_id.in_(within))
        if after:
            stmt = stmt.where(PartyOrg.id > after)
        found = db.session.scalars(stmt.order_by(PartyOrg.id).limit(limit + 1)).all()
        names = _unit_names({p.org_unit_id for p in found if p.org_unit_id})
        rows = [Row(p.id, p.tenant_id, p.name, None, names.get(p.org_unit_id, ""), "") for p in found]
    elif figure.startswith("category-") and figure.removeprefix("category-") in MGMT_CATEGORIES:
        stmt = select(Person).where(Person.party_member, Person.erased_at.is_(None),
                                    Person.mgmt_category == figure.removeprefix("category-"))
        if within is not None:
            stmt = stmt.where(Person.org_unit_id.in_(within))
        if after:
            stmt = stmt.where(Person.id > after)
        found = db.session.scalars(stmt.order_by(Person.id).limit(limit + 1)).all()
        names = _unit_names({p.org_unit_id for p in found if p.org_unit_id})
        rows = [Row(p.id, p.tenant_id, p.name, p.phone, names.get(p.org_unit_id, ""), p.mgmt_category) for p in found]
    else:
        raise KeyError(figure)
    return rows[:limit], len(rows) > limit


def _unit_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).all())
