"""Every unsafe rule refuses a request without the session's CSRF token, and one from another site;
every machine ("api") rule refuses one with neither a key of this tenant nor a token."""
from __future__ import annotations

from http import HTTPStatus

from flask import url_for

from core.testing.factories import csrf_token, login
from core.testing.rows import checksum

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def unsafe_rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & UNSAFE):
            yield rule, method


def url_of(app, rule, tenant, ids):
    examples = getattr(app.view_functions[rule.endpoint], "_example_args", {})
    args = {a: ids.get(a, examples.get(a, 1)) for a in rule.arguments}
    if "tenant" in rule.arguments:
        args["tenant"] = tenant
    with app.test_request_context():
        return url_for(rule.endpoint, **args)


def test_every_unsafe_rule_needs_the_token(app, world, client):
    login(client, world.admin_a)
    from core.org.models import OrgUnit, Person
    ids = {"unit_id": world.rows[world.a.slug][OrgUnit], "person_id": world.rows[world.a.slug][Person],
           "user_id": world.admin_a.id}
    before = checksum(app, world.a.id)
    rules = list(unsafe_rules(app))
    assert len(rules) >= 15
    other = app.test_client()
    foreign_token = csrf_token(other)
    for rule, method in rules:
        url = url_of(app, rule, world.a.slug, ids)
        for data, headers in (({}, {}), ({"csrf_token": foreign_token}, {}), ({}, {"X-CSRFToken": foreign_token}),
                              ({"csrf_token": csrf_token(client)}, {"Sec-Fetch-Site": "cross-site"}),
                              ({"csrf_token": csrf_token(client)}, {"Origin": "https://evil.example"})):
            resp = client.open(url, method=method, data={**data, "name": "x", "reason": "x", "field": "phone"},
                               headers=headers)
            assert resp.status_code == HTTPStatus.FORBIDDEN, f"{method} {url} {data} {headers} → {resp.status_code}"
    assert checksum(app, world.a.id) == before


def test_a_valid_token_in_the_header_or_the_form_works(app, world, client):
    login(client, world.admin_a)
    url = f"/t/{world.a.slug}/inbox/read-all"
    assert client.post(url, headers={"X-CSRFToken": csrf_token(client)}).status_code == HTTPStatus.SEE_OTHER
    assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == HTTPStatus.SEE_OTHER


def test_csrf_failure_on_htmx_says_the_page_expired(app, world, client):
    login(client, world.admin_a)
    resp = client.post(f"/t/{world.a.slug}/inbox/read-all", headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.FORBIDDEN and "页面已过期，请刷新" in resp.text


def test_every_api_rule_refuses_a_post_with_neither_key_nor_token(app, world, client):
    """A machine rule skips CSRF only for a key; a cookie, a wrong key or B's key is never enough."""
    from core.auth import apikeys
    from core.tenancy import tenant_scope
    login(client, world.admin_a)
    with app.app_context(), tenant_scope(world.b.id, user_id=world.admin_b.id):
        b_key = apikeys.new_key("B 的平台", ["open311"])[1]
    before = checksum(app, world.a.id)
    rules = [(rule, method) for rule, method in unsafe_rules(app)
             if getattr(app.view_functions[rule.endpoint], "_audience", None) == "api"]
    assert rules, "Open311 POST is an api rule"
    for rule, method in rules:
        assert hasattr(app.view_functions[rule.endpoint], "_api_scope"), f"{rule.rule}: writes need api_key_required"
        url = url_of(app, rule, world.a.slug, {})
        for who, data, headers in ((app.test_client(), {}, {}), (client, {}, {}),
                                   (client, {"api_key": "jc_wrong"}, {}), (client, {}, {"X-API-Key": b_key}),
                                   (app.test_client(), {}, {"Authorization": f"Bearer {b_key}"})):
            resp = who.open(url, method=method, data={**data, "service_code": "x", "description": "x"}, headers=headers)
            assert resp.status_code == HTTPStatus.FORBIDDEN, f"{method} {url} {data} {headers} → {resp.status_code}"
            assert "Set-Cookie" not in resp.headers, f"{method} {url}: a refused machine request starts no session"
    assert checksum(app, world.a.id) == before
