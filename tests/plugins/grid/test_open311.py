"""Open311 GeoReport v2: the street's events as 12345 and provincial platforms read them, never who reported."""
from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from http import HTTPStatus

from sqlalchemy import func, select

from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import post

from .conftest import act, client_for, report
from .test_reporting import public

PHONE, NAME = "13812345678", "王秀英"


def base(gw):
    return f"/t/{gw.street.slug}/grid/open311/v2"


def machine(app):
    """A client from its own address, as a platform's server would be."""
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    return c


def count(app, gw):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return db.session.scalar(select(func.count()).select_from(GridEvent))


def ref_of(app, gw, event_id):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return db.session.get(GridEvent, event_id).ref_no


def test_the_service_list_names_each_category_with_its_bucket(app, gw):
    resp = machine(app).get(f"{base(gw)}/services.json")
    assert resp.status_code == HTTPStatus.OK and resp.mimetype == "application/json"
    services = {s["service_code"]: s for s in resp.json}
    assert services["SA-GARBAGE"] == {"service_code": "SA-GARBAGE", "service_name": "垃圾堆放", "description": "垃圾堆放",
                                      "metadata": False, "type": "realtime", "keywords": "", "group": "卫生环保"}
    xml = machine(app).get(f"{base(gw)}/services.xml")
    assert xml.status_code == HTTPStatus.OK and xml.mimetype == "text/xml"
    root = ET.fromstring(xml.data)
    assert root.tag == "services"
    garbage = [s for s in root if s.findtext("service_code") == "SA-GARBAGE"][0]
    assert garbage.findtext("group") == "卫生环保" and garbage.findtext("metadata") == "false"


def test_a_dispatched_event_shows_its_deadline_agency_and_status(app, gw):
    from plugins.grid.models import GridEvent
    event_id = report(app, gw, reporter_name=NAME, address="3栋2单元", description="楼道纸箱堆到二楼")
    act(app, gw, gw.clerk, event_id, "register")
    act(app, gw, gw.clerk, event_id, "dispatch", handler_unit_id=gw.grid.id)
    ref = ref_of(app, gw, event_id)
    resp = machine(app).get(f"{base(gw)}/requests/{ref}.json")
    assert resp.status_code == HTTPStatus.OK
    (row,) = resp.json
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        deadline = db.session.get(GridEvent, event_id).case_deadline
    from core import clock
    assert row["expected_datetime"] == clock.local(deadline).isoformat(timespec="seconds")
    assert row["expected_datetime"].endswith("+08:00") and row["requested_datetime"].endswith("+08:00")
    assert row["updated_datetime"] >= row["requested_datetime"]
    assert row["status"] == "open" and row["status_notes"] == "已派遣待签收"
    assert row["agency_responsible"] == "幸福第一网格" and row["address"] == "3栋"  # the building at most
    assert row["service_code"] == "SA-GARBAGE" and row["description"] == "楼道纸箱堆到二楼"
    assert "lat" not in row and "long" not in row  # reported without a point

    with app.app_context(), tenant_scope(gw.street.id) as session:
        located = session.get(GridEvent, event_id)
        located.lat, located.lng = 32.6012, 116.8321
    (row,) = machine(app).get(f"{base(gw)}/requests/{ref}.json").json
    assert (row["lat"], row["long"]) == (32.6012, 116.8321)
    assert PHONE not in resp.text and NAME not in resp.text
    missing = machine(app).get(f"{base(gw)}/requests/E20000101-000000.json")
    assert missing.status_code == HTTPStatus.NOT_FOUND and missing.json == [{"code": 404, "description": "没有这个受理编号"}]


