"""Statistics and exports: the statistics page and its frozen snapshots, the district rollup and shared events, the Excel exports and ledgers, category limits and their what-if replay."""
from __future__ import annotations

from datetime import date
from http import HTTPStatus

from flask import abort, g, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core import api
from core.api import (
    OrgUnit,
    arg,
    audit,
    clock,
    current,
    db,
    district_rollup,
    form_data,
    get_or_404,
    mask_phone,
    parse_date,
    render_page_or_fragment,
    requires,
    see_other,
    sheets,
    units_within,
    writes_on_get,
)

from .. import services, shares, snapshots, stats, summons
from .. import whatif as replays
from ..demo import default_window
from ..machine import Refused
from ..models import ACK_METHODS, PROXY_STATUSES, Category, GridEvent, MediationCase, ProxyService, Transition
from ..schemas import CategoryIn, LimitIn
from .common import LIST_PAGE, categories, grids, in_scope, labels, mask_name, scoped


def _period(two_years: bool = False) -> tuple[date, date]:
    """The period asked for; by default this month, or the last 24 full months for the district view."""
    today = clock.utcnow().astimezone(clock.SHANGHAI).date()
    if two_years and not request.args.get("from"):
        return default_window()
    start = arg("from", parse_date) or today.replace(day=1)
    end = arg("to", parse_date) or today
    return (start, end) if start <= end else (end, start)


@requires("grid.reports.view")
def stats_page():
    """Bucket report and KPIs for a period, each figure with its formula."""
    start, end = _period()
    units = units_within("grid.reports.view")
    kpis, frozen = _figures(start, end, units)
    period = f"{start:%Y-%m}"
    restatements = snapshots.history(period) if frozen else []
    return render_template("grid/stats.html", start=start, end=end, buckets=stats.buckets(start, end, units),
                           kpis=kpis, months=stats.by_month(start, end, units), streets=None, whole=units is None,
                           frozen=frozen, restatements=restatements, period=period,
                           communities=stats.by_community(start, end, units), min_sample=_min_sample(),
                           hotspots=stats.hotspots(units), **labels())


def _figures(start: date, end: date, units) -> tuple[list[stats.Kpi], dict]:
    """The KPIs of a period; a frozen month shows its frozen figures, never today's recount, and a
    figure its snapshot did not hold yet is marked as today's count."""
    kpis = stats.kpis(start, end, units)
    period = f"{start:%Y-%m}"
    frozen = {}
    if units is None and (start, end) == snapshots.month_bounds(period):
        frozen = snapshots.current_rows(period)
        for k in kpis:
            if k.key in frozen:
                k.numerator, k.denominator = frozen[k.key].numerator, frozen[k.key].denominator
            elif frozen:
                k.unfrozen = True
    return kpis, frozen


def _min_sample() -> int:
    """The tenant's minimum sample for showing a rate per unit (a district may set it for its streets)."""
    return int(api.settings("grid").get("min_ranking_sample", 10))


@requires("grid.reports.view")
def restate():
    """Publish corrected figures for a frozen month, with the reason (the old figures stay)."""
    if not current().has("grid.config.grids"):
        abort(403)
    period = request.form.get("period", "")
    try:
        start, end = snapshots.month_bounds(period)
        snapshots.restate(period, request.form.get("reason", ""))
    except (ValueError, Refused) as err:
        db.session.rollback()
        message = str(err) if isinstance(err, Refused) else _("月份格式不正确")
        return render_template("errors/error.html", status=422, message=message), HTTPStatus.UNPROCESSABLE_ENTITY
    db.session.commit()
    return see_other(url_for("grid.stats_page", **{"from": start.isoformat(), "to": end.isoformat()}))


@requires("grid.reports.view")
@district_rollup
@writes_on_get
def rollup():
    """District: the same report over its streets (read-only, audited)."""
    start, end = _period(two_years=True)
    card = api.is_fragment_request("widget-grid-rollup")  # the dashboard's card shows the buckets alone
    figures = api.cached_rollup("grid.rollup", lambda: _rollup_figures(start, end, card), start.isoformat(),
                                end.isoformat(), "card" if card else "page")
    result = figures["buckets"]
    audit.record("district.rollup", "grid_event", None, endpoint="grid.rollup",
                 streets=[s.slug for s in g.rollup_streets], buckets=sum(v["solved"] for v in result.values()))
    db.session.commit()
    kpis = stats.kpi_list(figures["kpis"]) if "kpis" in figures else []
    return render_page_or_fragment("grid/stats.html", "grid/_rollup_card.html", "widget-grid-rollup", start=start,
                                   end=end, buckets=result, kpis=kpis, months=figures.get("months", []),
                                   streets=g.rollup_streets, **labels())


