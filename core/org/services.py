"""The organization tree and people. Services flush; the caller commits once."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import ValidationError
from pypinyin import Style, lazy_pinyin
from sqlalchemy import String, false, func, literal, or_, select, update

from .. import clock
from ..audit import service as audit
from ..db import db
from ..tenancy.context import current
from .models import CHILD_KINDS, OrgUnit, OrgUnitHistory, PartyOrg, Person
from .naming import natural_key


def initials(name: str) -> str:
    """Pinyin initials for search: 王甲07 → wj07."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda s: list(s))).lower()[:32]


def create_unit(parent: OrgUnit | None, kind: str, code: str, name: str, attrs: dict | None = None) -> OrgUnit:
    if parent is not None and kind not in CHILD_KINDS.get(parent.kind, ()):
        raise ValidationError({"kind": [_("该节点下不能建立此类型的下级")]})
    if db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
        raise ValidationError({"code": [_("编码已存在")]})
    unit = OrgUnit(parent_id=parent.id if parent else None, kind=kind, code=code, name=name, attrs=attrs or {})
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.add(OrgUnitHistory(org_unit_id=unit.id, action="create", new_value=name, actor_id=current().user_id))
    db.session.flush()
    return unit


def rename_unit(unit: OrgUnit, name: str) -> None:
    if name == unit.name:
        return
    db.session.add(OrgUnitHistory(org_unit_id=unit.id, action="rename", old_value=unit.name, new_value=name,
                                  actor_id=current().user_id))
    unit.name = name
    audit.record("org.rename", "org_unit", unit.id)
    db.session.flush()


def move_unit(unit: OrgUnit, new_parent: OrgUnit) -> None:
    """Move a node and its subtree; refuses cycles and kinds that cannot sit there."""
    if new_parent.path.startswith(unit.path):
        raise ValidationError({"parent_id": [_("不能把节点移动到它自己或它的下级之下")]})
    if unit.kind not in CHILD_KINDS.get(new_parent.kind, ()):
        raise ValidationError({"parent_id": [_("该节点不能放在所选节点之下")]})
    old_path, new_path = unit.path, f"{new_parent.path}{unit.id}/"
    old_parent = unit.parent_id
    db.session.execute(
        update(OrgUnit).where(OrgUnit.path.startswith(old_path))
        .values(path=literal(new_path, String) + func.substr(OrgUnit.path, len(old_path) + 1, type_=String))
        .execution_options(synchronize_session=False))
    db.session.refresh(unit)
    unit.parent_id = new_parent.id
    db.session.add(OrgUnitHistory(org_unit_id=unit.id, action="move", old_value=str(old_parent),
                                  new_value=str(new_parent.id), actor_id=current().user_id))
    audit.record("org.move", "org_unit", unit.id, old_parent=old_parent, new_parent=new_parent.id)
    db.session.flush()


def children(unit_id: int | None, limit: int = 500) -> list[OrgUnit]:
    """A node's children, kind by kind, each kind in natural order (1栋, 2栋 … 10栋)."""
    stmt = select(OrgUnit).where(OrgUnit.parent_id == unit_id if unit_id else OrgUnit.parent_id.is_(None))
    rows = db.session.scalars(stmt.order_by(OrgUnit.kind, OrgUnit.name, OrgUnit.id).limit(limit))
    return sorted(rows, key=lambda u: (u.kind, natural_key(u.name), u.id))


def child_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = db.session.execute(select(OrgUnit.parent_id, func.count()).where(OrgUnit.parent_id.in_(ids))
                              .group_by(OrgUnit.parent_id)).all()
    return dict(rows)