def test_requests_filter_by_status_code_ids_and_dates_newest_first(app, gw):
    first = report(app, gw, "SA-GARBAGE")
    second = report(app, gw, "UP-ROAD")
    third = report(app, gw, "CO-POLICY")
    act(app, gw, gw.clerk, third, "answer", answer="可到社区服务站办理")
    refs = [ref_of(app, gw, i) for i in (first, second, third)]
    c = machine(app)
    every = c.get(f"{base(gw)}/requests.json").json
    assert [r["service_request_id"] for r in every] == refs[::-1]
    closed = c.get(f"{base(gw)}/requests.json?status=closed").json
    assert [(r["service_request_id"], r["status"], r["status_notes"]) for r in closed] == [
        (refs[2], "closed", "已结案 · 咨询已答复")]
    assert [r["service_request_id"] for r in c.get(f"{base(gw)}/requests.json?status=open").json] == refs[1::-1]
    assert [r["service_request_id"] for r in c.get(f"{base(gw)}/requests.json?service_code=UP-ROAD").json] == [refs[1]]
    by_id = c.get(f"{base(gw)}/requests.json?service_request_id={refs[0]},{refs[2]}&status=open").json
    assert [r["service_request_id"] for r in by_id] == [refs[2], refs[0]]  # ids win over the other filters
    assert c.get(f"{base(gw)}/requests.json?start_date=2099-01-01T00:00:00%2B08:00").json == []
    assert len(c.get(f"{base(gw)}/requests.json?start_date=2020-01-01&end_date=2099-12-31T23:59:59Z").json) == 3
    bad = c.get(f"{base(gw)}/requests.json?start_date=yesterday")
    assert bad.status_code == HTTPStatus.BAD_REQUEST and "ISO-8601" in bad.json[0]["description"]
    assert c.get(f"{base(gw)}/requests.json?status=pending").status_code == HTTPStatus.BAD_REQUEST
    xml = ET.fromstring(c.get(f"{base(gw)}/requests.xml?status=closed").data)
    assert xml.tag == "service_requests" and [r.findtext("status") for r in xml] == ["closed"]


def test_jurisdiction_must_be_this_street(app, gw, create_tenant):
    c = machine(app)
    ok = c.get(f"{base(gw)}/services.json?jurisdiction_id={gw.street.slug}")
    assert ok.status_code == HTTPStatus.OK
    other = create_tenant()
    for url in (f"{base(gw)}/services.json?jurisdiction_id={other.slug}",
                f"{base(gw)}/requests.json?jurisdiction_id={other.slug}"):
        resp = c.get(url)
        assert resp.status_code == HTTPStatus.NOT_FOUND
        assert resp.json == [{"code": 404, "description": f"jurisdiction_id 不存在：这里是 {gw.street.slug}"}]
    xml = c.get(f"{base(gw)}/services.xml?jurisdiction_id=nowhere")
    root = ET.fromstring(xml.data)
    assert xml.status_code == HTTPStatus.NOT_FOUND and root.tag == "errors" and root[0].findtext("code") == "404"
    assert c.get(f"{base(gw)}/services.csv").status_code == HTTPStatus.NOT_FOUND


def test_no_reporter_details_ever_and_anonymous_reports_hide_everything(app, gw):
    public(app, gw, reporter_name=NAME, description=f"我是{NAME}，电话{PHONE}，5栋门口路灯坏了", address="5栋门口",
           anonymity="public_anon")
    public(app, gw, reporter_name="李建国", reporter_phone="13900001111", title="路灯不亮", description="8栋路灯不亮",
           address="8栋")
    report(app, gw, "DI-NEIGHBOUR", reporter_name="张三", reporter_phone="13700002222", address="9栋301",
           description="楼上漏水与邻居争吵")
    for fmt in ("json", "xml"):
        text = machine(app).get(f"{base(gw)}/requests.{fmt}").get_data(as_text=True)
        for secret in (NAME, PHONE, "李建国", "13900001111", "张三", "13700002222", "5栋门口", "9栋301", "争吵"):
            assert secret not in text, (fmt, secret)
        assert "8栋路灯不亮" in text  # a named resident's report keeps its description, never the name
    rows = {r["service_code"]: r for r in machine(app).get(f"{base(gw)}/requests.json").json}
    assert rows["DI-NEIGHBOUR"]["description"] is None and rows["DI-NEIGHBOUR"]["address"] is None


