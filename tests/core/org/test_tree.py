"""The organization tree: browse lazily, add, rename, move (history kept), import and export."""
from __future__ import annotations

import csv
import io
from http import HTTPStatus

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import db
from core.org.models import OrgUnit, OrgUnitHistory
from core.tenancy import tenant_scope
from core.testing.factories import htmx, login, post, xlsx


@pytest.fixture
def street(create_tenant):
    return create_tenant()


@pytest.fixture
def admin(client, create_user, street):
    account = create_user(street, "tenant_admin")
    login(client, account)
    return account


def count_units(app, street, **filters) -> int:
    with app.app_context(), tenant_scope(street.id, commit=False):
        return db.session.scalar(select(func.count()).select_from(OrgUnit).filter_by(**filters))


def test_tree_expands_one_level_as_a_fragment(client, admin, street, create_unit):
    community = create_unit(street, street.root_id, "community", "幸福社区")
    create_unit(street, community.id, "grid", "第一网格", grid_type="residential")
    resp = client.get(f"/t/{street.slug}/org/{street.root_id}/children", headers=htmx(target="kids"))
    assert resp.status_code == HTTPStatus.OK
    assert "幸福社区" in resp.text and "<html" not in resp.text
    assert f'hx-get="/t/{street.slug}/org/{community.id}/children"' in resp.text


def test_adding_a_node_with_a_blank_name_shows_the_error_inline_and_writes_nothing(app, client, admin, street):
    before = count_units(app, street)
    resp = post(client, f"/t/{street.slug}/org/{street.root_id}/children", {"kind": "community", "name": "", "code": "c1"},
                headers=htmx())
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert resp.headers["HX-Retarget"] == "#unit-form"
    assert 'id="err-name"' in resp.text and "必填项" in resp.text
    assert count_units(app, street) == before


def test_an_exclusive_grid_needs_its_site(app, client, admin, street, create_unit):
    community = create_unit(street, street.root_id, "community", "和平社区")
    resp = post(client, f"/t/{street.slug}/org/{community.id}/children",
                {"kind": "grid", "name": "农贸市场", "code": "m1", "grid_type": "exclusive", "site_type": ""})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "专属网格需要选择" in resp.text
    resp = post(client, f"/t/{street.slug}/org/{community.id}/children",
                {"kind": "grid", "name": "农贸市场", "code": "m1", "grid_type": "exclusive", "site_type": "market"})
    assert resp.status_code == HTTPStatus.SEE_OTHER
    assert count_units(app, street, kind="grid") == 1


def test_a_duplicate_code_is_refused(client, admin, street, create_unit):
    create_unit(street, street.root_id, "community", "甲社区")
    with_code = post(client, f"/t/{street.slug}/org/{street.root_id}/children", {"kind": "community", "name": "乙", "code": "dup"})
    assert with_code.status_code == HTTPStatus.SEE_OTHER
    again = post(client, f"/t/{street.slug}/org/{street.root_id}/children", {"kind": "community", "name": "丙", "code": "dup"})
    assert again.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "编码已存在" in again.text


def test_rename_keeps_history(app, client, admin, street, create_unit):
    community = create_unit(street, street.root_id, "community", "旧名社区")
    assert post(client, f"/t/{street.slug}/org/{community.id}/rename", {"name": "新名社区"}).status_code == HTTPStatus.SEE_OTHER
    page = client.get(f"/t/{street.slug}/org/{community.id}").text
    assert "新名社区" in page and "旧名社区 → 新名社区" in page


def test_moving_a_grid_carries_its_subtree(app, client, admin, street, create_unit):
    c1 = create_unit(street, street.root_id, "community", "一社区")
    c2 = create_unit(street, street.root_id, "community", "二社区")
    grid = create_unit(street, c1.id, "grid", "网格", grid_type="residential")
    building = create_unit(street, grid.id, "building", "1栋")
    assert post(client, f"/t/{street.slug}/org/{grid.id}/move", {"parent_id": c2.id}).status_code == HTTPStatus.SEE_OTHER
    with app.app_context(), tenant_scope(street.id, commit=False):
        moved = db.session.get(OrgUnit, building.id)
        assert moved.path == f"{c2.path}{grid.id}/{building.id}/"
        assert db.session.scalar(select(func.count()).select_from(OrgUnitHistory).filter_by(action="move")) == 1


