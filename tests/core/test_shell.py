"""The page shell: language, large text, security headers, htmx configuration, errors by audience."""
from __future__ import annotations

import json
import re
from http import HTTPStatus
from pathlib import Path

import pytest

from core.testing.factories import htmx, login, post
from core.testing.html import select_one

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def signed_in(client, create_tenant, create_user):
    street = create_tenant()
    login(client, create_user(street, "tenant_admin"))
    return street


def test_chinese_by_default_english_on_request(client, signed_in):
    page = client.get(f"/t/{signed_in.slug}/", headers={"Accept-Language": "zh-CN"}).text
    assert '<html lang="zh-CN">' in page and "工作台" in page
    assert post(client, "/lang", {"lang": "en", "next": f"/t/{signed_in.slug}/"}).status_code == HTTPStatus.SEE_OTHER
    page = client.get(f"/t/{signed_in.slug}/").text
    assert '<html lang="en">' in page and "Dashboard" in page and "工作台" not in page


def test_the_language_switch_only_returns_to_this_site(client, signed_in):
    resp = post(client, "/lang", {"lang": "en", "next": "//evil.example/x"})
    assert resp.headers["Location"] == "/"


def test_large_text_mode_is_remembered(client, signed_in):
    post(client, "/large-text", {"next": "/"})
    assert 'class="large-text"' in client.get(f"/t/{signed_in.slug}/").text


def test_every_rule_declares_its_audience(app):
    """Rules outside /t/ say who may reach them; rules inside a tenant default to members."""
    undeclared = [rule.rule for rule in app.url_map.iter_rules()
                  if not rule.rule.startswith("/t/") and not hasattr(app.view_functions[rule.endpoint], "_audience")]
    assert undeclared == []


def test_static_files_are_served_to_anyone(app):
    resp = app.test_client().get("/static/css/app.css")
    assert resp.status_code == HTTPStatus.OK and resp.headers["X-Content-Type-Options"] == "nosniff"


def test_security_headers_on_pages_fragments_errors_and_static(client, signed_in):
    urls = [f"/t/{signed_in.slug}/", f"/t/{signed_in.slug}/widgets/org-summary", "/nope",
            "/static/css/app.css", "/login"]
    for url in urls:
        resp = client.get(url)
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert resp.headers["X-Content-Type-Options"] == "nosniff", url
        assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", url
    assert client.get(f"/t/{signed_in.slug}/").headers["Cache-Control"] == "no-store"


def test_htmx_is_the_vendored_2_0_release_with_its_licence():
    vendor = ROOT / "core/static/vendor"
    files = sorted(p.name for p in vendor.glob("htmx-*.min.js"))
    assert files == ["htmx-2.0.11.min.js"]
    assert 'version:"2.0.11"' in (vendor / files[0]).read_text().replace(" ", "")
    assert (vendor / "htmx-2.0.11.LICENSE").exists()


def test_htmx_config_is_strict_and_swaps_422(client):
    html = client.get("/login").text
    config = json.loads(select_one(html, 'meta[name="htmx-config"]')["content"])
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False and config["historyCacheSize"] == 0
    assert config["selfRequestsOnly"] is True
    assert {"code": "422", "swap": True} in config["responseHandling"]


