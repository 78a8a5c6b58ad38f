"""No input breaks a page later: a control character typed, pasted or sent by a machine is refused
at the door (or dropped from an imported sheet), and one already stored no longer breaks an export;
NUL, which PostgreSQL refuses, answers 400 wherever it is sent."""
from __future__ import annotations

import io
from http import HTTPStatus

from marshmallow import fields
from openpyxl import load_workbook
from sqlalchemy import select

from core.db import db
from core.fields import Text
from core.testing.factories import csrf_token, login, post
from core.tenancy import tenant_scope

from ..plugins.grid.conftest import client_for, gw, report  # noqa: F401 (gw is a fixture)
from .schema_walk import errors_for, input_schemas, leaf_fields

ONE_LINE = "不能包含换行、制表符等控制字符"
LONG_TEXT = "不能包含控制字符"


def sheet_texts(resp) -> list[str]:
    return [str(v) for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True) for v in row if v]


def public_report(app, gw, **fields_):
    data = {"title": "路灯坏了", "description": "3 栋门口的路灯不亮", "category_id": gw.categories["SA-GARBAGE"],
            "address": "幸福路 3 号", "reporter_phone": "13812345678", **fields_}
    return post(app.test_client(), f"/t/{gw.street.slug}/grid/report", data)


def titles(app, gw) -> list[str]:
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return list(db.session.scalars(select(GridEvent.title)))


def test_every_text_field_of_every_schema_refuses_control_characters(app):
    with app.test_request_context():
        checked = 0
        for schema in input_schemas():
            for key, field, wrap in leaf_fields(schema):
                if not isinstance(field, fields.String):
                    continue
                where = f"{schema.__module__}.{schema.__name__}.{key}"
                assert isinstance(field, Text), f"{where}: use core.fields.Text (or text()) for strings"
                messages = errors_for(schema, key, wrap("甲\x08乙"))
                assert ONE_LINE in messages or LONG_TEXT in messages, f"{where} took a backspace: {messages}"
                checked += 1
    assert checked >= 100


def test_a_public_report_with_a_control_character_is_refused_and_the_export_still_opens(app, gw):
    resp = public_report(app, gw, title="路灯\x08坏了")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and ONE_LINE in resp.text
    assert not any(t.startswith("路灯") for t in titles(app, gw))
    export = client_for(app, gw.grid_leader).get(f"/t/{gw.street.slug}/grid/export.xlsx")
    assert export.status_code == HTTPStatus.OK


def test_a_description_keeps_its_lines_and_tabs(app, gw):
    from plugins.grid.models import GridEvent
    assert public_report(app, gw, description="第一行\r\n\t第二行").status_code == HTTPStatus.OK
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        assert db.session.scalars(select(GridEvent.description)).one() == "第一行\n\t第二行"


def test_text_stored_before_the_check_no_longer_breaks_the_exports(app, gw):
    """Rows written before this check (or by a script) still export, without the character."""
    from core.org.models import OrgUnit
    from plugins.grid.models import GridEvent
    event_id = report(app, gw, title="路灯坏了")
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.get(GridEvent, event_id).title = "路灯\x08坏了"
        db.session.get(OrgUnit, gw.community.id).name = "幸福\x0b社区"
    staff = client_for(app, gw.admin)
    events = staff.get(f"/t/{gw.street.slug}/grid/export.xlsx")
    assert events.status_code == HTTPStatus.OK and "路灯坏了" in sheet_texts(events)
    tree = staff.get(f"/t/{gw.street.slug}/org/export.xlsx")
    assert tree.status_code == HTTPStatus.OK and "幸福社区" in sheet_texts(tree)


def test_a_unit_name_with_a_control_character_is_refused(app, gw):
    from core.org.models import OrgUnit
    resp = post(client_for(app, gw.admin), f"/t/{gw.street.slug}/org/{gw.community.id}/rename", {"name": "幸福\x0b社区"},
                headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and ONE_LINE in resp.text
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        assert db.session.get(OrgUnit, gw.community.id).name == "幸福社区"


def test_nul_answers_400_in_the_address_the_query_and_the_form(app, gw):
    staff = client_for(app, gw.admin)
    base = f"/t/{gw.street.slug}"
    for url in (f"{base}/grid/?q=路灯%00", f"{base}/people/?q=%00", f"{base}/grid/open311/v2/requests.json?service_code=%00",
                f"{base}/grid/open311/v2/requests/E%00.json", f"{base}%00/grid/", f"{base}/org/search?q=%00"):
        assert staff.get(url).status_code == HTTPStatus.BAD_REQUEST, url
    renamed = post(staff, f"{base}/org/{gw.community.id}/rename", {"name": "幸福\x00社区"})
    assert renamed.status_code == HTTPStatus.BAD_REQUEST
    assert public_report(app, gw, title="路灯\x00坏了").status_code == HTTPStatus.BAD_REQUEST
    assert titles(app, gw) == []


def test_nul_in_an_open311_report_answers_400_in_the_open311_format(app, gw):
    from core.auth import apikeys
    with app.app_context(), tenant_scope(gw.street.id):
        key = apikeys.new_key("12345 平台", ["open311"])[1]
    resp = app.test_client().post(f"/t/{gw.street.slug}/grid/open311/v2/requests.json", headers={"X-API-Key": key},
                                  data={"service_code": "SA-GARBAGE", "description": "路灯\x00坏了", "phone": "13812345678",
                                        "address_string": "幸福路 3 号"})
    assert resp.status_code == HTTPStatus.BAD_REQUEST and resp.json[0]["code"] == HTTPStatus.BAD_REQUEST
    assert titles(app, gw) == []


def test_an_imported_sheet_drops_control_characters_from_its_cells(app, gw):
    from core.org.models import OrgUnit
    sheet = io.BytesIO(f"编码,名称,类型,上级编码\nimp-\x00c1,示例\x0b社区\x00,社区,{gw.street.slug}\n".encode())
    c = app.test_client()
    login(c, gw.admin)
    resp = c.post(f"/t/{gw.street.slug}/org/import", data={"file": (sheet, "org.csv"), "csrf_token": csrf_token(c)},
                  content_type="multipart/form-data")
    assert resp.status_code == HTTPStatus.OK and "已导入 1 行" in resp.text
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        assert db.session.scalars(select(OrgUnit.name).where(OrgUnit.code == "imp-c1")).one() == "示例社区"
