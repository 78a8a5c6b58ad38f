"""A grid is always shown with its community (幸福社区·幸福第一网格), and lists of grids count the way people do
(第1网格, 第2网格 … 第10网格): in the report forms, the queue, the event page, the dispatch list, the map and the export."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from core import clock

from .conftest import act, client_for, report


def test_a_grid_carries_its_community_everywhere_and_grids_sort_naturally(app, gw, create_unit):
    for name in ("第10网格", "第2网格"):
        create_unit(gw.street, gw.community.id, "grid", name, grid_type="residential")
    other = create_unit(gw.street, gw.street.root_id, "community", "靠山社区")
    create_unit(gw.street, other.id, "grid", "第1网格", grid_type="residential")
    admin = client_for(app, gw.admin)
    base = f"/t/{gw.street.slug}/grid"

    form = admin.get(f"{base}/new").text
    options = re.findall(r'<option value="\d+"[^>]*>([^<（]+)', form.split('id="f-grid_id"')[1].split("</select>")[0])
    assert [o for o in options if o.startswith("幸福社区")] == [
        "幸福社区·幸福第一网格", "幸福社区·幸福第二网格", "幸福社区·第2网格", "幸福社区·第10网格"]
    assert "靠山社区·第1网格" in options  # the same 第1网格 name elsewhere is told apart
    public = app.test_client().get(f"{base}/report").text
    assert "幸福社区·第2网格" in public and "靠山社区·第1网格" in public

    e = report(app, gw, title="名字测试")
    assert "幸福社区·幸福第一网格" in admin.get(f"{base}/?q=名字测试").text  # the queue row
    act(app, gw, gw.clerk, e, "register")
    page = admin.get(f"{base}/{e}").text
    assert "幸福社区·幸福第一网格" in page.split("<dt>网格</dt>")[1][:200]  # the event card
    dispatch = page.split('name="handler_unit_id"')[1].split("</select>")[0]
    order = [n for n in re.findall(r">[　]*([^<]+)</option>", dispatch) if n.startswith("幸福社区·")]
    assert order == ["幸福社区·幸福第一网格", "幸福社区·幸福第二网格", "幸福社区·第2网格", "幸福社区·第10网格"]

    assert "幸福社区·第10网格" in admin.get(f"{base}/map").text  # listed (undrawn) with its community
    today = clock.utcnow().astimezone(clock.SHANGHAI).date()
    sheet = load_workbook(io.BytesIO(admin.get(f"{base}/export.xlsx?from={today}&to={today}").data)).active
    row = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "名字测试")
    assert "幸福社区·幸福第一网格" in row


def test_unit_and_person_pickers_search_as_you_type(app, gw, create_unit):
    create_unit(gw.street, gw.community.id, "grid", "第10网格", grid_type="residential")
    other = create_unit(gw.street, gw.street.root_id, "community", "靠山社区")
    create_unit(gw.street, other.id, "grid", "第1网格", grid_type="residential")
    admin = client_for(app, gw.admin)
    base = f"/t/{gw.street.slug}/grid"
    e = report(app, gw)
    act(app, gw, gw.clerk, e, "register")
    page = admin.get(f"{base}/{e}").text
    assert 'hx-get="' in page.split('name="handler_unit_id"')[0][-600:]  # the dispatch field searches as you type
    found = admin.get(f"{base}/pick/units?q=靠山", headers={"HX-Request": "true"}).text
    assert "靠山社区·第1网格" in found and "幸福社区" not in found
    assert "没有找到" in admin.get(f"{base}/pick/units?q=不存在的地方").text

    from core.org.models import Person
    from core.org.services import save_person
    from core.tenancy import tenant_scope
    with app.app_context(), tenant_scope(gw.street.id):
        for name in ("张建国", "李秀英"):
            save_person(Person(kinds=["resident"]), {"name": name, "org_unit_id": gw.grid.id})
    grid_page = admin.get(f"{base}/grids/{gw.grid.id}").text
    assert "pick_people" not in grid_page and f"{base}/grids/{gw.grid.id}/people" in grid_page
    people = admin.get(f"{base}/grids/{gw.grid.id}/people?q=建国").text
    assert "张建国" in people and "李秀英" not in people


def test_the_public_report_page_picks_community_then_compound_then_grid_not_coordinates(app, gw, create_unit):
    other = create_unit(gw.street, gw.street.root_id, "community", "靠山社区")
    far = create_unit(gw.street, other.id, "grid", "第1网格", grid_type="residential")
    garden = create_unit(gw.street, gw.community.id, "compound", "幸福花园")
    create_unit(gw.street, gw.other_grid.id, "building", "3栋", compound_id=garden.id)
    c = app.test_client()
    base = f"/t/{gw.street.slug}/grid"
    page = c.get(f"{base}/report").text
    assert 'name="lat" inputmode' not in page and ">纬度<" not in page  # no latitude box to type into
    assert 'id="pick-community"' in page and "靠山社区·第1网格" in page
    picked = c.get(f"{base}/report/places?community_id={gw.community.id}", headers={"HX-Request": "true"}).text
    assert "幸福社区·幸福第一网格" in picked and "靠山社区·第1网格" not in picked and "幸福花园" in picked
    compound = c.get(f"{base}/report/places?community_id={gw.community.id}&compound_id={garden.id}").text
    assert re.search(rf'<option value="{gw.other_grid.id}" selected>幸福社区·幸福第二网格', compound)
    assert "幸福社区·幸福第一网格" not in compound  # only the grid holding the compound's buildings
    tapped = c.get(f"{base}/report/places?grid_id={far.id}").text
    assert re.search(rf'<option value="{far.id}" selected>靠山社区·第1网格', tapped)


def test_a_role_held_on_a_grid_reads_with_its_community_on_the_users_page(app, gw):
    page = client_for(app, gw.admin).get(f"/t/{gw.street.slug}/admin/users").text
    assert "@ 幸福社区·幸福第一网格" in page  # the grid worker's scope, told apart from other 第一网格
    picker = page.split('id="g-unit"')[1].split("</select>")[0]
    assert "幸福社区·幸福第一网格" in picker
