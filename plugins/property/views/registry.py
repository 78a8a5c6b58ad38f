"""小区档案 and 物业企业: compound list and detail, profile, coverage periods, hand-over plans,
committees; companies with their staff accounts."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _

from core import api
from core.api import db, form_action, get_or_404, OrgUnit, Refused

from ..models import CompanyStaff, PropertyCompany
from ..models.registry import FALLBACK_KINDS
from ..schemas import CompanyIn, CoverageIn, GovernanceIn, HandoverIn, ProfileIn, StaffIn
from ..services import coverage, registry as svc, scope
from . import labels


def _guard(permission: str, compound: OrgUnit):
    if not scope.may(permission, compound):
        raise Refused(_("您没有该小区的这项权限"))


def index():
    from ..services import dashboard
    rows = dashboard.compound_rows(community_id=api.arg("community", api.parse_id),
                                   mode=request.args.get("mode") or None, gaps=bool(request.args.get("gaps")),
                                   expiring=bool(request.args.get("expiring")))
    return api.render_page_or_fragment("property/index.html", "property/_compound_rows.html", "compound-rows",
                                       rows=rows, communities=dashboard.communities(), **labels.ALL)


def _compound_context(compound: OrgUnit, **kw) -> dict:
    return {"compound": compound, "profile": svc.profile_of(compound), "periods": coverage.periods_of(compound.id),
            "today": scope.today(), "current": coverage.period_on(compound.id, scope.today()),
            "bodies": svc.bodies_of(compound), "companies": svc.companies(),
            "fallbacks": [c for c in svc.companies() if c.kind in FALLBACK_KINDS],
            "company_names": {c.id: c.name for c in svc.companies()},
            "company_options": [(c.id, c.name) for c in svc.companies()],
            "fallback_options": [(c.id, c.name) for c in svc.companies() if c.kind in FALLBACK_KINDS],
            "counted": coverage.counted_modes(), "errors": {}, "form": {}, **labels.ALL, **kw}


def compound(compound_id: int):
    unit = scope.visible_compound(compound_id)
    return render_template("property/compound.html", **_compound_context(unit))


def _compound_form(schema, service, permission: str, form_id: str, fragment: str, message: str):
    def run(compound_id: int):
        unit = scope.visible_compound(compound_id)

        def act(data):
            _guard(permission, unit)
            return service(unit, data)
        return form_action(schema, act, page="property/compound.html", fragment=fragment, form_id=form_id,
                           context=lambda **kw: _compound_context(unit, **kw),
                           done=lambda _row: url_for("property.compound", compound_id=unit.id), message=message)
    return run


save_profile = _compound_form(ProfileIn(), svc.save_profile, "property.compound.edit", "profile-form",
                              "property/_profile_form.html", "已保存")
add_period = _compound_form(CoverageIn(), coverage.add_period, "property.coverage.edit", "coverage-form",
                            "property/_coverage_form.html", "已登记服务期")
handover = _compound_form(HandoverIn(), coverage.handover, "property.coverage.edit", "handover-form",
                          "property/_handover_form.html", "已登记交接方案")
add_body = _compound_form(GovernanceIn(), svc.add_body, "property.governance.edit", "body-form",
                          "property/_body_form.html", "已登记")


def _companies_context(**kw) -> dict:
    rows = svc.companies()
    return {"companies": rows, "staff": {c.id: svc.staff_of(c) for c in rows}, "errors": {}, "form": {},
            **labels.ALL, **kw}


def companies():
    return render_template("property/companies.html", **_companies_context())


def add_company():
    return form_action(CompanyIn(), svc.add_company, page="property/companies.html",
                       fragment="property/_company_form.html", form_id="company-form", context=_companies_context,
                       done=lambda _row: url_for("property.companies"), message=_("已登记"))


def add_staff(company_id: int):
    company = get_or_404(PropertyCompany, company_id)
    return form_action(StaffIn(), lambda data: svc.add_staff(company, data["username"], data["title"]),
                       page="property/companies.html", fragment="property/_companies_body.html",
                       form_id=f"staff-form-{company.id}", context=_companies_context,
                       done=lambda _row: url_for("property.companies"), message=_("已关联员工账号"))


def remove_staff(staff_id: int):
    row = get_or_404(CompanyStaff, staff_id)
    svc.remove_staff(row)
    db.session.commit()
    api.flash(_("已解除关联"))
    return api.see_other(url_for("property.companies"))
