"""The grid map, boundary versions (redraw, split, merge), event points and duplicates by radius."""
from __future__ import annotations

import json
from datetime import timedelta
from http import HTTPStatus

from sqlalchemy import func, select

from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import act, client_for, report, state_of

LAT, LNG = 32.60, 116.83
M = 1 / 111_195  # one metre of latitude, in degrees


def rect(west, south, east, north) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                            [west, north], [west, south]]]})


def draw(app, gw, grid_id, boundary, account=None, **extra):
    c = client_for(app, account or gw.admin)
    from plugins.grid.models import GridProfile
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        current = db.session.scalar(select(GridProfile.version_no).where(GridProfile.grid_id == grid_id,
                                                                         GridProfile.valid_to.is_(None))) or 0
    return post(c, f"/t/{gw.street.slug}/grid/grids/{grid_id}/boundary",
                {"boundary": boundary, "reason": "按新小区规划调整", "based_on": current, **extra})


def profiles_of(app, gw, grid_id):
    from plugins.grid.models import GridProfile
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return [(p.version_no, p.change, p.valid_to is None, list(p.supersedes), p.id) for p in db.session.scalars(
            select(GridProfile).where(GridProfile.grid_id == grid_id).order_by(GridProfile.version_no))]


def event_row(app, gw, event_id):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        ev = db.session.get(GridEvent, event_id)
        return {"grid_id": ev.grid_id, "grid_version": ev.grid_version, "lat": ev.lat, "lng": ev.lng}


def count_rows(app, gw, model):
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return db.session.scalar(select(func.count()).select_from(model))


# --- versions -----------------------------------------------------------------------------------


def test_redrawing_a_boundary_adds_a_version_and_keeps_the_old_one(app, gw):
    assert draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.833, 32.603)).status_code == HTTPStatus.SEE_OTHER
    first = report(app, gw, title="按第一版上报")
    assert draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.835, 32.604)).status_code == HTTPStatus.SEE_OTHER
    (v1, v2) = profiles_of(app, gw, gw.grid.id)
    assert v1[:3] == (1, "draw", False) and v2[:4] == (2, "redraw", True, [v1[4]])
    assert event_row(app, gw, first)["grid_version"] == v1[4]  # the event keeps the version it was reported under
    assert event_row(app, gw, report(app, gw))["grid_version"] == v2[4]
    page = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}").text
    assert "现行第 2 版" in page and "第 1 版" in page and "调整边界" in page and "按新小区规划调整" in page


def test_a_bad_boundary_is_refused_in_chinese_and_nothing_is_written(app, gw):
    from plugins.grid.models import GridProfile
    cases = {"{not json": "边界不是有效的 GeoJSON",
             json.dumps({"type": "Point", "coordinates": [LNG, LAT]}): "边界应为 GeoJSON 多边形",
             rect(116.83, 32.60, 181, 32.603): "坐标超出范围",
             json.dumps({"type": "Polygon", "coordinates": [[[LNG, LAT], [LNG + 0.001, LAT], [LNG, LAT]]]}):
                 "至少需要 3 个不同的顶点",
             "": "必填项"}
    for boundary, message in cases.items():
        resp = draw(app, gw, gw.grid.id, boundary)
        assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and message in resp.text, boundary
    assert count_rows(app, gw, GridProfile) == 0


def test_a_boundary_form_drawn_on_an_old_version_is_refused(app, gw):
    draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.833, 32.603))
    stale = draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.834, 32.603), based_on=0)
    assert stale.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "刚被其他人修改过" in stale.text
    assert [p[0] for p in profiles_of(app, gw, gw.grid.id)] == [1]


def test_only_grid_configurers_change_boundaries(app, gw):
    assert draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.833, 32.603), account=gw.worker).status_code \
        == HTTPStatus.FORBIDDEN
    assert client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/boundary").status_code \
        == HTTPStatus.FORBIDDEN
    assert profiles_of(app, gw, gw.grid.id) == []


# --- split and merge --------------------------------------------------------------------------------


