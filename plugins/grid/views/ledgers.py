"""Duty and service records: the duty roster, proxy services (代办), mediation cases and care visits."""
from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

from flask import abort, g, make_response, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core import api
from core.api import (
    Account,
    OrgUnit,
    Person,
    arg,
    audit,
    clock,
    current,
    db,
    example_args,
    form_data,
    keyset_page,
    mask_phone,
    parse_date,
    requires,
    see_other,
    sheets,
    units_within,
    users_holding,
    writes_on_get,
)

from .. import records, schemas
from ..machine import Refused, Stale
from ..models import (
    ACK_METHODS,
    CARE_TYPES,
    PROXY_STATUSES,
    SHIFTS,
    VIEW_REASONS,
    Duty,
    GridEvent,
    MediationCase,
    ProxyService,
    ServiceLog,
)
from ..records import today
from ..schemas import DutyIn, MediationIn, ProxyUpdateIn, ViewReasonIn, VisitPlanIn
from .common import LIST_PAGE, event_page, grids, in_scope, labels, mask_name, scoped_or_404, scoped_units


def _duty_units(to_edit: bool = False) -> list[OrgUnit]:
    """The street and communities that keep a duty roster: to read, those around the user's part of the
    tree too (a grid worker sees who is on duty in their community and street); to edit, those inside it."""
    units = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(("street", "community")))
                                    .order_by(OrgUnit.path).limit(200)))
    paths = current().scope_paths("grid.config.grids" if to_edit else "grid.view")
    units.sort(key=lambda u: (u.depth, api.natural_key(u.name)))  # the street, then its communities in order
    return [u for u in units if any(u.path.startswith(p) or (not to_edit and p.startswith(u.path)) for p in paths)]


