"""补贴台账: the monthly run (preview score → tier → amount per compound), budget, standards, the review
and approval queues, the printable voucher, corrections with a reason, reports and XLSX exports."""
from __future__ import annotations

from datetime import date

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from core import api
from core.api import OrgUnit, db, form_action, get_or_404

from ..models import PropertyCompany
from ..models.assessment import Assessment
from ..models.subsidy import SubsidyEntry, SubsidyStandard
from ..schemas_money import BudgetIn, MonthIn, NoteIn, ReasonIn, StandardIn, VoucherIn
from ..services import ledger, money_reports as reports, subsidy as svc
from ..services.money import as_points, month_start, rounding_label, yuan
from . import labels

ENTRY_KINDS = {"budget": _l("预算"), "accrual": _l("计提"), "reversal": _l("冲销"), "disbursement": _l("拨付")}
STATES = {"draft": _l("待社区审核"), "community_reviewed": _l("待街道审批"), "street_approved": _l("待拨付"), "disbursed": _l("已拨付"),
          "reversed": _l("已冲销"), "posted": _l("已入账")}
BASIS = {"per_household_month": _l("元/户·月"), "per_m2_month": _l("元/平方米·月")}


def _month(default: date | None = None) -> date:
    raw = request.values.get("month") or ""
    if raw:
        try:
            year, mon = (int(x) for x in raw.split("-"))
            return date(year, mon, 1)
        except ValueError:
            abort(400)
    from ..services.scope import today
    t = default or today()
    return month_start(date(t.year - (t.month == 1), 12 if t.month == 1 else t.month - 1, 1))


def helpers() -> dict:
    return {"yuan": yuan, "points": as_points, "entry_kinds": ENTRY_KINDS, "entry_states": STATES,
            "basis_labels": BASIS, "rounding_label": rounding_label, **labels.ALL}


def _names() -> tuple[dict, dict]:
    compounds = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "compound")).all())
    companies = dict(db.session.execute(select(PropertyCompany.id, PropertyCompany.name)).all())
    return compounds, companies


def _ledger_context(month: date, **kw) -> dict:
    compounds, companies = _names()
    lines = svc.compute(month)
    posted = {(e.compound_id, e.provider_id): e for e in db.session.scalars(select(SubsidyEntry).where(
        SubsidyEntry.month == month, SubsidyEntry.kind == "accrual",
        SubsidyEntry.id.not_in(select(SubsidyEntry.reverses_entry_id).where(
            SubsidyEntry.reverses_entry_id.is_not(None)))))}
    entries = list(db.session.scalars(select(SubsidyEntry).where(SubsidyEntry.month == month)
                                      .order_by(SubsidyEntry.id)))
    steps = svc.steps_of([e.id for e in entries])
    return {"month": month, "lines": lines, "posted": posted, "entries": entries,
            "states": {e.id: svc.state_of(e, steps.get(e.id, {})) for e in entries},
            "totals": ledger.month_totals([month]).get(month, {"budget": 0, "accrued": 0, "disbursed": 0}),
            "recent": reports.month_rows(12), "compounds": compounds, "companies": companies,
            "errors": {}, "form": {}, **helpers(), **kw}


def ledger_page():
    month = _month()
    return api.render_page_or_fragment("property/subsidy_ledger.html", "property/_subsidy_month.html",
                                       "subsidy-month", **_ledger_context(month))


def run():
    def act(data):
        month = _month()
        return svc.run_month(month)
    return form_action(MonthIn(), act, page="property/subsidy_ledger.html", fragment="property/_subsidy_month.html",
                       form_id="subsidy-month", context=lambda **kw: _ledger_context(_month(), **kw),
                       done=lambda _r: url_for("property.subsidy", month=request.form.get("month")),
                       message=_("本月补贴已计提"))


def budget():
    def act(data):
        year, mon = (int(x) for x in data["month"].split("-"))
        return svc.post_budget(date(year, mon, 1), data["amount"], data["reason"])
    return form_action(BudgetIn(), act, page="property/subsidy_ledger.html", fragment="property/_subsidy_month.html",
                       form_id="subsidy-month", context=lambda **kw: _ledger_context(_month(), **kw),
                       done=lambda e: url_for("property.subsidy", month=f"{e.month:%Y-%m}"),
                       message=_("月度预算已入账"))


def standards():
    rows = db.session.scalars(select(SubsidyStandard).order_by(SubsidyStandard.mode, SubsidyStandard.effective_from
                                                               .desc())).all()
    return render_template("property/subsidy_standards.html", rows=rows, errors={}, form={}, **helpers())