def test_splitting_a_grid_creates_a_core_grid_and_links_the_versions(app, gw, create_unit):
    from core.org.models import OrgUnit
    building = create_unit(gw.street, gw.grid.id, "building", "12栋")
    draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.836, 32.603))
    c = client_for(app, gw.admin)
    resp = post(c, f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/split", {
        "new_name": "幸福第三网格", "boundary": rect(116.83, 32.60, 116.833, 32.603),
        "new_boundary": rect(116.833, 32.60, 116.836, 32.603), "building_ids": [building.id],
        "reason": "新建小区入住", "based_on": 1})
    assert resp.status_code == HTTPStatus.SEE_OTHER, resp.text[:600]
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        new = db.session.scalars(select(OrgUnit).where(OrgUnit.name == "幸福第三网格")).one()
        assert (new.kind, new.parent_id, new.attrs["grid_type"]) == ("grid", gw.community.id, "residential")
        assert db.session.get(OrgUnit, building.id).parent_id == new.id  # the core tree follows
        new_id = new.id
    old, kept = profiles_of(app, gw, gw.grid.id)
    (made,) = profiles_of(app, gw, new_id)
    assert old[2] is False and kept[:4] == (2, "split", True, [old[4]]) and made[:4] == (1, "split", True, [old[4]])
    page = c.get(f"/t/{gw.street.slug}/grid/grids/{new_id}").text
    assert "拆分自" in page and f"/grid/grids/{gw.grid.id}" in page
    assert "拆分为" in c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}").text


def test_merging_moves_open_events_and_staff_in_one_step_and_keeps_the_history(app, gw, create_person):
    from plugins.grid.models import Assignment
    draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.833, 32.603))
    draw(app, gw, gw.other_grid.id, rect(116.833, 32.60, 116.836, 32.603))
    other_version = profiles_of(app, gw, gw.other_grid.id)[0][4]
    moving = report(app, gw, title="二网格的井盖松动", grid_id=gw.other_grid.id)
    closed = report(app, gw, title="二网格已办结", grid_id=gw.other_grid.id)
    assert act(app, gw, gw.admin, closed, "cancel", reason="重复").status_code == HTTPStatus.OK
    staff = client_for(app, gw.leader)
    leader_a = create_person(gw.street, name="王甲01", org_unit_id=gw.grid.id)
    leader_b = create_person(gw.street, name="李乙02", org_unit_id=gw.other_grid.id)
    post(staff, f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/staff", {"person_id": leader_a.id, "role": "grid_leader"})
    post(staff, f"/t/{gw.street.slug}/grid/grids/{gw.other_grid.id}/staff", {"person_id": leader_b.id,
                                                                              "role": "grid_leader"})
    c = client_for(app, gw.admin)
    resp = post(c, f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/merge", {
        "other_id": gw.other_grid.id, "boundary": rect(116.83, 32.60, 116.836, 32.603), "reason": "两网格合并",
        "based_on": 1})
    assert resp.status_code == HTTPStatus.SEE_OTHER, resp.text[:600]
    assert event_row(app, gw, moving)["grid_id"] == gw.grid.id
    assert event_row(app, gw, moving)["grid_version"] == other_version  # reported under the old grid's version
    assert event_row(app, gw, closed)["grid_id"] == gw.other_grid.id  # closed events stay where they were
    timeline = c.get(f"/t/{gw.street.slug}/grid/{moving}").text
    assert "网格调整" in timeline and "网格合并：由 幸福第二网格 转入 幸福第一网格" in timeline
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        rows = [(a.grid_id, a.person_id, a.role, a.valid_to is None) for a in db.session.scalars(
            select(Assignment).order_by(Assignment.id))]
    assert rows == [(gw.grid.id, leader_a.id, "grid_leader", True), (gw.other_grid.id, leader_b.id, "grid_leader", False),
                    (gw.grid.id, leader_b.id, "full_time", True)]  # one leader per grid: B's joins as a worker
    (a1, a2) = profiles_of(app, gw, gw.grid.id)
    (b1,) = profiles_of(app, gw, gw.other_grid.id)
    assert a2[:4] == (2, "merge", True, [a1[4], b1[4]]) and b1[2] is False
    merged_page = c.get(f"/t/{gw.street.slug}/grid/grids/{gw.other_grid.id}").text
    assert "并入" in merged_page and "不再有现行边界" in merged_page
    assert "合并自" in c.get(f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}").text
    # the merged grid takes no new work: not offered, not counted, its old posters lead to the grid it joined
    assert "在本网格上报事件" not in merged_page and "打印二维码海报" not in merged_page
    assert f'value="{gw.other_grid.id}"' not in c.get(f"/t/{gw.street.slug}/grid/new").text
    assert "幸福第二网格" not in c.get(f"/t/{gw.street.slug}/grid/grids").text
    assert c.get(f"/t/{gw.street.slug}/grid/grids/{gw.other_grid.id}/poster").status_code == HTTPStatus.NOT_FOUND
    assert 'id="patrol-form"' not in merged_page and 'id="log-form"' not in merged_page
    assert post(c, f"/t/{gw.street.slug}/grid/grids/{gw.other_grid.id}/patrols",
                {"started_at": "2026-11-27T09:00", "ended_at": "2026-11-27T10:00"}).status_code == HTTPStatus.NOT_FOUND
    public_page = app.test_client().get(f"/t/{gw.street.slug}/grid/report?grid_id={gw.other_grid.id}").text
    assert f'<option value="{gw.grid.id}" selected>' in public_page


