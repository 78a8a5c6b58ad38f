"""People (人员): the registry's masked list, the form, a person's card, reveal, export and erasure."""
from __future__ import annotations

import json
from http import HTTPStatus

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from ..auth.permissions import can, requires, step_up
from ..db import db, get_or_404
from ..params import arg, parse_id
from ..tenancy.context import current
from ..tenancy.resolve import writes_on_get
from ..ui.render import flash, form_data, invalid_form, render_page_or_fragment, see_other
from . import services
from .models import PERSON_KINDS, OrgUnit, PartyOrg, Person
from .schemas import PersonIn, RevealIn

people_bp = Blueprint("people", __name__, url_prefix="/t/<tenant>/people")


@people_bp.get("/")
@requires("core.people.view")
def people():
    """People, masked; search by name, pinyin initials or the phone's last four digits."""
    q = request.args.get("q", "")[:64]
    after = arg("after", parse_id)
    rows = services.search_people(q, limit=51, after_id=after, within=current().scope_paths("core.people.view"))
    more = len(rows) > 50
    rows = rows[:50]
    return render_page_or_fragment("people/list.html", "people/_rows.html", "people-rows", rows=rows, q=q,
                                   more=more, units=_where(rows), kinds=PERSON_KINDS, errors={}, form={})


def _where(rows) -> dict[int, str]:
    """Where each person belongs, as staff tell two 张伟 apart: the unit with the one above it
    (幸福社区 · 幸福第一网格; never the street itself), and the household when there is one (· 3栋201)."""
    own = {i for p in rows for i in (p.org_unit_id, p.household_id) if i}
    found = {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(own)))} if own else {}
    wanted = {u.parent_id for u in found.values() if u.parent_id} - found.keys()
    above = {**found, **({u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(wanted)))}
                         if wanted else {})}
    where = {}
    for p in rows:
        unit, parts = found.get(p.org_unit_id), []
        if unit is not None:
            parent = above.get(unit.parent_id)
            if parent is not None and parent.kind not in ("street", "district"):
                parts.append(parent.name)
            parts.append(unit.name)
        if p.household_id in found and p.household_id != p.org_unit_id:
            parts.append(found[p.household_id].name)
        where[p.id] = " · ".join(parts)
    return where


@people_bp.post("/")
@requires("core.people.edit")
def create_person():
    from ..org.models import Person as P
    try:
        data = PersonIn().load(form_data())
        person = services.save_person(P(kinds=["resident"]), data)
    except ValidationError as err:
        db.session.rollback()
        return invalid_form("people/list.html", "people/_person_form.html", "person-form", rows=[], q="", more=False,
                            kinds=PERSON_KINDS, units={}, errors=err.messages, form=request.form)
    target = url_for("people.person", person_id=person.id)
    flash(_("已登记“%(name)s”", name=person.name))
    db.session.commit()
    return see_other(target)


@people_bp.get("/<person:person_id>")
@requires("core.people.view")
def person(person_id: int):
    p = get_or_404(Person, person_id)
    unit = db.session.get(OrgUnit, p.org_unit_id) if p.org_unit_id else None
    party = db.session.get(PartyOrg, p.party_org_id) if p.party_org_id else None
    ctx = current()
    tabs = [t for t in ctx.hooks.collect("object_tabs", kind="person", obj=p, ctx=ctx) if ctx.has(t.permission)]
    return render_template("people/person.html", p=p, unit=unit, party=party, errors={}, tabs=tabs)


@people_bp.route("/<person:person_id>/edit", methods=["GET", "POST"])
@requires("core.people.edit")
def edit_person(person_id: int):
    """Correct a person's details; a change of the five-in-one category is kept in the audit log."""
    p = get_or_404(Person, person_id)
    unit = db.session.get(OrgUnit, p.org_unit_id) if p.org_unit_id else None
    from ..tenancy.services import root_unit
    if not can("core.people.edit", unit if unit is not None else root_unit(db.session, current().active)):
        abort(403)
    if request.method == "GET":
        form = {"name": p.name, "org_unit_id": p.org_unit_id or "", "party_member": p.party_member,
                "mgmt_category": p.mgmt_category or "", "employer": p.employer or ""}
        return render_template("people/edit.html", p=p, form=form, errors={})
    try:
        data = PersonIn().load({k: v for k, v in form_data().items() if k not in ("phone", "id_number")})
        data.pop("phone", None)
        data.pop("id_number", None)
        old_category = p.mgmt_category
        services.save_person(p, data)
    except ValidationError as err:
        db.session.rollback()
        return render_template("people/edit.html", p=get_or_404(Person, person_id), form=request.form,
                               errors=err.messages), HTTPStatus.UNPROCESSABLE_ENTITY
    from ..audit import service as audit
    if old_category != p.mgmt_category:
        audit.record("person.mgmt_category", "person", p.id, old=old_category, new=p.mgmt_category)
    audit.record("person.edit", "person", p.id)
    flash(_("已保存"))
    db.session.commit()
    return see_other(url_for("people.person", person_id=person_id))


@people_bp.post("/<person:person_id>/reveal")
@requires("core.pii.reveal")
def reveal(person_id: int):
    """Show one full number, for a typed reason, in a fragment that is never cached."""
    p = get_or_404(Person, person_id)
    unit = db.session.get(OrgUnit, p.org_unit_id) if p.org_unit_id else None
    from ..tenancy.services import root_unit
    if not can("core.pii.reveal", unit if unit is not None else root_unit(db.session, current().active)):
        abort(403)  # the permission applies to the grantee's part of the tree only
    try:
        data = RevealIn().load(form_data())
    except ValidationError as err:
        return invalid_form("people/person.html", "people/_reveal_form.html", f"reveal-{request.form.get('field', 'phone')}",
                            p=p, unit=None, party=None, errors=err.messages, field=request.form.get("field", "phone"),
                            open_form=True)
    value = services.reveal(p, data["field"], data["reason"])
    db.session.commit()
    resp = Response(render_template("people/_revealed.html", value=value, field=data["field"]))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@people_bp.get("/<person:person_id>/export.json")
@requires("core.people.export")
@writes_on_get
@step_up
def export_person(person_id: int):
    """A personal-data access request: one machine-readable file about one person."""
    p = get_or_404(Person, person_id)
    data = services.export_person(p)
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename=person-{person_id}.json", "Cache-Control": "no-store"})


@people_bp.post("/<person:person_id>/erase")
@requires("core.people.export")
@step_up
def erase_person(person_id: int):
    """Delete a person's personal data on request; the audit trail keeps only ids."""
    p = get_or_404(Person, person_id)
    if request.form.get("confirm") != "ERASE":
        return render_template("people/person.html", p=p, unit=None, party=None,
                               errors={"confirm": [_("请输入 ERASE 确认删除")]}), HTTPStatus.UNPROCESSABLE_ENTITY
    services.erase_person(p)
    flash(_("已删除此人的个人信息"))
    db.session.commit()
    return see_other(url_for("people.person", person_id=person_id))
