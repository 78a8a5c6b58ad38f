"""Grids and the map: the grid list and profile, boundaries (redraw, split, merge), the poster, staffing, service logs and patrols."""
from __future__ import annotations

import json
from http import HTTPStatus

import segno
from flask import abort, make_response, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.api import OrgUnit, Person, clock, current, db, form_data, get_or_404, requires, see_other

from .. import geo, profiles, records, staffing
from ..machine import TERMINAL, Refused
from ..models import ASSIGNMENT_ROLES, CHANGES, PRIORITY, Assignment, GridEvent, MediationCase
from ..profiles import retired_ids
from ..schemas import AssignIn, BoundaryIn, MediationIn, MergeIn, PatrolIn, ProxyIn, ServiceLogIn, SplitIn
from .common import grids, labels, scoped, scoped_units


@requires("grid.view")
def grids_page():
    """Every grid with its leader, staff and open events; grids without a leader first."""
    visible = {g.id: g.label for g in grids()}  # merged (retired) grids are not listed, nor counted as leaderless
    rows = [r for r in staffing.grids_overview() if r["grid"].id in visible]
    return render_template("grid/grids.html", rows=rows, names=visible)


def _grid_or_404(grid_id: int, for_new_work: bool = False) -> OrgUnit:
    """A grid in the user's part of the tree; ``for_new_work`` also refuses a grid merged into another."""
    grid = db.session.scalars(scoped_units(select(OrgUnit).where(OrgUnit.id == grid_id, OrgUnit.kind == "grid"))).first()
    if grid is None:
        abort(404)
    if for_new_work:
        if grid.id in retired_ids():
            abort(404)  # its work continues in the grid it joined
    return grid


def _grid_page(grid: OrgUnit, status=HTTPStatus.OK, **extra):
    community = db.session.get(OrgUnit, grid.parent_id)
    candidates = list(db.session.scalars(select(Person).where(
        Person.org_unit_id.in_(select(OrgUnit.id).where(OrgUnit.path.startswith(community.path))),
        Person.erased_at.is_(None)).order_by(Person.name).limit(300)))
    profile = staffing.grid_profile(grid)
    cases = dict(db.session.execute(select(MediationCase.log_id, MediationCase.id).where(
        MediationCase.log_id.in_([log.id for log in profile["logs"]]))).all())
    form = {"household_id": request.args.get("household_id", ""), "form": request.args.get("form", "")}
    context = {**profile, **_versions_context(grid), "community": community, "candidates": candidates, "errors": {},
               "form": form, "now": clock.utcnow(), "household_options": records.households(grid), "log_cases": cases,
               **labels(), **extra}
    return render_template("grid/grid.html", **context), status


@requires("grid.view")
def grid_page(grid_id: int):
    """A grid's profile: staff (with history), Party branch, central households, five-in-one counts,
    recent service logs and patrols, with quick entry for each."""
    return _grid_page(_grid_or_404(grid_id))


#: open events → fill, lightest first (0, 1–2, 3–5, 6 and more)
SHADES = ((0, "#e3f2e6"), (1, "#fff1b8"), (3, "#ffd591"), (6, "#ff9c8a"))


def _shade(n: int) -> str:
    return [colour for floor, colour in SHADES if n >= floor][-1]


def _svg(rows: list, names: dict, open_n: dict, titles: dict | None = None) -> dict | None:
    """Polygons projected on the server: an SVG that scales to any screen, no tiles, no script.
    ``names`` label the shapes; ``titles`` (grid with its community) show on hover."""
    if not rows:
        return None
    proj = geo.Projection([(p.west, p.south, p.east, p.north) for p in rows])
    shapes = []
    for p in sorted(rows, key=lambda r: (r.priority, r.grid_id)):  # exclusive grids drawn on top
        ring = p.boundary["coordinates"][0][:-1]
        cx, cy = proj.xy(sum(x for x, _y in ring) / len(ring), sum(y for _x, y in ring) / len(ring))
        (x0, _y0), (x1, _y1) = proj.xy(p.west, p.north), proj.xy(p.east, p.south)
        name = names.get(p.grid_id, "")
        shapes.append({"profile": p, "name": name, "title": (titles or names).get(p.grid_id, name),
                       "d": proj.path(p.boundary), "cx": cx, "cy": cy,
                       "open": open_n.get(p.grid_id, 0), "fill": _shade(open_n.get(p.grid_id, 0)),
                       "exclusive": p.priority >= PRIORITY["exclusive"],
                       "font": round(max(10.0, min(60.0, (x1 - x0) / (len(name) + 1))), 1)})
    return {"width": proj.width, "height": proj.height, "shapes": shapes}