def test_a_grid_is_never_merged_into_itself(app, gw):
    draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.833, 32.603))
    resp = post(client_for(app, gw.admin), f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/merge", {
        "other_id": gw.grid.id, "boundary": rect(116.83, 32.60, 116.836, 32.603), "reason": "误操作", "based_on": 1})
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "不能把网格合并到它自己" in resp.text
    assert len(profiles_of(app, gw, gw.grid.id)) == 1


# --- points ------------------------------------------------------------------------------------------


def test_a_point_without_a_grid_finds_its_grid_and_an_exclusive_grid_wins(app, gw, create_unit):
    from .test_reporting import public
    school = create_unit(gw.street, gw.community.id, "grid", "实验小学专属网格", grid_type="exclusive",
                         site_type="school")
    draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.84, 32.61))
    draw(app, gw, school.id, rect(116.834, 32.604, 116.836, 32.606))
    in_school = report(app, gw, grid_id="", address="", lat="32.605", lng="116.835")
    in_estate = report(app, gw, grid_id="", address="", lat="32.601", lng="116.831")
    nowhere = report(app, gw, grid_id="", address="路口", lat="32.70", lng="116.90")
    assert event_row(app, gw, in_school)["grid_id"] == school.id
    assert event_row(app, gw, in_estate)["grid_id"] == gw.grid.id
    assert event_row(app, gw, nowhere)["grid_id"] is None
    resp, _c = public(app, gw, lat="32.6052", lng="116.8351")
    assert resp.status_code == HTTPStatus.OK and "受理编号" in resp.text
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        latest = db.session.scalars(select(GridEvent).order_by(GridEvent.id.desc())).first()
        assert (latest.grid_id, latest.lat, latest.lng) == (school.id, 32.6052, 116.8351)


def test_a_grid_worker_reporting_by_point_stays_within_their_grids(app, gw):
    from plugins.grid.models import GridEvent
    draw(app, gw, gw.grid.id, rect(116.82, 32.60, 116.83, 32.61))
    draw(app, gw, gw.other_grid.id, rect(116.83, 32.60, 116.84, 32.61))
    c = client_for(app, gw.worker)
    base = {"title": "路灯不亮", "category_id": gw.categories["UP-ROAD"], "urgency": "NORMAL"}
    refused = post(c, f"/t/{gw.street.slug}/grid/", {**base, "lat": "32.605", "lng": "116.835"})
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "该位置属于其他网格" in refused.text
    assert count_rows(app, gw, GridEvent) == 0
    resp = post(c, f"/t/{gw.street.slug}/grid/", {**base, "lat": "32.605", "lng": "116.825"})
    assert resp.status_code == HTTPStatus.SEE_OTHER
    assert event_row(app, gw, int(resp.headers["Location"].rsplit("/", 1)[1]))["grid_id"] == gw.grid.id