def ancestors(unit: OrgUnit) -> list[OrgUnit]:
    ids = [int(x) for x in unit.path.strip("/").split("/")[:-1] if x]
    if not ids:
        return []
    found = {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def search_units(q: str, limit: int = 50) -> list[OrgUnit]:
    q = q.strip()
    if not q:
        return []
    like = f"%{q}%"
    return list(db.session.scalars(select(OrgUnit).where(or_(OrgUnit.name.like(like), OrgUnit.code.like(like)))
                                    .where(OrgUnit.kind != "household").order_by(OrgUnit.path).limit(limit)))


def path_filter(paths: tuple[str, ...]):
    """A condition on ``OrgUnit.path`` for "under one of these nodes", or None when one of them is
    the root (the whole tenant: nothing to filter, and rows without a unit stay visible)."""
    if any(p.count("/") == 2 for p in paths):
        return None
    roots = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return or_(*[OrgUnit.path.startswith(p) for p in roots]) if roots else false()


def units_within(permission: str):
    """Ids of the org units where the current user holds ``permission``, or None for the whole tenant."""
    condition = path_filter(current().scope_paths(permission))
    return None if condition is None else select(OrgUnit.id).where(condition)


def _served_paths(scopes: tuple[str, ...]) -> set[str]:
    """Every node on the way down to each scope: ``/2/3/106/`` is served by ``/2/`` and ``/2/3/``."""
    out = set()
    for p in scopes:
        parts = p.strip("/").split("/")
        out.update("/" + "/".join(parts[:k]) + "/" for k in range(1, len(parts)))
    return out


def units_serving(permission: str):
    """Ids of the units whose services reach the user for ``permission``: those within their grants
    and those above them (a resident of a grid books at the community's studio and the street's),
    or None for the whole tenant. For a resident-facing action on a row of a unit above the grant."""
    scopes = current().scope_paths(permission)
    condition = path_filter(scopes)
    if condition is None:
        return None
    above = _served_paths(scopes)
    return select(OrgUnit.id).where(or_(condition, OrgUnit.path.in_(above)) if above else condition)


def serves(permission: str, unit) -> bool:
    """Whether ``unit``'s services reach the user for ``permission``: a grant on it, above it or below it."""
    ctx = current()
    scopes = ctx.scope_paths(permission)
    return ctx.can(permission, unit.path) or any(p.startswith(unit.path) for p in scopes)


def search_people(q: str, limit: int = 50, after_id: int | None = None,
                  within: tuple[str, ...] | None = None) -> list[Person]:
    """Name, pinyin initials, or the last four digits of a phone; only under ``within`` tree paths
    (the grantee's part of the tree) when given."""
    stmt = select(Person).where(Person.erased_at.is_(None))
    condition = path_filter(within) if within is not None else None
    if condition is not None:
        stmt = stmt.where(Person.org_unit_id.in_(select(OrgUnit.id).where(condition)))
    q = q.strip()
    if q:
        if q.isdigit() and len(q) == 4:
            stmt = stmt.where(Person.phone_last4 == q)
        elif q.isascii():
            stmt = stmt.where(Person.initials.startswith(q.lower()))
        else:
            stmt = stmt.where(Person.name.startswith(q))
    if after_id:
        stmt = stmt.where(Person.id > after_id)
    return list(db.session.scalars(stmt.order_by(Person.id).limit(limit)))


def save_person(person: Person, data: dict) -> Person:
    for key in ("name", "phone", "id_number", "org_unit_id", "party_member", "mgmt_category", "employer"):
        if key in data:
            value = data[key]
            setattr(person, key, value if value != "" else None)
    if person.mgmt_category and not person.party_member:
        raise ValidationError({"mgmt_category": [_("只有党员才有五管合一类别")]})
    if person.org_unit_id is not None and db.session.scalar(
            select(OrgUnit.id).where(OrgUnit.id == person.org_unit_id)) is None:
        raise ValidationError({"org_unit_id": [_("组织节点不存在")]})
    person.initials = initials(person.name)
    person.phone_last4 = person.phone[-4:] if person.phone else None
    db.session.add(person)
    db.session.flush()
    return person


def reveal(person: Person, field: str, reason: str) -> str:
    """The full value of a masked field; one audit row says who saw whose what, and why."""
    audit.record("pii.reveal", "person", person.id, field=field, reason=reason)
    return getattr(person, field) or ""


def export_person(person: Person) -> dict:
    """Everything core holds about one person (plugins add theirs through ``export_person``)."""
    party = db.session.get(PartyOrg, person.party_org_id) if person.party_org_id else None
    unit = db.session.get(OrgUnit, person.org_unit_id) if person.org_unit_id else None
    audit.record("pii.export", "person", person.id)
    from ..plugins.manager import registry
    ctx = current()
    plugins = {}
    for impl in registry().pm.hook.export_person.get_hookimpls():  # every installed plugin, enabled or not
        part = impl.function(*[{"person": person, "ctx": ctx}[a] for a in impl.argnames])
        if part:
            plugins[impl.plugin_name] = part
    return {"plugins": plugins, "person": {"id": person.id, "name": person.name, "phone": person.phone, "id_number": person.id_number,
                       "party_member": person.party_member, "mgmt_category": person.mgmt_category,
                       "employer": person.employer, "kinds": person.kinds, "tags": person.tags,
                       "org_unit": unit.name if unit else None, "party_org": party.name if party else None,
                       "created_at": person.created_at.isoformat() if person.created_at else None}}


def erase_person(person: Person) -> None:
    """Delete the personal fields; the row id stays so the audit trail still adds up."""
    from ..plugins.manager import registry
    ctx = current()
    registry().pm.hook.erase_person(person=person, ctx=ctx)  # every installed plugin, enabled or not
    for column in Person.__pii__:
        setattr(person, column, None)
    person.name = _("已删除")
    person.initials = ""
    person.phone_last4 = None
    person.tags = []
    person.erased_at = clock.utcnow()
    audit.record("pii.erase", "person", person.id)
    db.session.flush()