def _rollup_figures(start: date, end: date, card: bool) -> dict:
    """The district's figures over its streets, as plain JSON to share between workers."""
    if card:
        return {"buckets": stats.buckets(start, end)}
    return {"buckets": stats.buckets(start, end), "kpis": stats.kpi_counts(stats.kpis(start, end)),
            "months": stats.by_month(start, end)}


@requires("grid.shared.view")
@district_rollup
@writes_on_get
def shared():
    """District: events its streets shared with district departments (read-only). Each street's
    audit log records which of its events were read, by whom."""

    department = request.args.get("department", "").strip()[:64]
    page = shares.shared_with_district(department or None, after=request.args.get("after"), limit=LIST_PAGE)
    rows = page.rows
    shares.audit_street_reads(g.tenant.slug, "grid.shared", [e for _s, e in rows])
    audit.record("district.rollup", "grid_share", None, endpoint="grid.shared",
                 streets=[s.slug for s in g.rollup_streets], rows=len(rows))
    db.session.commit()
    street_names = {s.id: s.name for s in g.rollup_streets}
    departments = shares.departments_shared()
    return render_template("grid/shared.html", rows=rows, page=page, street_names=street_names, department=department,
                           departments=departments, streets=g.rollup_streets, **labels())


@requires("grid.shared.view")
@district_rollup
@writes_on_get
def shared_event(share_id: int):
    """District: one shared event with its timeline, read-only; the read goes into the street's log."""

    found = shares.shared_with_district(share_id=share_id).rows
    if not found:
        abort(404)
    row, event = found[0]
    shares.audit_street_reads(g.tenant.slug, "grid.shared_event", [event])
    audit.record("district.rollup", "grid_event", event.id, endpoint="grid.shared_event",
                 streets=[s.slug for s in g.rollup_streets if s.id == event.tenant_id], rows=1)
    db.session.commit()
    timeline = list(db.session.scalars(select(Transition).where(Transition.event_id == event.id)
                                       .order_by(Transition.id)))
    return render_template("grid/shared_event.html", share=row, event=event, timeline=timeline,
                           category=db.session.get(Category, event.category_id), summons=summons.of_event(event.id),
                           street=next((s.name for s in g.rollup_streets if s.id == event.tenant_id), ""),
                           **labels())


@requires("grid.reports.view")
@writes_on_get
def export():
    """The period's events as a sheet, with a watermark line (who exported, when); reporters'
    phones masked unless the user may reveal them. Audited, so it writes on a GET."""
    start, end = _period()
    lo, hi = stats.bounds(start, end)
    rows = db.session.scalars(scoped(select(GridEvent).where(GridEvent.created_at >= lo, GridEvent.created_at <= hi))
                              .order_by(GridEvent.created_at, GridEvent.id).limit(20000))
    cats = {c.id: c for c in categories()}
    units = api.unit_labels(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "grid")))  # 社区·网格
    reveal = current().has("grid.identity.reveal")
    lab = labels()
    out = [[f"导出人 {g.user.username} · {clock.utcnow().astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M} · "
            f"{start.isoformat()} 至 {end.isoformat()}"]]
    for e in rows:
        cat = cats.get(e.category_id)
        out.append([e.ref_no, e.title, cat.name if cat else "", lab["bucket_names"].get(cat.bucket, "") if cat else "",
                    units.get(e.grid_id, ""), lab["sources"].get(e.source, e.source), lab["urgencies"][e.urgency],
                    lab["states"][e.state], clock.local(e.created_at).strftime("%Y-%m-%d %H:%M"),
                    clock.local(e.closed_at).strftime("%Y-%m-%d %H:%M") if e.closed_at else "",
                    lab["closures"].get(e.closure_type, "") if e.closure_type else "",
                    "" if e.case_on_time is None else ("按期" if e.case_on_time else "超期"),
                    lab["callback_results"].get(e.callback_result, "") if e.callback_result else "",
                    (e.reporter_phone or "") if reveal else mask_phone(e.reporter_phone)])
    header = ["编号", "标题", "类别", "分类", "网格", "来源", "紧急程度", "状态", "上报时间", "结案时间", "办理结果",
              "是否按期", "回访结果", "反映人电话"]
    audit.record("grid.export", "grid_event", None, rows=len(out) - 1, start=start.isoformat(), end=end.isoformat())
    db.session.commit()
    return sheets.download("xlsx", f"网格事件{start:%Y%m%d}-{end:%Y%m%d}", header, out)