def test_bad_coordinates_are_refused_and_nothing_is_written(app, gw):
    from plugins.grid.models import GridEvent
    from .test_reporting import public
    c = client_for(app, gw.clerk)
    base = {"title": "井盖松动", "category_id": gw.categories["UP-ROAD"], "urgency": "NORMAL", "address": "5栋"}
    for extra, message in (({"lat": "95", "lng": "116.8"}, "纬度应在 -90 到 90 之间"),
                           ({"lat": "32.6", "lng": "东经116"}, "经度应在 -180 到 180 之间"),
                           ({"lat": "32.6"}, "请同时填写经度和纬度")):
        resp = post(c, f"/t/{gw.street.slug}/grid/", {**base, **extra})
        assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and message in resp.text, extra
    resp, _c = public(app, gw, lat="32.6", lng="200")
    assert resp.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "经度应在 -180 到 180 之间" in resp.text
    assert count_rows(app, gw, GridEvent) == 0


def test_the_report_forms_offer_my_location_without_inline_script(app, gw):
    staff = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/new").text
    public_page = app.test_client().get(f"/t/{gw.street.slug}/grid/report").text
    for page in (staff, public_page):
        assert "使用我的当前位置" in page and 'data-locate="#f-lat #f-lng"' in page and "<script>" not in page
    assert "#f-lat" in staff.split('id="dup-panel"')[1].split(">")[0]  # the duplicate panel follows the point


# --- duplicates by radius ----------------------------------------------------------------------------


def test_the_duplicate_panel_lists_open_events_of_the_category_within_its_radius(app, gw):
    from plugins.grid.models import GridEvent
    near = report(app, gw, title="30米内的堆物", lat=str(LAT + 30 * M), lng=str(LNG))
    report(app, gw, title="80米外的堆物", lat=str(LAT + 80 * M), lng=str(LNG))
    report(app, gw, "UP-ROAD", title="同一地点的路灯", lat=str(LAT), lng=str(LNG))
    old = report(app, gw, title="半个月前的堆物", lat=str(LAT), lng=str(LNG))
    with app.app_context(), tenant_scope(gw.street.id):
        ev = db.session.get(GridEvent, old)
        ev.created_at = ev.created_at - timedelta(days=15)
    c = client_for(app, gw.clerk)
    panel = c.get(f"/t/{gw.street.slug}/grid/duplicates?category_id={gw.categories['SA-GARBAGE']}"
                  f"&grid_id=&lat={LAT}&lng={LNG}", headers={"HX-Request": "true"}).text
    assert "附近 50 米内" in panel and "30米内的堆物" in panel and "约 30 米" in panel
    assert "80米外" not in panel and "同一地点的路灯" not in panel and "半个月前" not in panel
    assert act(app, gw, gw.admin, near, "cancel", reason="重复").status_code == HTTPStatus.OK
    closed = c.get(f"/t/{gw.street.slug}/grid/duplicates?category_id={gw.categories['SA-GARBAGE']}"
                   f"&lat={LAT}&lng={LNG}").text
    assert "30米内的堆物" not in closed


def test_a_category_with_a_wider_radius_finds_farther_reports(app, gw):
    from plugins.grid.models import Category
    report(app, gw, title="80米外的堆物", lat=str(LAT + 80 * M), lng=str(LNG))
    with app.app_context(), tenant_scope(gw.street.id):
        db.session.get(Category, gw.categories["SA-GARBAGE"]).dup_radius_m = 100
    panel = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/duplicates?category_id="
                                          f"{gw.categories['SA-GARBAGE']}&lat={LAT}&lng={LNG}").text
    assert "附近 100 米内" in panel and "80米外的堆物" in panel


