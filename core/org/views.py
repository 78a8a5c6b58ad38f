"""Pages for the organization tree and people."""
from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, abort, current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select

from ..auth.permissions import can, requires
from ..db import db, get_or_404
from ..tenancy.context import current
from ..tenancy.resolve import district_rollup, reads_streets
from ..ui.render import flash, form_data, invalid_form, render_page_or_fragment, see_other
from . import services
from .models import CHILD_KINDS, OrgUnit, OrgUnitHistory, PartyOrg, Person, ResidentUnit
from .schemas import MoveIn, RenameIn, UnitIn

bp = Blueprint("org", __name__, url_prefix="/t/<tenant>/org")

KIND_LABELS = {"district": "区", "street": "街道", "community": "社区", "compound": "小区", "grid": "网格",
               "building": "楼栋", "household": "户"}


@bp.get("/")
@requires("core.org.view")
@reads_streets
def tree():
    """The tree from its roots; branches open lazily with htmx. A district sees its own root and
    its streets' trees beside it, read-only."""
    roots = services.children(None)
    return render_template("org/tree.html", roots=roots, counts=services.child_counts([r.id for r in roots]),
                           q="", results=None)


def visible_unit(unit_id: int) -> OrgUnit:
    """A node of the active tenant or, on a district's read-only pages, of one of its streets."""
    return db.one_or_404(select(OrgUnit).where(OrgUnit.id == unit_id, OrgUnit.tenant_id.in_(current().visible)))


@bp.get("/<org_unit:unit_id>/children")
@requires("core.org.view")
@reads_streets
def unit_children(unit_id: int):
    """One level below a node, as list items for the tree."""
    unit = visible_unit(unit_id)
    items = services.children(unit.id)
    resp = render_template("org/_children.html", items=items, counts=services.child_counts([i.id for i in items]))
    return resp


@bp.get("/search")
@requires("core.org.view")
@reads_streets
def search():
    q = request.args.get("q", "")[:100]
    results = services.search_units(q)
    return render_page_or_fragment("org/tree.html", "org/_search_results.html", "search-results",
                                   roots=services.children(None), counts={}, q=q, results=results)


def _unit_context(unit: OrgUnit, **extra) -> dict:
    kids = services.children(unit.id, limit=200)
    history = db.session.scalars(select(OrgUnitHistory).where(OrgUnitHistory.org_unit_id == unit.id)
                                 .order_by(OrgUnitHistory.id.desc()).limit(20)).all()
    parties = db.session.scalars(select(PartyOrg).where(PartyOrg.org_unit_id == unit.id)).all()
    residents = db.session.scalars(select(ResidentUnit).where(ResidentUnit.org_unit_id == unit.id)).all()
    people_n = db.session.scalar(select(func.count()).select_from(Person).where(Person.org_unit_id == unit.id))
    ctx = current()
    read_only = unit.tenant_id != ctx.active  # a street's node on its district's page
    tabs = [] if read_only else [t for t in ctx.hooks.collect("object_tabs", kind="org_unit", obj=unit, ctx=ctx)
                                 if ctx.has(t.permission)]
    street = next((s.name for s in g.get("rollup_streets") or () if s.id == unit.tenant_id), None)
    context = {"unit": unit, "read_only": read_only, "street": street, "crumbs": services.ancestors(unit), "kids": kids, "history": history, "tabs": tabs,
               "parties": parties, "residents": residents, "people_n": people_n,
               "child_kinds": CHILD_KINDS.get(unit.kind, ()), "errors": {}, "form": {},
               "can_edit": not read_only and can("core.org.edit", unit)}
    context.update(extra)
    return context


@bp.get("/<org_unit:unit_id>")
@requires("core.org.view")
@reads_streets
def unit(unit_id: int):
    """A node: where it sits, what is under it, who leads it, what happened to it."""
    return render_template("org/unit.html", **_unit_context(visible_unit(unit_id)))