def _duty_page(status=HTTPStatus.OK, errors=None, form=None):
    """A week of the roster from Monday, Beijing dates, with who is on each unit's day and night shift."""
    start = arg("week", parse_date) or today()
    monday = start - timedelta(days=start.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    units = _duty_units()
    rows = db.session.execute(select(Duty, Person.name).join(
        Person, (Person.id == Duty.person_id) & (Person.tenant_id == Duty.tenant_id)).where(
        Duty.duty_date.between(days[0], days[-1]), Duty.org_unit_id.in_([u.id for u in units]))
        .order_by(Duty.duty_date, Duty.shift, Duty.id)).all()
    cells: dict = {}
    for duty, name in rows:
        cells.setdefault((duty.org_unit_id, duty.duty_date, duty.shift), []).append((duty, name))
    people = _duty_people()
    return render_template("grid/duty.html", days=days, units=units, cells=cells, shifts=SHIFTS, people=people,
                           accounts=_duty_accounts(),
                           editable={u.id for u in _duty_units(to_edit=True)},
                           today=today(), prev_week=(monday - timedelta(days=7)).isoformat(),
                           next_week=(monday + timedelta(days=7)).isoformat(), errors=errors or {},
                           form=form or {"duty_date": today().isoformat()}), status


def _duty_people():
    """People of the units in the user's part of the tree, who can be put on duty."""
    stmt = select(Person.id, Person.name).join(
        OrgUnit, (OrgUnit.id == Person.org_unit_id) & (OrgUnit.tenant_id == Person.tenant_id)).where(
        Person.erased_at.is_(None), OrgUnit.kind.in_(("street", "community", "grid")))
    return list(db.session.execute(scoped_units(stmt).order_by(Person.name).limit(500)).all())


def _duty_accounts(unit: OrgUnit | None = None) -> list[tuple[int, str]]:
    """Staff accounts of the units the user keeps a roster for (or of ``unit``), to be alerted on duty."""
    units = [unit] if unit is not None else _duty_units(to_edit=True)
    ids = set().union(*(users_holding("grid.view", u, inside=True) for u in units)) if units else set()
    if not ids:
        return []
    return list(db.session.execute(select(Account.id, Account.display_name).where(Account.id.in_(ids))
                                   .order_by(Account.display_name, Account.id).limit(500)).all())


@requires("grid.view")
def duty():
    """值班表: who takes reports for the street and each community, day and night."""
    return _duty_page()


@requires("grid.config.grids")
def add_duty():
    try:
        data = DutyIn().load(form_data())
        if data["org_unit_id"] not in {u.id for u in _duty_units(to_edit=True)}:
            raise ValidationError({"org_unit_id": [_("请选择本人负责范围内的街道或社区")]})
        if db.session.get(Person, data["person_id"]) is None:
            raise ValidationError({"person_id": [_("请选择人员")]})
        exists = db.session.scalar(select(Duty.id).where(
            Duty.org_unit_id == data["org_unit_id"], Duty.duty_date == data["duty_date"], Duty.shift == data["shift"],
            Duty.person_id == data["person_id"]))
        if exists is not None:
            raise ValidationError({"person_id": [_("此人已在这个班次")]})
        if data.get("account_id") is not None and data["account_id"] not in {
                a for a, _n in _duty_accounts(db.session.get(OrgUnit, data["org_unit_id"]))}:
            raise ValidationError({"account_id": [_("请选择本单位的账号")]})
    except ValidationError as err:
        db.session.rollback()
        return _duty_page(HTTPStatus.UNPROCESSABLE_ENTITY, errors=err.messages, form=request.form)
    db.session.add(Duty(**data, created_by=current().user_id))
    db.session.commit()
    return see_other(url_for("grid.duty", week=data["duty_date"].isoformat()))


@requires("grid.config.grids")
def remove_duty(duty_id: int):
    row = db.session.get(Duty, duty_id)
    if row is None or row.org_unit_id not in {u.id for u in _duty_units(to_edit=True)}:
        abort(404)
    week = row.duty_date.isoformat()
    db.session.delete(row)
    db.session.commit()
    return see_other(url_for("grid.duty", week=week))


def _grid_names() -> dict:
    return {g.id: g.label for g in grids()}


def _proxy_page(status=HTTPStatus.OK, errors=None, form=None, editing=None):
    page = keyset_page(in_scope(select(ProxyService).where(ProxyService.status == "in_progress"), ProxyService.grid_id),
                       (ProxyService.grid_id, ProxyService.created_at, ProxyService.id), request.args.get("after"),
                       LIST_PAGE)
    rows = page.rows
    logs = {log.id: log for log in db.session.scalars(select(ServiceLog).where(
        ServiceLog.id.in_({r.log_id for r in rows})))}
    names = _grid_names()
    by_grid: dict = {}
    for r in rows:
        by_grid.setdefault(names.get(r.grid_id, ""), []).append(r)
    return render_template("grid/proxy.html", by_grid=by_grid, page=page, logs=logs, statuses=PROXY_STATUSES, ack_methods=ACK_METHODS,
                           errors=errors or {}, form=form or {}, editing=editing, **labels()), status


@requires("grid.view")
def proxy_services():
    """Open 代办 per grid: what was taken in for whom, so nothing is left lying in a drawer."""
    return _proxy_page()


@requires("grid.log.write")
def update_proxy(proxy_id: int):
    """Documents handed back and the resident's acknowledgement; a stale form gets 409."""
    row = db.session.scalars(in_scope(select(ProxyService).where(ProxyService.id == proxy_id),
                                       ProxyService.grid_id)).first()
    if row is None:
        abort(404)
    try:
        records.update_proxy(row.id, ProxyUpdateIn().load(form_data()))
    except ValidationError as err:
        db.session.rollback()
        return _proxy_page(HTTPStatus.UNPROCESSABLE_ENTITY, err.messages, request.form, proxy_id)
    except Stale:
        db.session.rollback()
        return _proxy_page(HTTPStatus.CONFLICT, {"_": [_("这项代办刚被其他人更新过，请查看最新情况后再操作")]}, None, proxy_id)
    except Refused as err:
        db.session.rollback()
        return _proxy_page(HTTPStatus.UNPROCESSABLE_ENTITY, {"_": [str(err)]}, request.form, proxy_id)
    db.session.commit()
    return see_other(url_for("grid.proxy_services"))


def _parties(case, reveal: bool = False) -> list[dict]:
    """Parties as shown: names and phones masked, unless revealed on purpose (and then audited)."""
    return [{"name": p["name"] if reveal else mask_name(p["name"]), "role": p["role"],
             "phone": (p.get("phone") or "") if reveal else mask_phone(p.get("phone"))} for p in case.parties or []]


def _may_reveal_parties(case) -> bool:
    """Who may see the parties' contacts: holders of grid.identity.reveal, and the staff of the case's
    grid who run the mediation and must call the parties back."""
    grid = db.session.get(OrgUnit, case.grid_id)
    return current().has("grid.identity.reveal") or (grid is not None and current().can("grid.log.write", grid.path))


@requires("grid.view")
def reveal_parties(case_id: int):
    """Show the parties' names and phones, once, for this user: each reveal is written to the audit log."""
    case = _case_or_404(case_id)
    if not _may_reveal_parties(case):
        abort(403)
    audit.record("pii.reveal", "grid_mediation_case", case.id, fields=["parties"])
    db.session.commit()
    return render_template("grid/_parties.html", parties=_parties(case, reveal=True), case=case, may_reveal=False)


@requires("grid.view")
def mediation_cases():
    """Mediation cases of the user's grids, newest first, with their next follow-up."""
    page = keyset_page(in_scope(select(MediationCase), MediationCase.grid_id),
                       (MediationCase.created_at.desc(), MediationCase.id.desc()), request.args.get("after"), LIST_PAGE)
    return render_template("grid/mediations.html", rows=page.rows, page=page, names=_grid_names(),
                           today=records.today(), follow_ups={r.id: records.follow_up_dates(r) for r in page.rows})


def _case_or_404(case_id: int):
    row = db.session.scalars(in_scope(select(MediationCase).where(MediationCase.id == case_id),
                                       MediationCase.grid_id)).first()
    if row is None:
        abort(404)
    return row


def _case_page(case, status=HTTPStatus.OK, errors=None, form=None, open_form=None):
    done = {e.follow_up_day for e in records.entries(case.id) if e.kind == "follow_up"}
    return render_template("grid/mediation.html", case=case, parties=_parties(case), may_reveal=_may_reveal_parties(case),
                           entries=records.entries(case.id),
                           grid=db.session.get(OrgUnit, case.grid_id), follow_ups=records.follow_up_dates(case),
                           done=done, today=records.today(), errors=errors or {}, form=form or {},
                           open_form=open_form, event=db.session.get(GridEvent, case.event_id) if case.event_id else None
                           ), status


@requires("grid.view")
def mediation(case_id: int):
    """One mediation: parties (masked), meetings, agreement, follow-ups at 7 and 30 days, hand-off."""
    return _case_page(_case_or_404(case_id))


MEDIATION_STEPS = {"meeting": ("MeetingIn", "add_meeting"), "agreement": ("AgreementIn", "record_agreement"),
                   "follow_up": ("FollowUpIn", "add_follow_up"), "handoff": ("HandoffIn", "hand_off")}


@requires("grid.log.write")
@example_args(step="meeting")
def mediation_step(case_id: int, step: str):
    """Add a meeting or a follow-up (append-only), or record the agreement or the hand-off (once)."""
    if step not in MEDIATION_STEPS:
        abort(404)
    case = _case_or_404(case_id)
    schema_name, service = MEDIATION_STEPS[step]
    try:
        data = getattr(schemas, schema_name)().load(form_data())
        getattr(records, service)(case.id, data)
    except ValidationError as err:
        db.session.rollback()
        return _case_page(_case_or_404(case_id), HTTPStatus.UNPROCESSABLE_ENTITY, err.messages, request.form, step)
    except Stale:
        db.session.rollback()
        return _case_page(_case_or_404(case_id), HTTPStatus.CONFLICT,
                          {"_": [_("这条调解记录刚被其他人更新过，下面是最新情况，请确认后再操作")]}, None, step)
    except Refused as err:
        db.session.rollback()
        return _case_page(_case_or_404(case_id), HTTPStatus.UNPROCESSABLE_ENTITY, {"_": [str(err)]}, request.form, step)
    db.session.commit()
    return see_other(url_for("grid.mediation", case_id=case_id))


@requires("grid.log.write")
def mediate_event(event_id: int):
    """Start mediating a dispute event: its parties, then meetings and the agreement on the case page."""
    ev = scoped_or_404(event_id)
    try:
        case = records.mediate_event(ev, MediationIn().load(form_data())["parties"])
    except ValidationError as err:
        db.session.rollback()
        return event_page(scoped_or_404(event_id), HTTPStatus.UNPROCESSABLE_ENTITY, mediation_errors=err.messages,
                           mediation_form=request.form)
    except Refused as err:
        db.session.rollback()
        return event_page(scoped_or_404(event_id), HTTPStatus.UNPROCESSABLE_ENTITY,
                           mediation_errors={"_": [str(err)]}, mediation_form=request.form)
    target = url_for("grid.mediation", case_id=case.id)
    db.session.commit()
    return see_other(target)


def _visit_rows(reason: str):
    """The care list in the user's grids, audited with the reason it was opened for."""

    units = units_within("grid.sensitive.view")
    rows = records.plans(units)
    homes = {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_({r.household_id for r in rows})))}
    buildings = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_({h.parent_id for h in homes.values()}))).all())
    label = {hid: f"{buildings.get(h.parent_id, '')} {h.name}".strip() for hid, h in homes.items()}
    audit.record("grid.sensitive.view", "grid_visit_plan", None, reason=reason, rows=len(rows))
    return rows, label