def key_for(app, tenant, account, scopes=("open311",), name="区12345热线平台") -> str:
    """A key made by the street's admin; the secret, as the admin would hand it over."""
    from core.auth import apikeys
    with app.app_context(), tenant_scope(tenant.id, user_id=account.id):
        return apikeys.new_key(name, list(scopes))[1]


REPORT = {"service_code": "SA-SEWAGE", "description": "7栋化粪池外溢", "address_string": "7栋北侧", "phone": PHONE}


def test_a_platform_posts_a_report_with_its_key_and_reads_it_back(app, gw):
    key = key_for(app, gw.street, gw.admin)
    c = machine(app)
    before = count(app, gw)
    resp = c.post(f"{base(gw)}/requests.json", data={
        "api_key": key, "jurisdiction_id": gw.street.slug, "service_code": "SA-SEWAGE",
        "description": "7栋化粪池外溢\n味道很大", "address_string": "7栋北侧", "phone": PHONE, "first_name": "秀英",
        "last_name": "王"})
    assert resp.status_code == HTTPStatus.OK, resp.text
    assert "Set-Cookie" not in resp.headers and "Cookie" not in resp.vary  # no session for a machine
    (created,) = resp.json
    assert created["service_request_id"].startswith("E") and created["service_request_id"] in created["service_notice"]
    assert count(app, gw) == before + 1
    read = c.get(f"{base(gw)}/requests/{created['service_request_id']}.json", headers={"X-API-Key": key})
    assert "Set-Cookie" not in read.headers
    row = read.json[0]
    assert row["status"] == "open" and row["status_notes"] == "待受理" and row["address"] == "7栋北侧"
    assert row["service_name"] == "污水外溢" and row["expected_datetime"] is None  # not dispatched yet
    staff = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/?q={created['service_request_id']}&group=all")
    assert "7栋化粪池外溢" in staff.text  # staff see it in their queue like any resident's report
    for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
        xml = c.post(f"{base(gw)}/requests.xml", data={**REPORT, "description": "又外溢了"}, headers=headers)
        assert xml.status_code == HTTPStatus.OK and ET.fromstring(xml.data)[0].findtext("service_request_id").startswith("E")
        assert "Set-Cookie" not in xml.headers
    assert count(app, gw) == before + 3


def test_a_signed_in_browser_sending_a_key_is_a_machine_not_its_user(app, gw):
    """The admin's session cookie rides along but is neither read nor renewed: the key alone speaks."""
    key = key_for(app, gw.street, gw.admin)
    browser = client_for(app, gw.admin)
    resp = browser.post(f"{base(gw)}/requests.json", data={**REPORT, "api_key": key},
                        headers={"Origin": "https://12345.example"})
    assert resp.status_code == HTTPStatus.OK and "Set-Cookie" not in resp.headers
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        event = db.session.scalars(select(GridEvent).where(GridEvent.ref_no == resp.json[0]["service_request_id"])).one()
        assert event.created_by is None and event.source == "RESIDENT"