def _open_by_grid(grid_ids) -> dict:
    return dict(db.session.execute(scoped(select(GridEvent.grid_id, func.count()).where(
        GridEvent.grid_id.in_(grid_ids), GridEvent.state.not_in(TERMINAL))).group_by(GridEvent.grid_id)).all())


@requires("grid.view")
def map_page():
    """网格地图: the current boundaries of the grids you may see, each linking to its profile and
    shaded by its open events; grids not drawn yet are listed below."""
    visible = {u.id: u for u in grids()}
    rows = profiles.current_all(list(visible))
    open_n = _open_by_grid(list(visible))
    drawn = {p.grid_id for p in rows}
    svg = _svg(rows, {i: u.label for i, u in visible.items()}, open_n)
    return render_template("grid/map.html", svg=svg, shades=SHADES,
                           undrawn=[u for i, u in visible.items() if i not in drawn])


def _versions_context(grid: OrgUnit) -> dict:
    rows = profiles.versions(grid.id)
    current_row = next((r for r in rows if r.valid_to is None), None)
    open_n = _open_by_grid([grid.id]) if current_row else {}
    return {"versions": rows, "current_version": current_row, "lineage": profiles.lineage(grid.id, rows),
            "retired": bool(rows) and current_row is None,
            "changes": CHANGES, "grid_svg": _svg([current_row] if current_row else [], {grid.id: grid.name}, open_n)}


def _boundary_page(grid: OrgUnit, status=HTTPStatus.OK, errors=None, form=None, open_form=None):
    community = db.session.get(OrgUnit, grid.parent_id)
    siblings = [u for u in grids() if u.parent_id == grid.parent_id and u.id != grid.id]
    buildings = list(db.session.scalars(select(OrgUnit).where(OrgUnit.parent_id == grid.id, OrgUnit.kind == "building")
                                        .order_by(OrgUnit.name).limit(500)))
    context = _versions_context(grid)
    current_row = context["current_version"]
    drawn = json.dumps(current_row.boundary, ensure_ascii=False) if current_row else ""
    return render_template("grid/boundary.html", grid=grid, community=community, siblings=siblings, buildings=buildings,
                           errors=errors or {}, form=form or {}, open_form=open_form, drawn=drawn,
                           based_on=current_row.version_no if current_row else 0, **context), status


def _configurable_or_404(grid_id: int) -> OrgUnit:
    grid = _grid_or_404(grid_id)
    if not current().can("grid.config.grids", grid.path):
        abort(403)
    return grid


@requires("grid.config.grids")
def boundary_page(grid_id: int):
    """Redraw, split or merge a grid; each change is a new version and the old ones stay."""
    return _boundary_page(_configurable_or_404(grid_id))


def _boundary_change(grid_id: int, kind: str):
    grid = _configurable_or_404(grid_id)
    schema = {"redraw": BoundaryIn, "split": SplitIn, "merge": MergeIn}[kind]
    try:
        data = schema().load({**form_data(), **({"building_ids": request.form.getlist("building_ids")}
                                                if kind == "split" else {})})
        if kind == "redraw":
            profiles.redraw(grid, data["boundary"], data.get("households_est"), data["reason"], data["based_on"])
        elif kind == "split":
            profiles.split(grid, data)
        else:
            other = db.session.scalars(scoped_units(select(OrgUnit).where(OrgUnit.id == data["other_id"],
                                                                          OrgUnit.kind == "grid"))).first()
            if other is None or not current().can("grid.config.grids", other.path):
                raise ValidationError({"other_id": [_("请选择要并入的网格")]})
            profiles.merge(grid, other, data)
    except ValidationError as err:
        db.session.rollback()
        return _boundary_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages,
                              form=request.form, open_form=kind)
    except Refused as err:
        db.session.rollback()
        return _boundary_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"_": [str(err)]},
                              form=request.form, open_form=kind)
    db.session.commit()
    return see_other(url_for("grid.grid_page", grid_id=grid_id) + "#versions")


@requires("grid.config.grids")
def redraw_boundary(grid_id: int):
    return _boundary_change(grid_id, "redraw")


@requires("grid.config.grids")
def split_grid(grid_id: int):
    """Split off part of this grid as a new grid of the same community."""
    return _boundary_change(grid_id, "split")


@requires("grid.config.grids")
def merge_grid(grid_id: int):
    """Merge another grid of the community into this one: its open events and staff move here."""
    return _boundary_change(grid_id, "merge")