@requires("grid.sensitive.view")
@writes_on_get
def visits():
    """The care visit list (关爱走访). Opening it needs a reason code; each view goes into the audit log."""
    reason, refusal, context = _view_reason()
    if refusal is not None:
        return refusal
    rows, label = _visit_rows(reason)
    db.session.commit()
    resp = make_response(render_template("grid/visits.html", **{**context, "rows": rows, "label": label,
                                                                "reason": reason}))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _view_reason():
    """(reason, None, context) when a valid reason code was chosen; otherwise (None, the chooser page, …):
    200 when none was asked yet, 422 for a missing or unknown one."""
    context = {"reasons": VIEW_REASONS, "care_types": CARE_TYPES, "rows": None, "label": {}, "names": _grid_names(),
               "reason": None, "today": records.today(), "errors": {}}
    if "reason" not in request.args:
        return None, render_template("grid/visits.html", **context), context
    try:
        return ViewReasonIn().load({"reason": request.args.get("reason", "")})["reason"], None, context
    except ValidationError as err:
        page = render_template("grid/visits.html", **{**context, "errors": err.messages})
        return None, (page, HTTPStatus.UNPROCESSABLE_ENTITY), context


@requires("grid.sensitive.view")
@writes_on_get
def export_visits():
    """The care list as a sheet: the same reason code and the same audit as viewing it, and a watermark."""

    reason, refusal, _context = _view_reason()
    if refusal is not None:
        return refusal
    rows, label = _visit_rows(reason)
    names = _grid_names()
    out = [[f"导出人 {g.user.username} · {clock.utcnow().astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M} · 原因 {reason}"]]
    out += [[names.get(r.grid_id, ""), label.get(r.household_id, ""), str(CARE_TYPES[r.care_type]), r.cadence_days,
             r.next_due.isoformat(), clock.local(r.last_visit_at).strftime("%Y-%m-%d") if r.last_visit_at else ""]
            for r in rows]
    db.session.commit()
    return sheets.download("xlsx", "关爱走访名单", ["网格", "户", "关爱类型", "走访周期（天）", "下次走访", "上次走访"], out)