def test_a_post_without_a_live_key_of_this_street_is_refused(app, gw, create_tenant, create_user):
    revoked = key_for(app, gw.street, gw.admin)
    from core.auth import apikeys
    from core.auth.models import ApiKey
    with app.app_context(), tenant_scope(gw.street.id, user_id=gw.admin.id):
        apikeys.revoke(db.session.scalars(select(ApiKey.id).where(ApiKey.prefix == revoked[:11])).one())
    other = create_tenant()
    elsewhere = key_for(app, other, create_user(other, "tenant_admin"))
    unscoped = key_for(app, gw.street, gw.admin, scopes=())
    before = count(app, gw)
    c = machine(app)
    for key in (revoked, elsewhere, unscoped, "jc_guessed"):
        resp = c.post(f"{base(gw)}/requests.json", data={**REPORT, "api_key": key})
        assert resp.status_code == HTTPStatus.FORBIDDEN, key
        assert resp.json == [{"code": 403, "description": "API 密钥无效、已撤销，或无权调用此接口"}]
        assert "Set-Cookie" not in resp.headers
    xml = c.post(f"{base(gw)}/requests.xml", data=REPORT, headers={"Authorization": f"Bearer {revoked}"})
    assert xml.status_code == HTTPStatus.FORBIDDEN and ET.fromstring(xml.data)[0].findtext("code") == "403"
    keyless = c.post(f"{base(gw)}/requests.json", data=REPORT)
    assert keyless.status_code == HTTPStatus.FORBIDDEN and "需要 API 密钥" in keyless.json[0]["description"]
    assert "Set-Cookie" not in keyless.headers
    browser = client_for(app, gw.admin)  # signed in, with a valid CSRF token: still no key, still refused
    ambient = post(browser, f"{base(gw)}/requests.json", REPORT)
    assert ambient.status_code == HTTPStatus.FORBIDDEN and "需要 API 密钥" in ambient.json[0]["description"]
    assert count(app, gw) == before


def test_reading_needs_no_key_and_sets_no_cookie(app, gw):
    for url in (f"{base(gw)}/services.json", f"{base(gw)}/requests.xml"):
        resp = machine(app).get(url)
        assert resp.status_code == HTTPStatus.OK and "Set-Cookie" not in resp.headers and "X-CSRFToken" not in resp.headers


def test_a_bad_post_gets_open311_errors_and_stores_nothing(app, gw):
    key = key_for(app, gw.street, gw.admin)
    c = machine(app)
    before = count(app, gw)
    resp = c.post(f"{base(gw)}/requests.json", data={"service_code": "SA-SEWAGE", "description": "",
                                                     "address_string": "7栋", "phone": "12345", "api_key": key})
    assert resp.status_code == HTTPStatus.BAD_REQUEST
    assert resp.json == [{"code": 400, "description": "description: 必填项"},
                         {"code": 400, "description": "phone: 手机号应为 11 位数字，便于回访"}]
    unknown = c.post(f"{base(gw)}/requests.json", data={**REPORT, "service_code": "NOPE", "api_key": key})
    assert unknown.status_code == HTTPStatus.BAD_REQUEST and unknown.json[0]["description"] == "service_code 不存在"
    assert count(app, gw) == before


def test_each_key_has_an_hourly_limit_on_posts_and_shows_its_last_use(app, gw, monkeypatch):
    monkeypatch.setitem(app.config, "API_KEY_POSTS_PER_HOUR", 2)
    key, spare = key_for(app, gw.street, gw.admin), key_for(app, gw.street, gw.admin, name="省平台")
    c = machine(app)
    before = count(app, gw)
    bad = c.post(f"{base(gw)}/requests.json", data={**REPORT, "service_code": "NOPE", "api_key": key})
    assert bad.status_code == HTTPStatus.BAD_REQUEST  # a refused report still counts
    assert c.post(f"{base(gw)}/requests.json", data={**REPORT, "api_key": key}).status_code == HTTPStatus.OK
    limited = c.post(f"{base(gw)}/requests.json", data={**REPORT, "api_key": key})
    assert limited.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert limited.json == [{"code": 429, "description": "这个 API 密钥本小时的提交已达上限，请稍后再试"}]
    assert c.post(f"{base(gw)}/requests.json", data={**REPORT, "api_key": spare}).status_code == HTTPStatus.OK
    assert count(app, gw) == before + 2
    page = client_for(app, gw.admin).get(f"/t/{gw.street.slug}/admin/api-keys")
    used = [row for row in page.text.split("<tr")[1:] if "省平台" in row]
    assert "从未使用" not in used[0]


