"""考核: the month's assessments, the checklist where each item autosaves (``hx-post``) and the running
total updates out of band, submit → confirm → publish, and a correction as a new version."""
from __future__ import annotations

from datetime import date

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core import api
from core.api import OrgUnit, Refused, db, form_action, get_or_404

from ..models import PropertyCompany
from ..models.assessment import Assessment, AssessmentScheme
from ..schemas_money import ReasonIn, ScoreIn, StartIn
from ..services import assessment as svc
from ..services.money import as_points, month_start, round_score
from .subsidy import _month, helpers


def _context(**kw) -> dict:
    month = _month()
    rows = list(db.session.scalars(select(Assessment).where(Assessment.month == month)
                                   .order_by(Assessment.compound_id, Assessment.version)))
    compounds = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "compound")).all())
    companies = dict(db.session.execute(select(PropertyCompany.id, PropertyCompany.name)).all())
    return {"month": month, "rows": rows, "compounds": compounds, "companies": companies,
            "state_labels": svc.STATE_LABELS, "card_labels": svc.CARD_LABELS, "errors": {}, "form": {},
            **helpers(), **kw}


def index():
    return render_template("property/assessments.html", **_context())


def start():
    def act(data):
        year, mon = (int(x) for x in data["month"].split("-"))
        if api.org_unit(data["compound_id"]) is None or db.session.get(PropertyCompany, data["provider_id"]) is None:
            raise Refused(_("请选择小区和物业企业"))
        return svc.start(data["compound_id"], data["provider_id"], date(year, mon, 1))
    return form_action(StartIn(), act, page="property/assessments.html", fragment="property/assessments.html",
                       form_id="start-form", context=lambda **kw: _context(**kw),
                       done=lambda a: url_for("property.assessment", assessment_id=a.id), message=_("已新建考核"))


def _sheet(a: Assessment, **kw) -> dict:
    scheme = db.session.get(AssessmentScheme, a.scheme_id)
    compound = api.org_unit(a.compound_id)
    provider = db.session.get(PropertyCompany, a.provider_id)
    score_c = round_score(a.composite_e4, scheme.rounding) if a.composite_e4 is not None else None
    return {"a": a, "scheme": scheme, "compound": compound, "provider": provider, "scores": a.item_scores or {},
            "score_c": score_c, "state_labels": svc.STATE_LABELS, "card_labels": svc.CARD_LABELS,
            "points": as_points, "errors": {}, "form": {}, **helpers(), **kw}


def _visible(a: Assessment) -> Assessment:
    unit = api.org_unit(a.compound_id)
    if unit is None or not any(api.can(p, unit) for p in ("property.assessment.score", "property.assessment.confirm")):
        abort(404)
    return a


def sheet(assessment_id: int):
    a = _visible(get_or_404(Assessment, assessment_id))
    return render_template("property/assessment.html", **_sheet(a))


def score(assessment_id: int):
    """Autosave one item: the row answers, and the running total is swapped out of band."""
    a = get_or_404(Assessment, assessment_id)
    try:
        data = ScoreIn().load(api.form_data())
        svc.score_item(a, data["code"], data["score"], data["note"], data["photo"])
    except Exception as exc:  # noqa: BLE001 - marshmallow's or the service's refusal, shown on the row
        from marshmallow import ValidationError
        if not isinstance(exc, (ValidationError, Refused)):
            raise
        db.session.rollback()
        message = str(exc) if isinstance(exc, Refused) else "；".join(
            str(m) for msgs in exc.messages.values() for m in (msgs if isinstance(msgs, list) else [msgs]))
        return render_template("property/_assessment_saved.html",
                               code=request.form.get("code", ""), error=message, **_totals(assessment_id)), 422
    db.session.commit()
    return render_template("property/_assessment_saved.html", code=data["code"], error="",
                           **_totals(assessment_id))


def _totals(assessment_id: int) -> dict:
    a = db.session.get(Assessment, assessment_id)
    return {"a": a, "points": as_points, "scheme": db.session.get(AssessmentScheme, a.scheme_id)}


ACTIONS = {"submit": (None, lambda a, d: svc.submit(a), _("考核已提交")),
           "confirm": (None, lambda a, d: svc.confirm(a), _("考核已确认，补贴已核算")),
           "publish": (None, lambda a, d: svc.publish(a), _("考核结果已公示")),
           "correct": (ReasonIn, lambda a, d: svc.correct(a, d["reason"]), _("已生成更正版本"))}


def act(assessment_id: int, action: str):
    a = get_or_404(Assessment, assessment_id)
    if action not in ACTIONS:
        abort(404)
    schema, service, message = ACTIONS[action]
    from ..schemas_money import NoteIn
    return form_action((schema or NoteIn)(), lambda data: service(a, data), page="property/assessment.html",
                       fragment="property/assessment.html", form_id="assessment-actions",
                       context=lambda **kw: _sheet(a, **kw),
                       done=lambda r: url_for("property.assessment", assessment_id=r.id), message=message)


act = api.example_args(action="submit")(act)


def scheme_page():
    scheme = svc.default_scheme()
    db.session.commit()
    versions = db.session.scalars(select(AssessmentScheme).order_by(AssessmentScheme.version.desc())).all()
    return render_template("property/assessment_scheme.html", scheme=scheme, versions=versions,
                           total=svc.total_points(scheme), n_items=len(svc.items(scheme)), **helpers())


__all__ = ["index", "start", "sheet", "score", "act", "scheme_page", "month_start"]
