"""Out-of-range values answer 400 (or a form's 422), never a server error: ids past 64 bits in an
address, a query string or a form, and dates like 0001-01-01 or 9999-12-31 in every period filter,
calendar year, duty week and time field."""
from __future__ import annotations

from http import HTTPStatus

import pytest
from flask import url_for
from marshmallow import fields
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from core import fields as safe
from core.tenancy import tenant_scope
from core.testing.factories import csrf_token, post

from ..plugins.grid.conftest import client_for, gw  # noqa: F401 (gw is a fixture)
from .schema_walk import errors_for, input_schemas, leaf_fields

HUGE = (2**63, 2**64, 10**30)
FAR = ("0001-01-01", "9999-12-31")
REFUSED = (HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY)


def events(app, gw) -> int:
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False) as session:
        return session.scalar(select(func.count()).select_from(GridEvent))


def test_every_id_in_an_address_past_64_bits_answers_400_or_404(app, gw):
    staff = client_for(app, gw.admin)
    checked = 0
    for rule in app.url_map.iter_rules():
        ids = [arg for arg, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if not ids:
            continue
        examples = getattr(app.view_functions[rule.endpoint], "_example_args", {})
        others = {a: examples.get(a, "xlsx" if a == "fmt" else "x") for a in rule.arguments if a not in ids}
        for huge in HUGE:
            with app.test_request_context():
                url = url_for(rule.endpoint, **{**others, **{a: huge for a in ids}, "tenant": gw.street.slug})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                resp = staff.open(url, method=method, data={"csrf_token": csrf_token(staff), "reason": "核实"})
                assert resp.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.NOT_FOUND), f"{method} {url}"
                checked += 1
    assert checked >= 60


def test_ids_past_64_bits_in_a_query_string_answer_400(app, gw):
    staff = client_for(app, gw.admin)
    base = f"/t/{gw.street.slug}"
    for query in (f"/grid/?category={HUGE[0]}", f"/grid/?before=2026-01-01T00:00:00%2B00:00_{HUGE[1]}",
                  f"/grid/new?from_kind=log&from_id={HUGE[0]}", f"/grid/duplicates?category_id={HUGE[1]}",
                  f"/grid/duplicates?category_id=1&grid_id={HUGE[0]}", f"/grid/report?grid_id={HUGE[2]}",
                  f"/people/?after={HUGE[0]}", f"/admin/audit?before={HUGE[1]}"):
        assert staff.get(base + query).status_code == HTTPStatus.BAD_REQUEST, query


@pytest.mark.parametrize("day", FAR)
def test_every_period_filter_refuses_a_date_no_one_means(app, gw, create_tenant, create_user, enable_plugin, day):
    staff = client_for(app, gw.admin)
    base = f"/t/{gw.street.slug}"
    pages = [f"/grid/{page}?from={day}" for page in ("stats", "export.xlsx", "ledger")]
    pages += [f"/grid/{page}?from=2026-01-01&to={day}" for page in ("stats", "export.xlsx", "ledger")]
    pages += [f"/grid/duty?week={day}",
              f"/admin/calendar/?year={day[:4]}", f"/grid/?before={day}T00:00:00%2B14:00_1",
              f"/grid/open311/v2/requests.json?start_date={day}", f"/grid/open311/v2/requests.json?end_date={day}T23:59:59"]
    for page in pages:
        assert staff.get(base + page).status_code == HTTPStatus.BAD_REQUEST, page
    for page in (f"/admin/audit?from={day}", f"/admin/audit?to={day}"):  # a filter form: 422 with the reason
        refused = staff.get(base + page)
        assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "日期应在" in refused.text, page
    district = create_tenant(kind="district")
    enable_plugin(district, "grid")
    rollup = client_for(app, create_user(district, "tenant_admin")).get(f"/t/{district.slug}/grid/rollup?from={day}")
    assert rollup.status_code == HTTPStatus.BAD_REQUEST
    assert staff.get(f"{base}/grid/stats?from=2026-01-01&to=2026-01-31").status_code == HTTPStatus.OK


def test_a_form_with_a_huge_id_or_a_far_date_is_refused_and_changes_nothing(app, gw, create_user):
    clerk, admin = client_for(app, gw.clerk), client_for(app, gw.admin)
    event = {"title": "路灯坏了", "category_id": gw.categories["SA-GARBAGE"], "grid_id": gw.grid.id, "source": "RESIDENT"}
    for bad, message in (({"category_id": HUGE[1]}, "请选择类别"), ({"grid_id": HUGE[0]}, "请选择网格"),
                         ({"device_captured_at": "0001-01-01T00:00:00+14:00"}, "日期应在 1900 年至 2200 年之间"),
                         ({"device_captured_at": "9999-12-31T23:59:59-12:00"}, "日期应在 1900 年至 2200 年之间")):
        resp = post(clerk, f"/t/{gw.street.slug}/grid/", {**event, **bad})
        assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and message in resp.text, bad
    assert events(app, gw) == 0
    duty = post(admin, f"/t/{gw.street.slug}/grid/duty", {"org_unit_id": gw.community.id, "duty_date": FAR[1],
                                                          "shift": "day", "person_id": HUGE[0]})
    assert duty.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "日期应在 1900 年至 2200 年之间" in duty.text
    patrol = post(client_for(app, gw.worker), f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/patrols",
                  {"started_at": "0001-01-01T08:00", "ended_at": "0001-01-01T09:00", "findings": ""})
    assert patrol.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    for day in FAR:
        override = post(admin, f"/t/{gw.street.slug}/admin/calendar/", {"day": day, "day_type": "holiday", "reason": "x"})
        assert override.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "日期应在 1900 年至 2200 年之间" in override.text
    assert admin.get(f"/t/{gw.street.slug}/admin/calendar/").status_code == HTTPStatus.OK
    notice = post(client_for(app, create_user(None, platform_admin=True)), "/platform/calendar/",
                  {"year": "1", "holidays": "0001-01-01 元旦", "workdays": ""})
    assert notice.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "日期应在 1900 年至 2200 年之间" in notice.text


def test_every_number_and_date_field_of_every_schema_refuses_what_overflows(app):
    checks = ((fields.Integer, safe.Integer, (str(HUGE[0]), str(-HUGE[1]))),
              (fields.Date, safe.Date, FAR), (fields.DateTime, safe.AwareDateTime, FAR))
    with app.test_request_context():
        checked = 0
        for schema in input_schemas():
            for key, field, wrap in leaf_fields(schema):
                for kind, kept, values in checks:
                    if not isinstance(field, kind):
                        continue
                    where = f"{schema.__module__}.{schema.__name__}.{key}"
                    assert isinstance(field, kept), f"{where}: use core.fields.{kept.__name__}"
                    for value in values:
                        if isinstance(field, fields.DateTime):
                            value = _as_format(value, field.format)
                        assert errors_for(schema, key, wrap(value)), f"{where} took {value}"
                    checked += 1
    assert checked >= 40


def _as_format(day: str, fmt: str | None) -> str:
    """``day`` at midnight written the way the field reads times (``%Y-%m-%dT%H:%M`` or ISO)."""
    return f"{day}T00:00" if fmt and "%" in fmt else f"{day}T00:00:00+08:00"

