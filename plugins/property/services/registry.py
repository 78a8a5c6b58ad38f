"""Compound profiles, property companies and their staff accounts, owners' and management committees."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import db, OrgUnit, Refused

from ..models import CompanyStaff, CompoundProfile, GovernanceBody, PropertyCompany


def profile_of(compound: OrgUnit, create: bool = False) -> CompoundProfile | None:
    row = db.session.scalar(select(CompoundProfile).where(CompoundProfile.compound_id == compound.id))
    if row is None and create:
        row = CompoundProfile(compound_id=compound.id)
        db.session.add(row)
        db.session.flush()
    return row


def save_profile(compound: OrgUnit, data: dict) -> CompoundProfile:
    if compound.kind != "compound":
        raise Refused(_("只能为小区建立档案"))
    row = profile_of(compound, create=True)
    for key, value in data.items():
        setattr(row, key, value)
    row.updated_at = api.clock.utcnow()
    db.session.flush()
    return row


def companies(kind: str | None = None) -> list[PropertyCompany]:
    stmt = select(PropertyCompany).where(PropertyCompany.status == "active").order_by(PropertyCompany.name)
    if kind:
        stmt = stmt.where(PropertyCompany.kind == kind)
    return list(db.session.scalars(stmt))


def add_company(data: dict) -> PropertyCompany:
    if db.session.scalar(select(PropertyCompany.id).where(PropertyCompany.uscc == data["uscc"])):
        raise Refused(_("该统一社会信用代码已登记"))
    row = PropertyCompany(**data)
    if data.get("credit_grade"):
        row.credit_history = [{"grade": data["credit_grade"], "on": api.clock.utcnow().date().isoformat()}]
    db.session.add(row)
    db.session.flush()
    return row


def set_grade(company: PropertyCompany, grade: str) -> PropertyCompany:
    company.credit_grade = grade
    company.credit_history = [*company.credit_history, {"grade": grade, "on": api.clock.utcnow().date().isoformat()}]
    db.session.flush()
    return company


def add_staff(company: PropertyCompany, username: str, title: str = "") -> CompanyStaff:
    """Link an existing account of this tenant to the company: from now on it sees only the company's compounds."""
    account = db.session.scalar(select(api.Account).where(api.Account.username == username))
    if account is None or not _member(account.id):
        raise Refused(_("本单位没有这个账号，请先在用户管理中建立账号"))
    row = db.session.scalar(select(CompanyStaff).where(CompanyStaff.company_id == company.id,
                                                       CompanyStaff.user_id == account.id))
    if row is None:
        row = CompanyStaff(company_id=company.id, user_id=account.id, title=title)
        db.session.add(row)
    row.active, row.title = True, title or row.title
    db.session.flush()
    api.audit.record("property.company.staff", "property__company_staff", row.id, company_id=company.id, added=True)
    return row


def remove_staff(row: CompanyStaff) -> CompanyStaff:
    row.active = False
    db.session.flush()
    api.audit.record("property.company.staff", "property__company_staff", row.id, company_id=row.company_id,
                     added=False)
    return row


def _member(user_id: int) -> bool:
    """The account works in this tenant (holds the provider permission somewhere in it)."""
    return user_id in api.users_holding("property.ticket.provider")


def staff_of(company: PropertyCompany) -> list[tuple[CompanyStaff, str]]:
    rows = db.session.execute(select(CompanyStaff, api.Account.display_name)
                              .join(api.Account, api.Account.id == CompanyStaff.user_id)
                              .where(CompanyStaff.company_id == company.id, CompanyStaff.active.is_(True))
                              .order_by(CompanyStaff.id))
    return list(rows)


def bodies_of(compound: OrgUnit) -> list[GovernanceBody]:
    return list(db.session.scalars(select(GovernanceBody).where(GovernanceBody.compound_id == compound.id)
                                   .order_by(GovernanceBody.term_start.desc())))


def add_body(compound: OrgUnit, data: dict) -> GovernanceBody:
    members = []
    for line in (data.pop("members", "") or "").splitlines():
        name = line.strip()
        if name:
            members.append({"name": name.lstrip("★").strip(), "party_member": name.startswith("★")})
    for old in bodies_of(compound):
        if old.status == "active" and old.term_end >= data["term_start"]:
            old.status = "ended"
    row = GovernanceBody(compound_id=compound.id, members=members, **data)
    db.session.add(row)
    db.session.flush()
    return row


def term_alert_due(body: GovernanceBody, on: date) -> int | None:
    """The alert (60 or 30 days before the term ends) due on ``on`` and not sent yet."""
    left = (body.term_end - on).days
    for mark in (30, 60):
        if 0 <= left <= mark and mark not in (body.alerts_sent or []):
            return mark
    return None