def test_moving_a_node_under_its_own_child_is_refused(app, client, admin, street, create_unit):
    community = create_unit(street, street.root_id, "community", "社区")
    grid = create_unit(street, community.id, "grid", "网格", grid_type="residential")
    resp = post(client, f"/t/{street.slug}/org/{community.id}/move", {"parent_id": grid.id})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "不能把节点移动到它自己或它的下级之下" in resp.text
    with app.app_context(), tenant_scope(street.id, commit=False):
        assert db.session.get(OrgUnit, community.id).parent_id == street.root_id


def test_moving_under_another_tenants_node_is_refused(client, admin, street, create_unit, create_tenant):
    other = create_tenant()
    community = create_unit(street, street.root_id, "community", "社区")
    resp = post(client, f"/t/{street.slug}/org/{community.id}/move", {"parent_id": other.root_id})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "上级节点不存在" in resp.text


def test_search_finds_by_name(client, admin, street, create_unit):
    create_unit(street, street.root_id, "community", "靠山社区")
    resp = client.get(f"/t/{street.slug}/org/search?q=靠山", headers=htmx(target="search-results"))
    assert "靠山社区" in resp.text and "<html" not in resp.text
    assert resp.headers["Vary"].count("HX-Target") == 1


def test_csv_export_opens_in_excel(client, admin, street, create_unit):
    create_unit(street, street.root_id, "community", "幸福社区")
    resp = client.get(f"/t/{street.slug}/org/export.csv")
    assert resp.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编码", "名称", "类型"] and any(r[1] == "幸福社区" for r in rows)
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]


def test_xlsx_export_keeps_codes_as_text(client, admin, street, create_unit):
    create_unit(street, street.root_id, "community", "幸福社区")
    wb = load_workbook(io.BytesIO(client.get(f"/t/{street.slug}/org/export.xlsx").data))
    cell = wb.active["A2"]
    assert cell.number_format == "@" and isinstance(cell.value, str)


def test_import_with_a_bad_row_writes_nothing_and_lists_the_reason(app, client, admin, street):
    before = count_units(app, street)
    data = xlsx([["编码", "名称", "类型", "上级编码"], ["imp-c1", "导入社区", "社区", street.slug],
                 ["imp-g1", "导入网格", "网格", "imp-c1"], ["imp-x", "坏行", "宇宙", "imp-c1"]])
    resp = post(client, f"/t/{street.slug}/org/import", {"file": (data, "org.xlsx")}, content_type="multipart/form-data")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "类型应为" in resp.text and "没有导入任何数据" in resp.text
    assert count_units(app, street) == before


def test_import_the_valid_rows_when_asked(app, client, admin, street):
    before = count_units(app, street)
    data = xlsx([["编码", "名称", "类型", "上级编码"], ["imp-c1", "导入社区", "社区", street.slug],
                 ["imp-g1", "导入网格", "网格", "imp-c1"], ["imp-x", "坏行", "网格", "nowhere"]])
    resp = post(client, f"/t/{street.slug}/org/import", {"file": (data, "org.xlsx"), "mode": "valid"},
                content_type="multipart/form-data")
    assert resp.status_code == HTTPStatus.OK and "已导入 2 行" in resp.text
    assert count_units(app, street) == before + 2


def test_a_malformed_xlsx_is_refused_clearly(client, admin, street):
    resp = post(client, f"/t/{street.slug}/org/import", {"file": (io.BytesIO(b"PK\x03\x04garbage"), "org.xlsx")},
                content_type="multipart/form-data")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "不是有效的 XLSX" in resp.text


def test_a_wrong_file_type_is_refused(client, admin, street):
    resp = post(client, f"/t/{street.slug}/org/import", {"file": (io.BytesIO(b"<svg/>"), "org.svg")},
                content_type="multipart/form-data")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "只支持" in resp.text


def test_an_oversized_upload_is_refused(client, admin, street):
    big = io.BytesIO(b"0" * (11 * 1024 * 1024))
    resp = post(client, f"/t/{street.slug}/org/import", {"file": (big, "org.csv")}, content_type="multipart/form-data")
    assert resp.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE


def test_csv_template_has_a_bom_and_the_header(client, admin, street):
    resp = client.get(f"/t/{street.slug}/org/import-template.csv")
    assert resp.data.startswith(b"\xef\xbb\xbf") and "编码,名称,类型,上级编码" in resp.data.decode("utf-8-sig")