def test_merging_into_a_master_takes_one_within_the_radius(app, gw):
    master = report(app, gw, title="主事件", lat=str(LAT), lng=str(LNG))
    far = report(app, gw, title="200米外", lat=str(LAT + 200 * M), lng=str(LNG))
    near = report(app, gw, title="20米内", lat=str(LAT + 20 * M), lng=str(LNG))
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        from plugins.grid.models import GridEvent
        ref = db.session.get(GridEvent, master).ref_no
    refused = act(app, gw, gw.clerk, far, "merge", master_ref=ref)
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "超出该类别的重复判定范围（50 米）" in refused.text
    assert state_of(app, gw, far)[0] == "SUBMITTED"
    assert act(app, gw, gw.clerk, near, "merge", master_ref=ref).status_code == HTTPStatus.OK
    assert state_of(app, gw, near)[0] == "MERGED"


# --- the map -------------------------------------------------------------------------------------------


def test_the_map_draws_the_tenants_grids_as_links_shaded_by_open_events(app, gw, create_tenant, create_unit,
                                                                       enable_plugin, create_user):
    draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.833, 32.603))
    draw(app, gw, gw.other_grid.id, rect(116.833, 32.60, 116.836, 32.603))
    report(app, gw)
    other = create_tenant(name="西街街道")
    community = create_unit(other, other.root_id, "community", "西街社区")
    foreign = create_unit(other, community.id, "grid", "西街第一网格", grid_type="residential")
    enable_plugin(other, "grid")
    admin_b = create_user(other, "tenant_admin")
    resp = post(client_for(app, admin_b), f"/t/{other.slug}/grid/grids/{foreign.id}/boundary",
                {"boundary": rect(116.83, 32.60, 116.833, 32.603), "reason": "初次绘制", "based_on": 0})
    assert resp.status_code == HTTPStatus.SEE_OTHER
    page = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/map")
    assert page.status_code == HTTPStatus.OK
    svg = page.text.split("<svg class=\"grid-map\"")[1].split("</svg>")[0]
    assert svg.count("<path ") == 2 and "西街第一网格" not in page.text and f"/grids/{foreign.id}" not in page.text
    first = svg.split(f'href="/t/{gw.street.slug}/grid/grids/{gw.grid.id}"')[1].split("</a>")[0]
    second = svg.split(f'href="/t/{gw.street.slug}/grid/grids/{gw.other_grid.id}"')[1].split("</a>")[0]
    assert "幸福社区·幸福第一网格：在办事件 1 件" in first and 'fill="#fff1b8"' in first
    assert "在办事件 0 件" in second and 'fill="#e3f2e6"' in second


def test_a_grid_worker_sees_only_their_grid_on_the_map(app, gw):
    draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.833, 32.603))
    draw(app, gw, gw.other_grid.id, rect(116.833, 32.60, 116.836, 32.603))
    page = client_for(app, gw.worker).get(f"/t/{gw.street.slug}/grid/map").text
    assert f"/grids/{gw.grid.id}\"" in page and f"/grids/{gw.other_grid.id}\"" not in page
    assert "幸福第二网格" not in page


def test_a_boundary_far_from_the_street_or_unchanged_is_refused(app, gw):
    draw(app, gw, gw.grid.id, rect(116.83, 32.60, 116.833, 32.603))
    c = client_for(app, gw.admin)
    far = post(c, f"/t/{gw.street.slug}/grid/grids/{gw.other_grid.id}/boundary",
               {"boundary": rect(121.0, 31.0, 121.003, 31.003), "reason": "上海？", "based_on": 0})
    assert far.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "经纬度是否写反" in far.text
    same = post(c, f"/t/{gw.street.slug}/grid/grids/{gw.grid.id}/boundary",
                {"boundary": rect(116.83, 32.60, 116.833, 32.603), "reason": "再存一次", "based_on": 1})
    assert same.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "与现行版本相同" in same.text
    assert len(profiles_of(app, gw, gw.grid.id)) == 1 and profiles_of(app, gw, gw.other_grid.id) == []