@bp.get("/<org_unit:unit_id>.json")
@requires("core.org.view")
def unit_json(unit_id: int):
    """A node as JSON; plugins add their part under ``plugins.<name>``."""
    from flask import jsonify
    unit = get_or_404(OrgUnit, unit_id)
    ctx = current()
    extra = {}
    for impl in ctx.hooks.impls("extend_payload"):
        try:
            part = impl.function(*[{"kind": "org_unit", "obj": unit, "ctx": ctx}[a] for a in impl.argnames])
        except Exception as exc:  # noqa: BLE001 - one plugin's payload must not break the response
            from ..plugins.manager import registry
            registry().count_error(impl.plugin_name, "extend_payload", exc)
            continue
        if part:
            extra[impl.plugin_name] = part
    return jsonify({"id": unit.id, "kind": unit.kind, "code": unit.code, "name": unit.name, "parent_id": unit.parent_id,
                    "attrs": unit.attrs, "plugins": extra})


@bp.post("/<org_unit:unit_id>/children")
@requires("core.org.edit")
def create_child(unit_id: int):
    """Add a node under this one; a bad field comes back inline with the reason."""
    parent = get_or_404(OrgUnit, unit_id)
    if not can("core.org.edit", parent):
        abort(403)
    try:
        data = UnitIn().load(form_data())
        attrs = {}
        if data["kind"] == "grid":
            attrs = {"grid_type": data.get("grid_type") or "residential"}
            if data.get("site_type"):
                attrs["site_type"] = data["site_type"]
        child = services.create_unit(parent, data["kind"], data["code"], data["name"], attrs)
    except ValidationError as err:
        db.session.rollback()
        return invalid_form("org/unit.html", "org/_unit_form.html", "unit-form",
                            **_unit_context(get_or_404(OrgUnit, unit_id), errors=err.messages, form=request.form))
    target = url_for("org.unit", unit_id=child.id)
    flash(_("已添加“%(name)s”", name=child.name))
    db.session.commit()
    return see_other(target)


@bp.post("/<org_unit:unit_id>/rename")
@requires("core.org.edit")
def rename(unit_id: int):
    unit = get_or_404(OrgUnit, unit_id)
    if not can("core.org.edit", unit):
        abort(403)
    try:
        services.rename_unit(unit, RenameIn().load(form_data())["name"])
    except ValidationError as err:
        db.session.rollback()
        return invalid_form("org/unit.html", "org/_rename_form.html", "rename-form",
                            **_unit_context(get_or_404(OrgUnit, unit_id), rename_errors=err.messages))
    flash(_("已改名为“%(name)s”", name=unit.name))
    db.session.commit()
    return see_other(url_for("org.unit", unit_id=unit_id))


@bp.post("/<org_unit:unit_id>/move")
@requires("core.org.edit")
def move(unit_id: int):
    """Move a node with its subtree under another node of this tenant."""
    unit = get_or_404(OrgUnit, unit_id)
    if not can("core.org.edit", unit):
        abort(403)
    try:
        data = MoveIn().load(form_data())
        new_parent = db.session.scalars(select(OrgUnit).where(OrgUnit.id == data["parent_id"],
                                                              OrgUnit.tenant_id == current().active)).first()
        if new_parent is None:
            raise ValidationError({"parent_id": [_("上级节点不存在")]})
        if not can("core.org.edit", new_parent):
            raise ValidationError({"parent_id": [_("没有权限移动到该节点下")]})
        services.move_unit(unit, new_parent)
    except ValidationError as err:
        db.session.rollback()
        return invalid_form("org/unit.html", "org/_move_form.html", "move-form",
                            **_unit_context(get_or_404(OrgUnit, unit_id), move_errors=err.messages))
    flash(_("已移到“%(name)s”之下", name=new_parent.name))
    db.session.commit()
    return see_other(url_for("org.unit", unit_id=unit_id))


def _overview_counts() -> dict:
    """The district overview's counts over the visible streets, as JSON (cached with Redis)."""
    ctx = current()
    rows = db.session.execute(select(OrgUnit.tenant_id, OrgUnit.kind, func.count())
                              .where(OrgUnit.tenant_id != ctx.active).group_by(OrgUnit.tenant_id, OrgUnit.kind)).all()
    exclusive = db.session.execute(
        select(OrgUnit.tenant_id, func.count()).where(OrgUnit.kind == "grid", OrgUnit.tenant_id != ctx.active,
                                                     OrgUnit.attrs["grid_type"].as_string() == "exclusive")
        .group_by(OrgUnit.tenant_id)).all()
    units = db.session.execute(select(ResidentUnit.tenant_id, func.count(func.distinct(ResidentUnit.uscc)))
                               .group_by(ResidentUnit.tenant_id)).all()
    parties = db.session.execute(select(PartyOrg.tenant_id, func.count()).where(
        PartyOrg.kind == "大党工委").group_by(PartyOrg.tenant_id)).all()
    return {"rows": [list(r) for r in rows], "exclusive": [list(r) for r in exclusive],
            "units": [list(r) for r in units], "parties": [list(r) for r in parties]}


