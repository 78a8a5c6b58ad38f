"""IDOR sweep: every rule with a model id, every method, as A with B's ids: 404, B unchanged.

Rules are read from ``app.url_map``, so a new route is swept the day it is added; a converter
for a model the sweep has no B row for fails the test instead of being skipped.
"""
from __future__ import annotations

from http import HTTPStatus

from core.auth.models import UserAccount
from core.testing.factories import csrf_token, htmx
from core.testing.rows import checksum
from core.web import ModelIdConverter

SKIP_METHODS = {"HEAD", "OPTIONS"}


def id_rules(app):
    for rule in app.url_map.iter_rules():
        models = {arg: conv.model for arg, conv in rule._converters.items() if isinstance(conv, ModelIdConverter)}
        if models:
            yield rule, models


def test_the_sweep_finds_id_routes(app):
    assert len(list(id_rules(app))) >= 10


def test_another_tenants_ids_answer_404_everywhere(app, world, client, login_as):
    login_as(world.admin_a)
    b_rows = {**world.rows[world.b.slug], UserAccount: world.admin_b.id}
    before = checksum(app, world.b.id)
    checked = 0
    for rule, models in id_rules(app):
        values = {}
        for arg, model in models.items():
            assert model in b_rows, f"{rule.rule}: add a {model.__name__} row to core/testing/rows.py"
            values[arg] = b_rows[model]
        examples = getattr(app.view_functions[rule.endpoint], "_example_args", {})
        extra = {a: examples.get(a, "xlsx" if a == "fmt" else "x") for a in rule.arguments
                 if a not in values and a != "tenant"}
        url_args = {**values, **extra, **({"tenant": world.a.slug} if "tenant" in rule.arguments else {})}
        for method in sorted(rule.methods - SKIP_METHODS):
            with app.test_request_context():
                from flask import url_for
                url = url_for(rule.endpoint, **url_args)
            for headers in ({}, htmx(), htmx(target="main")):
                data = {"csrf_token": csrf_token(client), "name": "改名", "reason": "核实", "field": "phone",
                        "parent_id": str(b_rows.get(next(iter(models.values())), 1)), "confirm": "ERASE"}
                resp = client.open(url, method=method, headers=headers, data=data if method != "GET" else None)
                assert resp.status_code == HTTPStatus.NOT_FOUND, f"{method} {url} {headers} → {resp.status_code}"
                assert f"CANARY-{world.b.slug}" not in resp.text
                checked += 1
    assert checked >= 30
    assert checksum(app, world.b.id) == before


def test_a_tenant_without_membership_is_not_found(app, world, client, login_as):
    login_as(world.admin_a)
    for path in ("/", "/org/", "/people/", "/admin/users", "/admin/audit", "/inbox"):
        assert client.get(f"/t/{world.b.slug}{path}").status_code == HTTPStatus.NOT_FOUND


def test_pages_of_a_show_no_canary_of_b(app, world, client, login_as):
    """Canary crawl over every parameterless GET page of the tenant."""
    login_as(world.admin_a)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or set(rule.arguments) - {"tenant", "fmt"} or not rule.rule.startswith("/t/"):
            continue
        with app.test_request_context():
            from flask import url_for
            url = url_for(rule.endpoint, tenant=world.a.slug, **({"fmt": "csv"} if "fmt" in rule.arguments else {}))
        resp = client.get(url + ("?q=CANARY" if "search" in url else ""))
        assert resp.status_code in (200, 404), url
        assert f"CANARY-{world.b.slug}" not in body_text(resp), url


def body_text(resp) -> str:
    """The text a person would see: an XLSX is opened and its cells read."""
    if resp.mimetype.endswith("spreadsheetml.sheet"):
        import io
        import zipfile
        with zipfile.ZipFile(io.BytesIO(resp.data)) as z:
            return " ".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    return resp.get_data(as_text=True)