@requires("grid.reports.view")
def export_figures():
    """The period's KPIs as a sheet, each with its numerator, denominator and formula, and whether it is
    a frozen figure. Aggregates only (no one's details), so a plain read: it takes no write lock."""
    start, end = _period()
    kpis, frozen = _figures(start, end, units_within("grid.reports.view"))
    rows = [[f"导出人 {g.user.username} · {clock.utcnow().astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M} · "
             f"{start.isoformat()} 至 {end.isoformat()}"]]
    rows += [[str(k.label), k.value, k.numerator, k.denominator if k.kind == "rate" else "", str(k.formula),
              "当前统计（冻结时尚无此项）" if k.unfrozen else "冻结数据" if frozen else "当前统计"] for k in kpis]
    return sheets.download("xlsx", f"考核指标{start:%Y%m%d}-{end:%Y%m%d}",
                           ["指标", "数值", "分子", "分母", "计算方法", "数据来源"], rows)


@requires("grid.reports.view")
def ledger():
    """The printable ledger (台账) of a period, grid by grid."""
    start, end = _period()
    lo, hi = stats.bounds(start, end)
    rows = list(db.session.scalars(scoped(select(GridEvent).where(GridEvent.created_at >= lo, GridEvent.created_at <= hi))
                                   .order_by(GridEvent.grid_id, GridEvent.created_at).limit(5000)))
    names = {g.id: g.label for g in grids()}
    by_grid: dict = {}
    for e in rows:
        by_grid.setdefault(e.grid_id, []).append(e)
    by_grid = {names.get(k, _("未指定网格")): v for k, v in by_grid.items()}
    agreements = list(db.session.scalars(in_scope(select(MediationCase).where(
        MediationCase.agreement_on >= start, MediationCase.agreement_on <= end), MediationCase.grid_id)
        .order_by(MediationCase.grid_id, MediationCase.agreement_on).limit(2000)))
    proxies = list(db.session.scalars(in_scope(select(ProxyService).where(
        ProxyService.created_at >= lo, ProxyService.created_at <= hi), ProxyService.grid_id)
        .order_by(ProxyService.grid_id, ProxyService.created_at).limit(2000)))
    return render_template("grid/ledger.html", start=start, end=end, by_grid=by_grid, cats={c.id: c for c in categories()},
                           printed_by=g.user.display_name, printed_at=clock.utcnow(), agreements=agreements,
                           proxies=proxies, grid_names=names, proxy_statuses=PROXY_STATUSES, ack_methods=ACK_METHODS,
                           mask=mask_name, reveal=current().has("grid.identity.reveal"), **labels())


def _category_rows() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.bucket, Category.code)))


WHATIF_DEFAULTS = {"whatif": None, "whatif_errors": {}, "proposed": {}}


@requires("grid.config.categories")
def categories_page():
    """The tenant's categories with their buckets and time limits (new limits apply to new events only)."""
    return render_template("grid/categories.html", rows=_category_rows(), errors={}, editing=None, **WHATIF_DEFAULTS,
                           **labels())


@requires("grid.config.categories")
def whatif():
    """假设推演: the last six months replayed under the limits typed into the 推演 column; nothing is saved."""
    rows = _category_rows()
    proposed, errors = {}, {}
    for c in rows:
        value = request.args.get(f"limit_value_{c.id}", "").strip()
        if not value:
            continue  # left empty: the limit in force
        try:
            data = LimitIn().load({"limit_value": value, "limit_unit": request.args.get(f"limit_unit_{c.id}", "")})
        except ValidationError as err:
            errors[c.id] = err.messages
            continue
        proposed[c.id] = (data["limit_value"], data["limit_unit"])
    result = None
    if not errors and request.args.get("run"):
        result = replays.replay(proposed, services.calendar())
    resp = render_page_or_fragment("grid/categories.html", "grid/_whatif.html", "whatif-result", rows=rows, errors={},
                                   editing=None, whatif=result, whatif_errors=errors, proposed=request.args, **labels())
    resp.status_code = HTTPStatus.UNPROCESSABLE_ENTITY if errors else HTTPStatus.OK
    return resp


@requires("grid.config.categories")
def save_category(category_id: int):
    row = get_or_404(Category, category_id)
    try:
        data = CategoryIn().load(form_data())
    except ValidationError as err:
        return render_template("grid/categories.html", rows=_category_rows(), errors=err.messages, editing=category_id,
                               **WHATIF_DEFAULTS, **labels()), HTTPStatus.UNPROCESSABLE_ENTITY
    before = {k: getattr(row, k) for k in data}
    for key, value in data.items():
        setattr(row, key, value)
    audit.record("grid.category", "grid_category", row.id, before=before, after=data)
    db.session.commit()
    return see_other(url_for("grid.categories_page"))
