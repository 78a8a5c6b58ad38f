"""At phone size: a resident reports, staff dispatch, a grid worker handles, a checker closes."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from .conftest import report_as_resident, sign_in

pytestmark = pytest.mark.browser


def sign_out(page):
    page.click("[data-testid=logout]")
    expect(page.locator("h1")).to_have_text("登录")


def do(page, action, fill=None):
    page.click(f"details[data-action={action}] > summary")
    for selector, value in (fill or {}).items():
        if selector.startswith("select"):
            page.select_option(selector.split(" ", 1)[1], value)
        else:
            page.fill(selector, value)
    page.click(f"[data-testid=do-{action}]")


def test_a_resident_report_goes_round_the_loop(page, live_server, street):
    street, grid, people = street
    report_as_resident(page, live_server, street, "楼道堆放杂物")
    ref = re.search(r"E\d{8}-[0-9A-F]{6}", page.locator("#report-done").inner_text()).group(0)

    sign_in(page, live_server, people["clerk"])
    expect(page.locator("#widget-grid-open")).to_contain_text("在办事件")
    open_before = int(page.locator("#widget-grid-open .sla-green strong").inner_text())
    page.goto(f"{live_server}/t/{street.slug}/grid/?q={ref}&group=all")
    page.click("#event-rows a")
    expect(page.locator("[data-testid=state]")).to_have_text("待受理")
    do(page, "register")
    expect(page.locator("[data-testid=state]")).to_have_text("已立案待派遣")
    do(page, "dispatch", {"select #dispatch-handler_unit_id": str(grid.id)})
    expect(page.locator("[data-testid=state]")).to_have_text("已派遣待签收")
    event_url = page.url
    sign_out(page)

    sign_in(page, live_server, people["worker"])
    page.goto(event_url)
    do(page, "sign")
    expect(page.locator("[data-testid=state]")).to_have_text("处置中")
    do(page, "submit_result", {"#submit_result-result": "已联系住户清理，楼道畅通"})
    expect(page.locator("[data-testid=state]")).to_have_text("待核查")
    sign_out(page)

    sign_in(page, live_server, people["checker"])
    page.goto(event_url)
    do(page, "check_pass")
    expect(page.locator("[data-testid=state]")).to_have_text("待回访")
    sign_out(page)

    sign_in(page, live_server, people["clerk"])
    page.goto(event_url)
    do(page, "callback", {"select #callback-callback_result": "satisfied"})
    expect(page.locator("[data-testid=state]")).to_have_text("已结案")
    expect(page.locator(".timeline li")).to_have_count(7)
    page.goto(f"{live_server}/t/{street.slug}/")
    expect(page.locator("#widget-grid-open .sla-green strong")).to_have_text(str(open_before - 1))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert page.problems == []


def test_after_reporting_the_address_bar_shows_the_new_event(page, live_server, street):
    street, grid, people = street
    sign_in(page, live_server, people["clerk"])
    page.goto(f"{live_server}/t/{street.slug}/grid/new")
    page.fill("#f-title", "路灯不亮")
    page.select_option("#f-category_id", label="城建物业 · 道路设施损坏")
    page.select_option("#f-grid_id", label="幸福社区·幸福第一网格")
    page.click("#event-form button.primary")
    expect(page.locator("[data-testid=state]")).to_have_text("待受理")
    assert re.search(r"/grid/\d+$", page.url), page.url
    page.reload()
    expect(page.locator("[data-testid=state]")).to_have_text("待受理")
    assert page.problems == []


def test_use_my_location_finds_the_grid_and_nearby_duplicates_and_the_map_links_to_it(page, live_server, street, app,
                                                                                       create_user):
    from core.testing.factories import login, post
    street, grid, people = street
    admin = app.test_client()
    login(admin, create_user(street, "tenant_admin"))
    square = '{"type": "Polygon", "coordinates": [[[116.83, 32.60], [116.834, 32.60], [116.834, 32.603], ' \
             '[116.83, 32.603], [116.83, 32.60]]]}'
    assert post(admin, f"/t/{street.slug}/grid/grids/{grid.id}/boundary",
                {"boundary": square, "reason": "初次绘制", "based_on": 0}).status_code == 303
    sign_in(page, live_server, people["clerk"])
    page.goto(f"{live_server}/t/{street.slug}/grid/new")
    page.select_option("#f-category_id", label="卫生环保 · 楼道堆物")
    page.fill("#f-title", "楼道里堆满纸箱")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 32.6012, "longitude": 116.8315})
    page.click("#use-location")
    expect(page.locator("#f-lat")).to_have_value("32.601200")
    expect(page.locator("#locate-status")).to_have_text("已填入当前位置")
    page.click("#event-form button.primary")
    expect(page.locator("[data-testid=state]")).to_have_text("待受理")
    expect(page.locator("main")).to_contain_text("幸福第一网格")

    page.goto(f"{live_server}/t/{street.slug}/grid/new")
    page.select_option("#f-category_id", label="卫生环保 · 楼道堆物")
    page.click("#use-location")
    expect(page.locator("#dup-panel")).to_contain_text("楼道里堆满纸箱")
    expect(page.locator("#dup-panel")).to_contain_text("附近 50 米内")

    page.goto(f"{live_server}/t/{street.slug}/grid/map")
    box = page.locator("svg.grid-map").bounding_box()
    # on a phone the map keeps a readable size and pans inside its card; the page itself never scrolls sideways
    assert box["width"] >= 800 and page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click(f"svg.grid-map a[data-grid='{grid.id}'] path")
    expect(page.locator("h1")).to_contain_text("幸福第一网格")
    expect(page.locator("#versions")).to_contain_text("现行第 1 版")


def test_a_worker_records_a_proxy_service_on_a_phone(page, live_server, street):
    street, grid, people = street
    sign_in(page, live_server, people["worker"])
    page.goto(f"{live_server}/t/{street.slug}/grid/grids/{grid.id}")
    expect(page.locator("#proxy-fields")).to_have_count(0)
    page.select_option("#l-type", "PROXY")
    expect(page.locator("#l-proxy-items")).to_be_visible()
    page.fill("#l-summary", "为独居老人代办医保报销")
    page.fill("#l-proxy-items", "医保报销单据")
    page.click("#log-form button.primary")
    expect(page.locator("#logs")).to_contain_text("为独居老人代办医保报销")
    page.goto(f"{live_server}/t/{street.slug}/grid/proxy")
    expect(page.locator(".proxy-list")).to_contain_text("医保报销单据")
    assert page.problems == []


#: WeChat's in-app browser on Android, as it introduces itself: residents open the poster's QR code in it
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 14; V2307A Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220133 MMWEBSDK/20240301 MMWEBID/6533 "
             "MicroMessenger/8.0.48.2580(0x28003035) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64")


def test_a_resident_reports_with_a_photo_from_wechats_in_app_browser(browser, live_server, street, app, tmp_path):
    from PIL import Image

    from plugins.grid.models import GridEvent, Photo
    street, grid, _people = street
    photo = tmp_path / "楼道.jpg"
    Image.new("RGB", (1200, 900), (180, 150, 120)).save(photo, "JPEG")
    context = browser.new_context(user_agent=WECHAT_UA, viewport={"width": 360, "height": 640}, locale="zh-CN",
                                  is_mobile=True, has_touch=True, device_scale_factor=3)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    try:
        page.goto(f"{live_server}/t/{street.slug}/grid/report?grid_id={grid.id}")
        page.fill("#f-title", "单元门禁坏了")
        page.select_option("#f-category_id", label="楼道堆物")
        assert page.input_value("#f-grid_id") == str(grid.id)  # the poster's QR code names the grid
        page.fill("#f-address", "3栋1单元")
        page.fill("#f-description", "3栋1单元门禁刷卡没反应")
        page.fill("#f-reporter_phone", "13912345678")
        page.check("input[name=anonymity][value=public_anon]")
        page.set_input_files("#f-photo", str(photo))
        page.click("#report-form button.primary")
        expect(page.locator("#report-done")).to_contain_text("受理编号")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert problems == []
    finally:
        context.close()
    from core.tenancy import tenant_scope
    with app.app_context(), tenant_scope(street.id, commit=False) as session:
        event = session.scalars(select(GridEvent).where(GridEvent.title == "单元门禁坏了")).one()
        assert (event.grid_id, event.anonymity, event.source) == (grid.id, "public_anon", "RESIDENT")
        assert session.scalars(select(Photo).where(Photo.event_id == event.id)).one().width <= 1600