def test_closing_the_public_page_closes_open311_too(app, gw):
    key = key_for(app, gw.street, gw.admin)
    admin = client_for(app, gw.admin)
    post(admin, f"/t/{gw.street.slug}/admin/modules/grid/settings", {"min_ranking_sample": "10", "reopen_window_days": "15"},
         headers={"HX-Request": "true"})  # public_reports unticked
    for url in (f"{base(gw)}/services.json", f"{base(gw)}/requests.json"):
        resp = machine(app).get(url)
        assert resp.status_code == HTTPStatus.NOT_FOUND and resp.json == [{"code": 404, "description": "本街道未开放居民上报"}]
    closed = machine(app).post(f"{base(gw)}/requests.json", data={**REPORT, "api_key": key})
    assert closed.status_code == HTTPStatus.NOT_FOUND and closed.json[0]["description"] == "本街道未开放居民上报"


def test_a_key_on_a_read_or_a_wrong_address_is_answered_without_a_session(app, gw):
    key = key_for(app, gw.street, gw.admin)
    c = machine(app)
    ok = c.get(f"{base(gw)}/services.json?api_key={key}")
    assert ok.status_code == HTTPStatus.OK and "Set-Cookie" not in ok.headers
    wrong = c.get(f"{base(gw)}/services.csv", headers={"Authorization": f"Bearer {key}"})
    assert wrong.status_code == HTTPStatus.NOT_FOUND and "Set-Cookie" not in wrong.headers


def test_with_the_grid_off_open311_answers_in_its_own_error_format(app, gw):
    from core.plugins import admin
    with app.app_context(), tenant_scope(gw.street.id):
        admin.disable(gw.street.id, "grid")
    for url in (f"{base(gw)}/services.json", f"{base(gw)}/requests.json"):
        resp = machine(app).get(url)
        assert resp.status_code == HTTPStatus.NOT_FOUND
        assert resp.json == [{"code": 404, "description": "本单位未启用「网格化管理」"}]
    xml = machine(app).get(f"{base(gw)}/services.xml")
    assert xml.status_code == HTTPStatus.NOT_FOUND and ET.fromstring(xml.data)[0].findtext("code") == "404"
    created = machine(app).post(f"{base(gw)}/requests.json", data={**REPORT, "api_key": "whatever"})
    assert created.status_code == HTTPStatus.NOT_FOUND and created.json[0]["code"] == 404


def test_a_public_read_masks_personal_details_and_the_key_reads_the_full_record(app, gw):
    from plugins.grid.models import GridEvent
    told = f"我叫{NAME}，住幸福小区3栋2单元301室，电话{PHONE}，身份证340404199001011234，楼道灯坏了"
    public(app, gw, reporter_name=NAME, description=told, address="幸福小区3栋2单元301室")
    with app.app_context(), tenant_scope(gw.street.id):
        e = db.session.scalars(select(GridEvent).where(GridEvent.address == "幸福小区3栋2单元301室")).one()
        e.lat, e.lng, ref = 32.601234567, 116.832198765, e.ref_no
    for url in (f"{base(gw)}/requests.json", f"{base(gw)}/requests/{ref}.json"):
        (row,) = [r for r in machine(app).get(url).json if r["service_request_id"] == ref]
        assert row["address"] == "幸福小区3栋" and (row["lat"], row["long"]) == (32.6012, 116.8322)
        assert "楼道灯坏了" in row["description"] and "我叫＊＊" in row["description"]
        for secret in (NAME, PHONE, "340404199001011234", "301", "2单元"):
            assert secret not in row["description"], secret
    key = key_for(app, gw.street, gw.admin)
    (full,) = machine(app).get(f"{base(gw)}/requests/{ref}.json", headers={"Authorization": f"Bearer {key}"}).json
    assert full["address"] == "幸福小区3栋2单元301室" and full["description"] == told
    assert full["lat"] == 32.601234567
    (listed,) = [r for r in machine(app).get(f"{base(gw)}/requests.json?api_key={key}").json
                 if r["service_request_id"] == ref]
    assert listed["description"] == told
    other = key_for(app, gw.street, gw.admin, scopes=("other",), name="别的用途")
    refused = machine(app).get(f"{base(gw)}/requests/{ref}.json?api_key={other}")
    assert refused.status_code == HTTPStatus.FORBIDDEN and refused.json[0]["code"] == 403
