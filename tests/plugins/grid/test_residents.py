"""Residents: a signed-in resident gets the resident form; anyone with the 受理编号 and the phone's last four
digits follows a report (one merged into another shows the case it joined); residents are told of the closure."""
from __future__ import annotations

import re
import secrets
from http import HTTPStatus

from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_scope
from core.testing.factories import csrf_token
from core.testing.html import select as select_html

from .conftest import act, client_for, report


def _addr():
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"


def ref_of(app, gw, event_id):
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        return db.session.get(GridEvent, event_id).ref_no


def lookup(app, gw, ref_no, tail, addr=None):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = addr or _addr()
    return c.post(f"/t/{gw.street.slug}/grid/track",
                  data={"ref_no": ref_no, "phone_tail": tail, "csrf_token": csrf_token(c)})


def close(app, gw, e):
    for account, name, data in ((gw.clerk, "register", {}), (gw.clerk, "dispatch", {"handler_unit_id": gw.grid.id}),
                                (gw.worker, "sign", {}),
                                (gw.worker, "submit_result", {"result": "杂物已清走", "closure_type": "RESOLVED"}),
                                (gw.checker, "check_pass", {}), (gw.clerk, "callback", {"callback_result": "satisfied"})):
        assert act(app, gw, account, e, name, **data).status_code == 200, name


def test_a_signed_in_resident_gets_the_resident_form_with_a_photo_field(app, gw, create_user):
    resident = create_user(gw.street, "resident", unit_id=gw.grid.id)
    c = client_for(app, resident)
    resp = c.get(f"/t/{gw.street.slug}/grid/new")
    assert resp.status_code == HTTPStatus.OK and "我要反映" in resp.text
    assert 'name="photo"' in resp.text and 'name="source"' not in resp.text  # not the staff intake form
    staff = client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/grid/new")
    assert 'name="source"' in staff.text  # staff keep theirs
    c.environ_base["REMOTE_ADDR"] = _addr()
    sent = c.post(f"/t/{gw.street.slug}/grid/", data={
        "title": "楼道灯坏了", "description": "3栋2单元", "category_id": gw.categories["UP-ROAD"], "address": "3栋",
        "reporter_phone": "13900001111", "csrf_token": csrf_token(c)})
    assert sent.status_code == HTTPStatus.OK and "受理编号" in sent.text and "查询办理进度" in sent.text


def test_progress_needs_both_the_number_and_the_digits_and_says_the_same_otherwise(app, gw):
    e = report(app, gw, reporter_phone="13812345678")
    ref = ref_of(app, gw, e)
    right = lookup(app, gw, ref, "5678")
    assert right.status_code == HTTPStatus.OK and "待受理" in right.text and ref in right.text
    wrong_digits = lookup(app, gw, ref, "0000")
    wrong_number = lookup(app, gw, "E20000101-000000", "5678")
    for resp in (wrong_digits, wrong_number):
        assert resp.status_code == HTTPStatus.OK and "都相符的反映" in resp.text
        assert "待受理" not in resp.text and "3栋楼道堆放杂物" not in resp.text
    assert _result(wrong_digits.text) == _result(wrong_number.text)
    bad = lookup(app, gw, ref, "12")
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and "后 4 位" in bad.text


def _result(html: str) -> str:
    return re.search(r'<div class="form-error" role="alert">(.*?)</div>', html, re.S).group(1)


def test_lookups_are_rate_limited_per_address(app, gw):
    e = report(app, gw, reporter_phone="13812345678")
    ref = ref_of(app, gw, e)
    for _ in range(10):
        lookup(app, gw, ref, "0000", addr="10.251.0.9")
    resp = lookup(app, gw, ref, "5678", addr="10.251.0.9")  # even the right answer waits
    assert resp.status_code == HTTPStatus.TOO_MANY_REQUESTS and "待受理" not in resp.text


def test_a_merged_report_shows_the_case_it_joined_and_its_residents_hear_of_the_closure(app, gw, create_user):
    resident = create_user(gw.street, "resident", unit_id=gw.grid.id)
    master = report(app, gw, reporter_phone="13812345678")
    c = client_for(app, resident)
    c.environ_base["REMOTE_ADDR"] = _addr()
    sent = c.post(f"/t/{gw.street.slug}/grid/", data={
        "title": "3栋楼道又堆满杂物", "description": "同一处", "category_id": gw.categories["SA-GARBAGE"],
        "grid_id": gw.grid.id, "address": "3栋", "reporter_phone": "13900002222", "csrf_token": csrf_token(c)})
    dup_ref = re.search(r'<strong class="mono">([^<]+)</strong>', sent.text).group(1)
    from plugins.grid.models import GridEvent
    with app.app_context(), tenant_scope(gw.street.id, commit=False):
        dup = db.session.scalar(select(GridEvent.id).where(GridEvent.ref_no == dup_ref))
    assert act(app, gw, gw.clerk, dup, "merge", master_ref=ref_of(app, gw, master)).status_code == 200
    page = lookup(app, gw, dup_ref, "2222")
    assert "已合并" in page.text and ref_of(app, gw, master) in page.text and 'id="merged-into"' in page.text
    assert "待受理" in page.text  # the master's own progress
    close(app, gw, master)
    page = lookup(app, gw, dup_ref, "2222")
    assert "已结案" in page.text and "杂物已清走" in page.text
    inbox = c.get(f"/t/{gw.street.slug}/inbox").text
    assert "您反映的问题已办结" in inbox and ref_of(app, gw, master) in inbox
    assert "您反映的问题已办结" not in client_for(app, gw.clerk).get(f"/t/{gw.street.slug}/inbox").text


def test_a_residents_dashboard_never_says_the_modules_are_off_while_grid_is_on(app, gw, create_user):
    resident = create_user(gw.street, "resident", unit_id=gw.grid.id)
    page = client_for(app, resident).get(f"/t/{gw.street.slug}/").text
    assert "管理员启用模块后" not in page
    links = select_html(page, "[data-testid=you-can-use] a")
    assert any("/grid/" in a["href"] for a in links), [a["href"] for a in links]