def test_templates_hold_no_inline_script_style_or_hx_on():
    offenders = []
    for path in list((ROOT / "templates").rglob("*.html")) + list((ROOT / "plugins").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)", text) or re.search(r"\sstyle=", text) or "hx-on" in text \
                or "javascript:" in text or re.search(r'hx-trigger="[^"]*\[', text):
            offenders.append(path.name)
    assert offenders == []


def test_errors_by_audience(client, signed_in):
    page = client.get(f"/t/{signed_in.slug}/org/999999999")
    assert page.status_code == HTTPStatus.NOT_FOUND and "<html" in page.text and "请求编号" in page.text
    fragment = client.get(f"/t/{signed_in.slug}/org/999999999/children", headers=htmx())
    assert fragment.status_code == HTTPStatus.NOT_FOUND and "<html" not in fragment.text and "toast" in fragment.text
    data = client.get(f"/t/{signed_in.slug}/org/999999999", headers={"Accept": "application/json"})
    assert data.get_json()["error"]["code"] == "not_found" and data.get_json()["error"]["request_id"]


def test_the_nav_lists_what_the_role_may_use(client, create_tenant, create_user):
    street = create_tenant()
    login(client, create_user(street, "grid_worker"))
    nav = select_one(client.get(f"/t/{street.slug}/").text, "nav#nav")
    shown, markup = nav.get_text(" "), str(nav)
    assert "组织体系" in shown and "人员" in shown and "用户与授权" not in markup and "审计日志" not in markup


def test_the_inbox_marks_messages_read(app, client, signed_in):
    from sqlalchemy import select

    from core.auth.models import UserAccount
    from core.db import db
    from core.tenancy import tenant_scope
    from core.ui.models import Notification
    page = client.get(f"/t/{signed_in.slug}/inbox")
    assert "暂无消息" in page.text
    with app.app_context():
        uid = db.session.scalar(select(UserAccount.id).order_by(UserAccount.id.desc()).limit(1))
    with app.app_context(), tenant_scope(signed_in.id):
        db.session.add(Notification(user_id=uid, title="事件即将超期", body="网格事件 E-001 还剩 2 小时"))
    html = client.get(f"/t/{signed_in.slug}/").text
    assert '<span class="badge">1</span>' in html
    post(client, f"/t/{signed_in.slug}/inbox/read-all")
    assert '<span class="badge">' not in client.get(f"/t/{signed_in.slug}/").text


def test_audit_log_page_filters_by_action(app, client, signed_in, create_person):
    person = create_person(signed_in, phone="13812345678")
    post(client, f"/t/{signed_in.slug}/people/{person.id}/reveal", {"field": "phone", "reason": "回访"})
    page = client.get(f"/t/{signed_in.slug}/admin/audit?action=pii.", headers=htmx(target="audit-rows"))
    assert "pii.reveal" in page.text and "<html" not in page.text
    none = client.get(f"/t/{signed_in.slug}/admin/audit?action=grant.", headers=htmx(target="audit-rows"))
    assert "pii.reveal" not in none.text


def test_the_audit_chain_verifies_and_detects_an_edited_row(app, client, signed_in, create_person):
    from sqlalchemy import select, update

    from core.audit.models import AuditLog
    from core.db import db
    from core.tenancy import tenant_scope
    person = create_person(signed_in, phone="13812345678")
    for reason in ("回访", "核实"):
        post(client, f"/t/{signed_in.slug}/people/{person.id}/reveal", {"field": "phone", "reason": reason})
    assert 'id="chain"' in client.get(f"/t/{signed_in.slug}/admin/audit?verify=1").text
    assert "日志完整" in client.get(f"/t/{signed_in.slug}/admin/audit?verify=1").text
    from core.tenancy.scopes import system_scope
    with app.app_context(), tenant_scope(signed_in.id):
        first = db.session.scalar(select(AuditLog.id).where(AuditLog.action == "pii.reveal").order_by(AuditLog.id))
    with app.app_context(), system_scope("test: tamper as the owner role") as session:
        # the runtime role cannot update audit rows at all; only someone with the owner's rights can
        session.execute(update(AuditLog).where(AuditLog.id == first).values(detail={"field": "phone", "reason": "改"}))
    assert "被改动过" in client.get(f"/t/{signed_in.slug}/admin/audit?verify=1").text


def test_sign_in_and_out_are_recorded_in_the_platform_log(app, client, create_tenant, create_user):
    from sqlalchemy import select

    from core.audit.models import PlatformAudit
    from core.testing.factories import csrf_token
    street = create_tenant()
    account = create_user(street, "grid_worker")
    client.post("/login", data={"username": account.username, "password": "wrong-password", "csrf_token": csrf_token(client)})
    login(client, account)
    post(client, "/logout")
    from core.tenancy.scopes import system_scope
    with app.app_context(), system_scope("test: read the platform log") as session:
        actions = [a for a, d in session.execute(select(PlatformAudit.action, PlatformAudit.detail).order_by(PlatformAudit.id))
                   if d.get("user_id") == account.id]
    assert actions == ["auth.login_failed", "auth.login", "auth.logout"]
