"""Hostile sheets on the import pages: broken XML, entity bombs, external entities, a cell at
XFD1048576, 300,000 rows. Each gets a clear reason (422) quickly, and nothing is imported."""
from __future__ import annotations

import io
import time
import zipfile
from http import HTTPStatus

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.db import db
from core.org.models import OrgUnit
from core.tenancy import tenant_scope
from core.testing.factories import login, post

HEADER = ["编码", "名称", "类型", "上级编码"]
SHEET = "xl/worksheets/sheet1.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
NOT_XLSX = "文件不是有效的 XLSX 表格"
TOO_MANY_ROWS = "一次最多导入 5000 行"


def workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_sheet(xml: bytes, base: bytes | None = None) -> bytes:
    """The workbook with its first sheet's XML replaced, as a hand-made hostile file would be."""
    src = zipfile.ZipFile(io.BytesIO(base or workbook([HEADER])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, xml if item.filename == SHEET else src.read(item.filename))
    return out.getvalue()


def sheet_xml(rows: str, prolog: str = "", dimension: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet {NS}>{dimension}'
            f"<sheetData>{rows}</sheetData></worksheet>").encode()


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


BILLION_LAUGHS = '<!DOCTYPE worksheet [<!ENTITY a "hahahahahahahahahaha">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>"
HOSTILE = {
    "malformed": with_sheet(b'<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1"'),
    "billion_laughs": with_sheet(sheet_xml(f'<row r="1">{text_cell("A1", "&j;")}</row>', BILLION_LAUGHS)),
    "external_entity": with_sheet(sheet_xml(f'<row r="1">{text_cell("A1", "&x;")}</row>',
                                            '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>')),
}


@pytest.fixture(scope="module")
def tall_files():
    """Made once: 300,000 rows of one number (7.8 MB of XML: its rows are counted) and of four text
    cells (too large to unpack: refused from the zip's directory)."""
    numbers = "<row><c><v>1</v></c></row>" * 300_000
    texts = "".join(f'<row r="{n}">{text_cell(f"A{n}", f"c{n}")}{text_cell(f"B{n}", "网格")}'
                    f'{text_cell(f"C{n}", "网格")}{text_cell(f"D{n}", "root")}</row>' for n in range(1, 300_001))
    return {"numbers": with_sheet(sheet_xml(numbers)), "texts": with_sheet(sheet_xml(texts))}


@pytest.fixture
def street(app, client, create_tenant, create_user):
    t = create_tenant()
    login(client, create_user(t, "tenant_admin"))
    with app.app_context(), tenant_scope(t.id, commit=False):
        t.root_code = db.session.get(OrgUnit, t.root_id).code
    return t


def unit_count(app, street) -> int:
    with app.app_context(), tenant_scope(street.id, commit=False):
        return db.session.scalar(select(func.count()).select_from(OrgUnit))


def import_org(client, street, data: bytes, name: str = "org.xlsx"):
    """Post the file; return the answer and the CPU seconds the request cost.

    CPU time of this thread (the test client runs the app in it), not wall time: a file that makes
    the import walk a million rows costs many CPU seconds however busy or idle the machine is.
    """
    started = time.thread_time()
    resp = post(client, f"/t/{street.slug}/org/import", {"file": (io.BytesIO(data), name)},
                content_type="multipart/form-data")
    return resp, time.thread_time() - started


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("page", ["org/import", "admin/users/import"])
def test_broken_xml_and_entity_tricks_are_refused_on_both_import_pages(app, client, street, kind, page):
    before = unit_count(app, street)
    resp = post(client, f"/t/{street.slug}/{page}", {"file": (io.BytesIO(HOSTILE[kind]), "sheet.xlsx")},
                content_type="multipart/form-data")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and NOT_XLSX in resp.text
    assert "root:" not in resp.text and "hahaha" not in resp.text
    assert unit_count(app, street) == before


def test_xml_entities_are_refused_by_defusedxml():
    """openpyxl parses with defusedxml whenever it is installed; without it the DTD would be read."""
    import openpyxl
    from openpyxl.xml import functions
    assert openpyxl.DEFUSEDXML and functions.iterparse.__module__.startswith("defusedxml")


def test_one_cell_at_xfd1048576_is_refused_at_once(app, client, street):
    def row(n: int, values: list[str]) -> str:
        return f'<row r="{n}">{"".join(text_cell(f"{c}{n}", v) for c, v in zip("ABCD", values))}</row>'
    rows = (row(1, HEADER) + row(2, ["sec-c01", "安全社区", "社区", street.root_code])
            + f'<row r="1048576">{text_cell("XFD1048576", "x")}</row>')
    data = with_sheet(sheet_xml(rows, dimension='<dimension ref="A1:XFD1048576"/>'))
    assert len(data) < 6000
    before = unit_count(app, street)
    resp, seconds = import_org(client, street, data)
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and TOO_MANY_ROWS in resp.text
    assert seconds < 2
    assert unit_count(app, street) == before


@pytest.mark.parametrize("kind", ["numbers", "texts"])
def test_300000_rows_are_refused_in_under_two_seconds(app, client, street, tall_files, kind):
    message = {"numbers": TOO_MANY_ROWS, "texts": "表格内容太多，请拆分成几个文件再导入"}[kind]
    assert len(tall_files[kind]) < 10 * 1024 * 1024  # under the upload limit
    before = unit_count(app, street)
    resp, seconds = import_org(client, street, tall_files[kind])
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and message in resp.text
    assert seconds < 2
    assert unit_count(app, street) == before


def test_a_sheet_whose_dimension_lies_imports_every_row_it_has(app, client, street):
    """The dimension is neither trusted for its width (XFD) nor for its height (row 2 of 3)."""
    data = workbook([HEADER, ["sec-c02", "安全二社区", "社区", street.root_code],
                     ["sec-c03", "安全三社区", "社区", street.root_code]])
    body = zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    assert b'<dimension ref="A1:D3"' in body
    resp, _seconds = import_org(client, street, with_sheet(body.replace(b"A1:D3", b"A1:XFD2"), data))
    assert resp.status_code == HTTPStatus.OK
    with app.app_context(), tenant_scope(street.id, commit=False):
        names = set(db.session.scalars(select(OrgUnit.name).where(OrgUnit.code.in_(["sec-c02", "sec-c03"]))))
    assert names == {"安全二社区", "安全三社区"}


def test_a_csv_of_five_million_lines_is_refused_in_under_two_seconds(app, client, street):
    before = unit_count(app, street)
    resp, seconds = import_org(client, street, b"1\n" * 5_000_000, "org.csv")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and TOO_MANY_ROWS in resp.text
    assert seconds < 2
    assert unit_count(app, street) == before


def test_a_csv_cell_too_large_to_read_is_refused_with_a_reason(app, client, street):
    data = ",".join(HEADER).encode() + b"\nsec-c03," + b"x" * 200_000 + b",\xe7\xa4\xbe\xe5\x8c\xba,root\n"
    resp, _seconds = import_org(client, street, data, "org.csv")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "无法读取 CSV 文件" in resp.text
