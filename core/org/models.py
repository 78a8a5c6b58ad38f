"""The organization tree (组织体系), Party organizations, resident units and people."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, TenantScoped, db, tenant_fk, tenant_table_args, utc_default

UNIT_KINDS = ("district", "street", "community", "compound", "grid", "building", "household")
#: Which kinds may sit under which: compounds group buildings beside the path, not on it.
CHILD_KINDS = {
    "district": ("community",),
    "street": ("community",),
    "community": ("grid", "compound"),
    "compound": (),
    "grid": ("building",),
    "building": ("household",),
    "household": (),
}
GRID_TYPES = ("residential", "exclusive")
SITE_TYPES = ("market", "school", "hospital", "office", "institution")
PARTY_KINDS = ("大党工委", "大党委", "党委", "党总支", "党支部", "党小组", "联合党组织")
MGMT_CATEGORIES = ("直管", "双重管", "接管", "参管", "统管")


class OrgUnit(TenantScoped, db.Model):
    """A node of the tree: street → community → grid → building → household; compounds beside.

    ``path`` is materialized (``/1/5/23/``) so "this node and everything under it" is one
    indexed prefix query, and a grant on a grid covers its buildings and households.
    """

    __tablename__ = "org_unit"
    __table_args__ = tenant_table_args(
        tenant_fk("parent_id", "org_unit"),
        UniqueConstraint("tenant_id", "code"),
        Index("ix_org_unit_tenant_parent", "tenant_id", "parent_id", "kind", "name"),
        Index("ix_org_unit_tenant_path", "tenant_id", "path"),
        Index("ix_org_unit_tenant_kind", "tenant_id", "kind"),
    )

    parent_id: Mapped[int | None] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(255), default="")
    attrs: Mapped[dict] = mapped_column(default=dict)
    is_central_household: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_default)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1


class OrgUnitHistory(TenantScoped, db.Model):
    """Renames and moves of a node, kept forever (append-only)."""

    __tablename__ = "org_unit_history"
    __table_args__ = tenant_table_args(tenant_fk("org_unit_id", "org_unit", ondelete="CASCADE"),
                                       Index("ix_org_unit_history_unit", "tenant_id", "org_unit_id", "at"))

    org_unit_id: Mapped[int] = mapped_column(BigId)
    action: Mapped[str] = mapped_column(String(16))  # rename | move | create
    old_value: Mapped[str | None] = mapped_column(String(255))
    new_value: Mapped[str | None] = mapped_column(String(255))
    actor_id: Mapped[int | None] = mapped_column(BigId)
    at: Mapped[datetime] = mapped_column(default=utc_default)


class CentralHouseholdLink(TenantScoped, db.Model):
    """A Party-member central household (党员中心户) keeps in touch with 5–15 households."""

    __tablename__ = "central_household_link"
    __table_args__ = tenant_table_args(
        tenant_fk("central_household_id", "org_unit"), tenant_fk("household_id", "org_unit"),
        UniqueConstraint("tenant_id", "central_household_id", "household_id"))

    central_household_id: Mapped[int] = mapped_column(BigId)
    household_id: Mapped[int] = mapped_column(BigId)
    since: Mapped[datetime] = mapped_column(default=utc_default)


class PartyOrg(TenantScoped, db.Model):
    """A Party organization (大党工委, 大党委, 党支部 …) beside the unit it leads."""

    __tablename__ = "party_org"
    __table_args__ = tenant_table_args(tenant_fk("parent_id", "party_org"), tenant_fk("org_unit_id", "org_unit"),
                                       Index("ix_party_org_unit", "tenant_id", "org_unit_id"))

    parent_id: Mapped[int | None] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(16))
    org_unit_id: Mapped[int | None] = mapped_column(BigId)
    name: Mapped[str] = mapped_column(String(100))


class ResidentUnit(TenantScoped, db.Model):
    """A unit stationed in the area (驻区单位) that takes part in co-building."""

    __tablename__ = "resident_unit"
    __table_args__ = tenant_table_args(tenant_fk("party_org_id", "party_org"), tenant_fk("org_unit_id", "org_unit"),
                                       UniqueConstraint("tenant_id", "uscc"))

    name: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str] = mapped_column(String(18))  # 统一社会信用代码
    kind: Mapped[str] = mapped_column(String(32))
    party_org_id: Mapped[int | None] = mapped_column(BigId)
    org_unit_id: Mapped[int | None] = mapped_column(BigId)


#: what a person is to the street, as the people list shows it (``Person.kinds``)
PERSON_KINDS = {"resident": _l("居民"), "party_member": _l("党员"), "grid_worker": _l("网格员"),
                "representative": _l("代表"), "cadre": _l("干部")}


class Person(TenantScoped, db.Model):
    """A resident, Party member, grid worker or representative. Phone and ID number are personal data."""

    __tablename__ = "person"
    __table_args__ = tenant_table_args(
        tenant_fk("org_unit_id", "org_unit"), tenant_fk("household_id", "org_unit"),
        tenant_fk("party_org_id", "party_org"),
        Index("ix_person_tenant_name", "tenant_id", "name"),
        Index("ix_person_tenant_initials", "tenant_id", "initials"),
        Index("ix_person_tenant_phone4", "tenant_id", "phone_last4"),
        Index("ix_person_tenant_unit", "tenant_id", "org_unit_id"),
    )
    #: columns holding personal data: masked in lists, revealed with an audited reason, erased on request.
    __pii__ = ("name", "phone", "id_number", "employer", "notes")

    org_unit_id: Mapped[int | None] = mapped_column(BigId)
    household_id: Mapped[int | None] = mapped_column(BigId)
    name: Mapped[str] = mapped_column(String(64))
    initials: Mapped[str] = mapped_column(String(32), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    id_number: Mapped[str | None] = mapped_column(String(18))
    kinds: Mapped[list] = mapped_column(default=list)  # resident, party_member, grid_worker, representative, cadre
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    party_org_id: Mapped[int | None] = mapped_column(BigId)
    mgmt_category: Mapped[str | None] = mapped_column(String(8))
    employer: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list] = mapped_column(default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_default)


EDUCATION_LEVELS = ("初中及以下", "高中", "中专", "大专", "本科", "研究生")
#: 大专及以上: what the two-committee education figure counts
COLLEGE_LEVELS = ("大专", "本科", "研究生")


class CommitteeMember(TenantScoped, db.Model):
    """A seat on a community's two committees (两委: the Party organisation and the residents'
    committee) for one term. A term still running has no ``term_end``; the previous term's seats
    stay, with the education each member had then, so "now against last term" is read from rows.
    One person holding both chairs (书记 and 主任) is 一肩挑."""

    __tablename__ = "committee_member"
    __table_args__ = tenant_table_args(
        tenant_fk("community_id", "org_unit"), tenant_fk("person_id", "person"),
        UniqueConstraint("tenant_id", "community_id", "person_id", "term_start"),
        Index("ix_committee_member_tenant_id_community_id_term_start", "tenant_id", "community_id", "term_start"),
    )

    community_id: Mapped[int] = mapped_column(BigId)
    person_id: Mapped[int] = mapped_column(BigId)
    term_start: Mapped[date]
    term_end: Mapped[date | None]
    secretary: Mapped[bool] = mapped_column(Boolean, default=False)  # 社区党组织书记
    director: Mapped[bool] = mapped_column(Boolean, default=False)  # 居委会主任
    education: Mapped[str] = mapped_column(String(8))
    #: 年轻干部: a young cadre brought onto the team, and when
    young_cadre: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_on: Mapped[date]


class LeaderLink(TenantScoped, db.Model):
    """A county-level leader of the district (a person of the district) linked to one community of
    one of its streets (县级领导干部直连社区). The district owns the link; the community is named by
    its street and code, which stay put when a street's tree is rebuilt."""

    __tablename__ = "leader_link"
    __table_args__ = tenant_table_args(
        tenant_fk("leader_id", "person"),
        UniqueConstraint("tenant_id", "leader_id", "street_id", "community_code"),
    )

    leader_id: Mapped[int] = mapped_column(BigId)
    street_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"))
    community_code: Mapped[str] = mapped_column(String(64))
    since: Mapped[date]