def add_standard():
    def act(data):
        data["rate_fen"] = data.pop("rate")
        return svc.add_standard(data)
    return form_action(StandardIn(), act, page="property/subsidy_standards.html",
                       fragment="property/subsidy_standards.html", form_id="standard-form",
                       context=lambda **kw: {"rows": db.session.scalars(select(SubsidyStandard)).all(), **helpers(),
                                             **kw},
                       done=lambda _s: url_for("property.subsidy_standards"), message=_("补贴标准已保存"))


def _voucher_context(entry: SubsidyEntry, **kw) -> dict:
    compounds, companies = _names()
    reversal = db.session.scalar(select(SubsidyEntry).where(SubsidyEntry.reverses_entry_id == entry.id))
    original = db.session.get(SubsidyEntry, entry.reverses_entry_id) if entry.reverses_entry_id else None
    steps = svc.steps_of([entry.id]).get(entry.id, {})
    assessment = db.session.get(Assessment, entry.assessment_id) if entry.assessment_id else None
    related = list(db.session.scalars(select(SubsidyEntry).where(
        SubsidyEntry.compound_id == entry.compound_id, SubsidyEntry.month == entry.month,
        SubsidyEntry.compound_id.is_not(None)).order_by(SubsidyEntry.id))) if entry.compound_id else [entry]
    users = {}
    ids = {s.user_id for s in steps.values() if s.user_id} | {e.created_by for e in related if e.created_by}
    if ids:
        users = dict(db.session.execute(select(api.Account.id, api.Account.display_name)
                                        .where(api.Account.id.in_(ids))).all())
    return {"e": entry, "reversal": reversal, "original": original, "steps": steps, "assessment": assessment,
            "related": related, "state": svc.state_of(entry, steps), "payable": svc.payable(entry) if entry.compound_id
            else 0, "compounds": compounds, "companies": companies, "users": users, "errors": {}, "form": {},
            **helpers(), **kw}


def _visible(entry: SubsidyEntry) -> SubsidyEntry:
    """A line of a compound the user reviews (or a street-level budget line): else 404."""
    unit = api.org_unit(entry.compound_id) if entry.compound_id else None
    if unit is not None and not any(api.can(p, unit) for p in ("property.subsidy.review", "property.subsidy.compute")):
        abort(404)
    return entry


def voucher(entry_id: int):
    entry = _visible(get_or_404(SubsidyEntry, entry_id))
    return render_template("property/subsidy_voucher.html", **_voucher_context(entry))


def _entry_action(schema, service, message):
    def view(entry_id: int):
        entry = _visible(get_or_404(SubsidyEntry, entry_id))
        return form_action(schema, lambda data: service(entry, data), page="property/subsidy_voucher.html",
                           fragment="property/subsidy_voucher.html", form_id="voucher-actions",
                           context=lambda **kw: _voucher_context(entry, **kw),
                           done=lambda r: url_for("property.subsidy_voucher", entry_id=_target(entry, r)),
                           message=message)
    return view


def _target(entry: SubsidyEntry, result) -> int:
    if isinstance(result, tuple):
        return (result[1] or result[0]).id
    return result.id if isinstance(result, SubsidyEntry) else entry.id


review = _entry_action(NoteIn(), lambda e, d: svc.review(e, d["note"]), _("社区审核已通过"))
approve = _entry_action(NoteIn(), lambda e, d: svc.approve(e, d["note"]), _("街道审批已通过"))
disburse = _entry_action(VoucherIn(), lambda e, d: svc.disburse(e, d["voucher_no"]), _("已登记拨付"))
correct = _entry_action(ReasonIn(), lambda e, d: svc.correct(e, d["reason"]), _("已冲销并重新入账"))


def queue():
    compounds, companies = _names()
    rows = reports.queue_rows()
    return render_template("property/subsidy_queue.html", rows=rows, compounds=compounds, companies=companies,
                           **helpers())


def report_page():
    months = reports.month_rows(24)
    return render_template("property/subsidy_report.html", months=months, by_compound=reports.by_compound(24),
                           by_provider=reports.by_provider(24), exports=reports.EXPORTS, **helpers())


def export(kind: str):
    if kind not in reports.EXPORTS:
        abort(404)
    title, header, rows = reports.EXPORTS[kind]
    api.audit.record("property.subsidy.export", "property_subsidy_export", kind)
    db.session.commit()
    return api.sheets.download("xlsx", title, header, rows())


export = api.example_args(kind="months")(export)


def widget():
    return render_template("property/_subsidy_widget.html", **reports.widget_figures(), **helpers())
