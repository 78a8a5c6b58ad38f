"""共建单位 and 共建协议: co-building units extending core's resident units (reports count distinct uscc),
their covenants with the communities and terms (alerted before the term ends)."""
from __future__ import annotations

from flask import render_template, url_for
from sqlalchemy import select

from flask_babel import gettext as _
from core import api
from core.api import db, form_action, get_or_404, OrgUnit, ResidentUnit

from ..models import Covenant, Unit
from ..schemas import CovenantIn, STATUSES, UNIT_TYPES, UnitIn
from ..services import admin as svc, cycles


def _resident_units(unit: Unit | None = None) -> list[tuple[int, str]]:
    """Core's resident units not yet extended (and this unit's own)."""
    taken = set(db.session.scalars(select(Unit.resident_unit_id).where(Unit.resident_unit_id.is_not(None))))
    if unit is not None:
        taken.discard(unit.resident_unit_id)
    rows = db.session.scalars(select(ResidentUnit).order_by(ResidentUnit.name)).all()
    return [(r.id, f"{r.name}（{r.uscc}）") for r in rows if r.id not in taken]


def _units_context(**kw) -> dict:
    units = db.session.scalars(select(Unit).order_by(Unit.status, Unit.name)).all()
    today = cycles.today()
    ending = {c.unit_id: c.term_end for c in db.session.scalars(select(Covenant).order_by(Covenant.term_end))
              if c.term_end and c.term_end >= today}
    return {"units": units, "ending": ending, "types": UNIT_TYPES, "statuses": STATUSES,
            "resident_units": _resident_units(), "can_manage": api.can("discussion.unit.manage", svc.root_unit()),
            "mask": api.mask_phone, "errors": {}, "form": {"type": "企业", "status": "active"}, **kw}


def units():
    return render_template("discussion/units.html", **_units_context())


def create_unit():
    return form_action(UnitIn(), lambda data: svc.save_unit(None, data), page="discussion/units.html",
                       fragment="discussion/_unit_form.html", form_id="unit-form", context=_units_context,
                       done=lambda u: url_for("discussion.unit", unit_id=u.id), message=_("已登记共建单位"))


def _communities() -> list[tuple[int, str]]:
    rows = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "community")).all()
    labels = api.unit_labels(rows)
    return sorted(((u.id, labels[u.id]) for u in rows), key=lambda p: api.label_key(p[1]))


def _unit_context(unit: Unit, **kw) -> dict:
    covenants = db.session.scalars(select(Covenant).where(Covenant.unit_id == unit.id)
                                   .order_by(Covenant.term_end.desc())).all()
    communities = _communities()
    form = {"resident_unit_id": unit.resident_unit_id, "name": unit.name, "uscc": unit.uscc, "type": unit.type,
            "party_org_name": unit.party_org_name or "", "contact": unit.contact_enc or "", "status": unit.status}
    return {"unit": unit, "covenants": covenants, "communities": communities, "names": dict(communities),
            "types": UNIT_TYPES, "statuses": STATUSES, "resident_units": _resident_units(unit),
            "can_manage": api.can("discussion.unit.manage", svc.unit_scope(unit)), "today": cycles.today(),
            "errors": {}, "form": form, "cov_errors": {}, "cov_form": {}, **kw}


def unit(unit_id: int):
    u = get_or_404(Unit, unit_id)
    return render_template("discussion/unit.html", **_unit_context(u))


def update_unit(unit_id: int):
    u = get_or_404(Unit, unit_id)
    return form_action(UnitIn(), lambda data: svc.save_unit(u, data), page="discussion/unit.html",
                       fragment="discussion/_unit_form.html", form_id="unit-form",
                       context=lambda **kw: _unit_context(u, **kw),
                       done=lambda _u: url_for("discussion.unit", unit_id=u.id), message=_("已保存"))


def add_covenant(unit_id: int):
    u = get_or_404(Unit, unit_id)

    def context(errors=None, form=None):
        return _unit_context(u, cov_errors=errors or {}, cov_form=form or {})
    return form_action(CovenantIn(), lambda data: svc.save_covenant(u, None, data), page="discussion/unit.html",
                       fragment="discussion/_covenant_form.html", form_id="covenant-form", context=context,
                       done=lambda _c: url_for("discussion.unit", unit_id=u.id), message=_("已登记共建协议"))


def _covenant_context(c: Covenant, **kw) -> dict:
    u = db.session.get(Unit, c.unit_id)
    form = {"org_unit_ids": c.org_unit_ids, "term_start": c.term_start, "term_end": c.term_end,
            "commitments": c.commitments, "signed_at": c.signed_at or ""}
    return {"covenant": c, "unit": u, "communities": _communities(), "cov_errors": {}, "cov_form": form, **kw}


def covenant(covenant_id: int):
    c = get_or_404(Covenant, covenant_id)
    return render_template("discussion/covenant.html", **_covenant_context(c))


def update_covenant(covenant_id: int):
    c = get_or_404(Covenant, covenant_id)
    u = db.session.get(Unit, c.unit_id)

    def context(errors=None, form=None):
        return _covenant_context(c, cov_errors=errors or {}, cov_form=form or {})
    return form_action(CovenantIn(), lambda data: svc.save_covenant(u, c, data), page="discussion/covenant.html",
                       fragment="discussion/_covenant_form.html", form_id="covenant-form", context=context,
                       done=lambda _c: url_for("discussion.unit", unit_id=u.id), message=_("已保存"))