@requires("grid.view")
def poster(grid_id: int):
    """A printable poster for the grid's notice board: a QR code residents scan to report a problem."""
    grid = _grid_or_404(grid_id)
    if grid.id in retired_ids():
        abort(404)  # merged into another grid: print that grid's poster
    target = url_for("grid.public_report", grid_id=grid.id, _external=True)
    qr = segno.make(target, error="m").svg_data_uri(scale=8, border=2)
    staff = staffing.active(grid.id)
    names = {p.id: p.name for p in db.session.scalars(select(Person).where(Person.id.in_({a.person_id for a in staff})))}
    return render_template("grid/poster.html", grid=grid, qr=qr, target=target, staff=staff, names=names,
                           community=db.session.get(OrgUnit, grid.parent_id), roles=ASSIGNMENT_ROLES, **labels())


@requires("grid.config.grids")
def assign_staff(grid_id: int):
    grid = _grid_or_404(grid_id, for_new_work=True)
    try:
        data = AssignIn().load(form_data())
        staffing.assign(grid, data["person_id"], data["role"], data.get("agency"), data["handover"])
    except ValidationError as err:
        db.session.rollback()
        return _grid_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"staff": err.messages},
                          form=request.form)
    except Refused as err:
        db.session.rollback()
        return _grid_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"staff": {"_": [str(err)]}},
                          form=request.form)
    db.session.commit()
    return see_other(url_for("grid.grid_page", grid_id=grid_id))


@requires("grid.config.grids")
def end_assignment(assignment_id: int):
    row = get_or_404(Assignment, assignment_id)
    _grid_or_404(row.grid_id)
    staffing.end(row)
    grid_id = row.grid_id
    db.session.commit()
    return see_other(url_for("grid.grid_page", grid_id=grid_id))


@requires("grid.log.write")
def add_service_log(grid_id: int):
    """Record one act of service (走访、代办、调解 …) in a few taps."""
    grid = _grid_or_404(grid_id, for_new_work=True)
    try:
        data, proxy, mediation = _load_service_log(form_data())
        log = staffing.log_service(grid, data)
        if proxy is not None:
            records.add_proxy(log, proxy)
        if mediation is not None:
            records.open_mediation(grid.id, log.summary, mediation["parties"], log_id=log.id)
    except ValidationError as err:
        db.session.rollback()
        return _grid_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"log": err.messages},
                          form=request.form)
    except Refused as err:
        db.session.rollback()
        return _grid_page(_grid_or_404(grid_id), HTTPStatus.UNPROCESSABLE_ENTITY, errors={"log": {"_": [str(err)]}},
                          form=request.form)
    db.session.commit()
    return see_other(url_for("grid.grid_page", grid_id=grid_id))


def _load_service_log(fields_: dict) -> tuple[dict, dict | None, dict | None]:
    """The log and, for 代办 or 调解, its sub-record: all validated before anything is written, and
    every message returned at once."""
    extra = {k: v for k, v in fields_.items() if k.startswith("proxy_") or k == "parties"}
    base = {k: v for k, v in fields_.items() if k not in extra}
    errors, data, proxy, mediation = {}, {}, None, None
    try:
        data = ServiceLogIn().load(base)
    except ValidationError as err:
        errors.update(err.messages)
    kind = base.get("service_type")
    try:
        if kind == "PROXY":
            proxy = ProxyIn().load({k: v for k, v in extra.items() if k.startswith("proxy_")})
        elif kind == "MEDIATION":
            mediation = MediationIn().load({"parties": extra.get("parties", "")})
    except ValidationError as err:
        errors.update(err.messages)
    if errors:
        raise ValidationError(errors)
    return data, proxy, mediation


@requires("grid.log.write")
def service_log_extra(grid_id: int):
    """The extra fields of the log form for the chosen service type (代办 or 调解), swapped in by htmx."""
    grid = _grid_or_404(grid_id)
    resp = make_response(render_template("grid/_log_extra.html", grid=grid, kind=request.args.get("service_type", ""),
                                         form={}, err={}))
    resp.vary.update(("HX-Request", "HX-Target"))
    return resp


@requires("grid.log.write")
def add_patrol(grid_id: int):
    """Record a patrol (time span and findings; no location track)."""
    grid = _grid_or_404(grid_id, for_new_work=True)
    try:
        staffing.record_patrol(grid, PatrolIn().load(form_data()))
    except ValidationError as err:
        db.session.rollback()
        return _grid_page(grid, HTTPStatus.UNPROCESSABLE_ENTITY, errors={"patrol": err.messages}, form=request.form)
    except Refused as err:
        db.session.rollback()
        return _grid_page(grid, HTTPStatus.UNPROCESSABLE_ENTITY, errors={"patrol": {"_": [str(err)]}},
                          form=request.form)
    db.session.commit()
    return see_other(url_for("grid.grid_page", grid_id=grid_id))