@bp.get("/overview")
@requires("core.rollup.view")
@district_rollup
def overview():
    """District view: each street's communities, compounds, grids and resident units (read-only, audited)."""
    from ..audit import service as audit
    from ..shared_redis import cached
    from ..tenancy.context import cache_key
    from ..tenancy.models import Tenant
    ctx = current()
    counts = cached(cache_key("org.overview"), current_app.config["ROLLUP_CACHE_SECONDS"], _overview_counts)
    rows = counts["rows"]
    exclusive, units, parties = (dict(counts[k]) for k in ("exclusive", "units", "parties"))
    table: dict[int, dict] = {s.id: {"tenant": s, "exclusive": exclusive.get(s.id, 0), "resident_units": units.get(s.id, 0),
                                     "working_committees": parties.get(s.id, 0)} for s in g.rollup_streets}
    for tenant_id, kind, n in rows:
        if tenant_id in table:
            table[tenant_id][kind] = n
    totals = {k: sum(r.get(k, 0) for r in table.values())
              for k in ("community", "compound", "grid", "exclusive", "resident_units", "working_committees", "household")}
    audit.record("district.rollup", "org_unit", None, endpoint="org.overview",
                 streets=[s.slug for s in g.rollup_streets], rows=len(rows))
    db.session.commit()
    district = db.session.get(Tenant, ctx.active)
    return render_template("org/overview.html", table=list(table.values()), totals=totals, district=district)




# --- export and import ---------------------------------------------------------------------------


@bp.get("/export.<any(xlsx, csv):fmt>")
@requires("core.org.import")
def export(fmt: str):
    """The tree down to grids as a sheet staff open in Excel or WPS (codes kept as text)."""
    from . import sheets
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.kind != "household").order_by(OrgUnit.path)).all()
    parents = {u.id: u.code for u in units}
    rows = [[u.code, u.name, KIND_LABELS.get(u.kind, u.kind), parents.get(u.parent_id, ""),
             u.attrs.get("grid_type", "") if u.kind == "grid" else "", u.attrs.get("site_type", "")] for u in units]
    return sheets.download(fmt, "组织体系", sheets.ORG_HEADER, rows)


@bp.get("/import-template.<any(xlsx, csv):fmt>")
@requires("core.org.import")
def import_template(fmt: str):
    from . import sheets
    from ..tenancy.services import root_unit
    return sheets.download(fmt, "组织体系导入模板", sheets.ORG_HEADER,
                           sheets.org_example(root_unit(db.session, current().active).code))


@bp.route("/import", methods=["GET", "POST"])
@requires("core.org.import")
def import_units():
    """Import nodes from XLSX or CSV: bad rows are listed with reasons; nothing is written unless
    every row is valid or the user chooses to import the valid rows."""
    from . import sheets
    if request.method == "GET":
        return render_template("org/import.html", report=None, errors={})
    upload = request.files.get("file")
    try:
        rows = sheets.read_upload(upload)
    except sheets.SheetError as err:
        return render_template("org/import.html", report=None, errors={"file": [str(err)]}), HTTPStatus.UNPROCESSABLE_ENTITY
    report = sheets.check_org_rows(rows)
    valid_only = request.form.get("mode") == "valid"
    if report.bad and not valid_only:
        db.session.rollback()
        return render_template("org/import.html", report=report, errors={}), HTTPStatus.UNPROCESSABLE_ENTITY
    created = sheets.apply_org_rows(report.good)
    from ..audit import service as audit
    audit.record("org.import", "org_unit", None, created=created, skipped=len(report.bad))
    db.session.commit()
    return render_template("org/import.html", report=report, created=created, errors={})