def _visit_form(status=HTTPStatus.OK, errors=None, form=None):
    """Choose the grid, then one of its households (the list follows the grid through htmx)."""
    form = form or {"cadence_days": 30, "grid_id": request.args.get("grid_id", "")}
    mine = [g for g in grids() if current().can("grid.sensitive.view", g.path)]
    chosen = next((g for g in mine if str(g.id) == str(form.get("grid_id", ""))), mine[0] if mine else None)
    return render_template("grid/visit_new.html", grids=mine, chosen=chosen, care_types=CARE_TYPES,
                           homes=records.households(chosen) if chosen else [], errors=errors or {}, form=form), status


@requires("grid.sensitive.view")
def new_visit_plan():
    """Put a household on the care list: care type, how often, first visit date."""
    return _visit_form()


@requires("grid.sensitive.view")
def add_visit_plan():
    try:
        records.add_plan(VisitPlanIn().load(form_data()))
    except ValidationError as err:
        db.session.rollback()
        return _visit_form(HTTPStatus.UNPROCESSABLE_ENTITY, err.messages, request.form)
    except Refused as err:
        db.session.rollback()
        return _visit_form(HTTPStatus.UNPROCESSABLE_ENTITY, {"_": [str(err)]}, request.form)
    db.session.commit()
    return see_other(url_for("grid.visits"))
