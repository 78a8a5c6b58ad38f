"""What an operator's monitoring sees: /healthz, /readyz per migration branch, /metrics, JSON logs."""
from __future__ import annotations

import io
import json
import logging

import pytest
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families

from core import migrate
from core.testing import PgDatabase, build_app, require_pg


def samples(client, **headers) -> dict:
    resp = client.get("/metrics", headers=headers)
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


# ---- readiness -------------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request, tmp_path):
    """An app served from an empty database of each kind (as its runtime role on PostgreSQL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/ready.db"
        yield build_app({"SQLALCHEMY_DATABASE_URI": url, "MIGRATE_DATABASE_URL": url})
        return
    pg = PgDatabase(require_pg())
    yield build_app({"SQLALCHEMY_DATABASE_URI": pg.app_url, "MIGRATE_DATABASE_URL": pg.owner_url})
    from core.tenancy.scopes import dispose_owner_engines
    dispose_owner_engines()
    pg.drop()


def test_readyz_names_the_branches_behind_until_the_upgrade_and_after_a_downgrade(empty):
    client = empty.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}

    resp = client.get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["database"] == "ok"
    assert {"core", "grid"} <= set(body["behind"])
    assert "core" in body["status"] and "jiceng db upgrade" in body["status"]

    migrate.upgrade(empty.config["MIGRATE_DATABASE_URL"])
    resp = client.get("/readyz")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "ok" and body["behind"] == []
    assert body["migrations"]["core"]["state"] == "up to date"
    assert set(body["migrations"]) >= {"core", "grid", "volunteer"}

    location = migrate._location("grid", empty.extensions["jiceng.plugins"])
    grid = ScriptDirectory.from_config(migrate.alembic_config("sqlite://", "grid", location))
    previous = grid.get_revision(grid.get_current_head()).down_revision
    with empty.app_context():
        from core.db import db
        db.engine.dispose()  # the downgrade drops tables: no pooled connection may hold them
    migrate.downgrade(empty.config["MIGRATE_DATABASE_URL"], previous, "grid")
    resp = client.get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["behind"] == ["grid"]
    assert body["migrations"]["grid"] == {"current": [previous], "head": [grid.get_current_head()],
                                          "state": "behind"}
    assert body["migrations"]["core"]["state"] == "up to date"

    # newer code migrated this database, then this older code was deployed again
    from sqlalchemy import create_engine, text
    engine = create_engine(empty.config["MIGRATE_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version__grid SET version_num = 'grid_9999'"))
    engine.dispose()
    body = client.get("/readyz").get_json()
    assert body["behind"] == ["grid"] and body["migrations"]["grid"]["state"] == "ahead of this code"
    assert "deploy the code that migrated it" in body["status"]


def test_readyz_answers_503_when_the_database_cannot_be_opened(tmp_path):
    app = build_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/gone/never.db",
                     "MIGRATE_DATABASE_URL": f"sqlite:///{tmp_path}/gone/never.db"})
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["database"] == "unavailable"
    assert app.test_client().get("/healthz").status_code == 200  # liveness does not depend on it


# ---- metrics ---------------------------------------------------------------------------------------

def test_metrics_count_requests_latency_and_errors_per_route_and_plugin(app, create_tenant, create_user,
                                                                        enable_plugin, login_as):
    street = create_tenant()
    enable_plugin(street, "grid")
    client = login_as(create_user(street))
    before = samples(client)
    for _ in range(3):
        assert client.get(f"/t/{street.slug}/grid/").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    after = samples(client)

    grid = {"route": "/t/<tenant>/grid/", "plugin": "grid", "method": "GET"}
    assert value(after, "jiceng_http_requests_total", **grid, status="200") - \
        value(before, "jiceng_http_requests_total", **grid, status="200") == 3
    assert value(after, "jiceng_http_request_duration_seconds_count", **grid) - \
        value(before, "jiceng_http_request_duration_seconds_count", **grid) == 3
    assert value(after, "jiceng_http_request_duration_seconds_sum", **grid) > \
        value(before, "jiceng_http_request_duration_seconds_sum", **grid)
    unmatched = {"route": "<unmatched>", "plugin": "core", "method": "GET", "status": "404"}
    assert value(after, "jiceng_http_requests_total", **unmatched) - \
        value(before, "jiceng_http_requests_total", **unmatched) == 1
    # a core page is labelled core
    assert any(name == "jiceng_http_requests_total" and dict(labels)["plugin"] == "core"
               and dict(labels)["route"] == "/login" for name, labels in after)


def test_a_server_error_is_counted_under_its_route_and_plugin(tmp_path, database):
    from flask import Blueprint

    app = build_app(database)
    boom = Blueprint("boom", __name__)

    @boom.get("/boom")
    def explode():
        raise RuntimeError("boom")
    explode._audience = "public"
    app.register_blueprint(boom)
    app.testing = False  # the production error page, not the exception
    client = app.test_client()
    before = samples(client)
    assert client.get("/boom").status_code == 500
    after = samples(client)
    labels = {"route": "/boom", "plugin": "core"}
    assert value(after, "jiceng_http_errors_total", **labels) - value(before, "jiceng_http_errors_total", **labels) == 1


def test_metrics_are_refused_to_remote_callers_without_the_token(database):
    app = build_app(database, METRICS_TOKEN="s3cret-token")
    client = app.test_client()
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=remote).status_code == 404
    assert client.get("/metrics", environ_base=remote, headers={"Authorization": "Bearer wrong"}).status_code == 404
    ok = client.get("/metrics", environ_base=remote, headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and "jiceng_http_requests_total" in ok.text
    assert client.get("/metrics").status_code == 200  # loopback (a Prometheus beside gunicorn)


def test_each_job_run_is_counted_per_job_and_outcome(app, client, create_tenant):
    from core.events.jobs import run_due
    street = create_tenant()
    before = samples(client)
    with app.app_context():
        done = run_due(tenants=[street.id])
    assert done, "a new tenant has core jobs due"
    after = samples(client)
    for job in {name for _slug, name, _status in done}:
        runs = sum(1 for _slug, name, status in done if name == job and status == "ok")
        assert value(after, "jiceng_job_runs_total", job=job, status="ok") - \
            value(before, "jiceng_job_runs_total", job=job, status="ok") == runs
        assert value(after, "jiceng_job_duration_seconds_count", job=job) - \
            value(before, "jiceng_job_duration_seconds_count", job=job) == runs


# ---- logs ------------------------------------------------------------------------------------------

def test_log_lines_are_json_with_the_request_id_tenant_user_and_route(database, create_tenant, create_user):
    from flask import Blueprint, g

    stream = io.StringIO()
    app = build_app(database, JSON_LOGS=True)
    from core.ops.logs import init_logging
    init_logging(app, stream)  # the same handler, on a stream the test can read
    probe = Blueprint("probe", __name__)

    @probe.get("/t/<tenant>/probe-log")
    def say():
        logging.getLogger("core.probe").warning("line\nbreak \x1b[31m", extra={"rows": 3})
        return str(g.tenant.id)
    say._audience = "tenant"
    app.register_blueprint(probe)
    street = create_tenant()
    account = create_user(street)
    client = app.test_client()
    from core.testing.factories import login
    login(client, account)
    try:
        resp = client.get(f"/t/{street.slug}/probe-log", headers={"X-Request-ID": "lb-1234.abc"})
        assert resp.status_code == 200
        assert resp.headers["X-Request-ID"] == "lb-1234.abc"
        forged = client.get(f"/t/{street.slug}/probe-log", headers={"X-Request-ID": "bad id; \x1b[0m"})
        assert forged.headers["X-Request-ID"] != "bad id; \x1b[0m" and len(forged.headers["X-Request-ID"]) == 16
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "_jiceng", False):
                root.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]  # every line is one JSON object
    probes = [line for line in lines if line["logger"] == "core.probe"]
    assert len(probes) == 2
    first = probes[0]
    assert first["level"] == "WARNING" and first["msg"] == "line\nbreak \x1b[31m" and first["rows"] == 3
    assert first["request_id"] == "lb-1234.abc"
    assert first["tenant"] == street.slug and first["tenant_id"] == street.id and first["user_id"] == account.id
    assert first["route"] == "/t/<tenant>/probe-log" and first["ts"].endswith("Z")
    assert probes[1]["request_id"] == forged.headers["X-Request-ID"]
    assert "\n" not in stream.getvalue().rstrip("\n").split("\n")[0]  # the newline stayed inside the string


def test_a_jobs_process_serves_its_job_metrics_on_a_loopback_port(app, create_tenant):
    import socket
    import urllib.request

    from core.events.jobs import run_due
    from core.ops.metrics import serve_process_metrics
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve_process_metrics(port)
    street = create_tenant()
    with app.app_context():
        done = run_due(tenants=[street.id])
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    job = done[0][1]
    assert f'jiceng_job_runs_total{{job="{job}",status="ok"}}' in text


def test_rotating_the_secret_key_keeps_people_signed_in_while_the_old_key_is_a_fallback(database, create_tenant,
                                                                                       create_user):
    from core.testing.factories import login
    street = create_tenant()
    account = create_user(street)
    old = build_app(database, SECRET_KEY="old-" + "a" * 40)
    client = old.test_client()
    login(client, account)
    page = f"/t/{street.slug}/"
    assert client.get(page).status_code == 200
    cookies = {c.key: c.value for c in client._cookies.values()}
    assert "jiceng" in cookies

    def visit(app):
        other = app.test_client()
        for key, val in cookies.items():
            other.set_cookie(key, val)
        return other.get(page)

    rotated = build_app(database, SECRET_KEY="new-" + "b" * 40, SECRET_KEY_FALLBACKS=["old-" + "a" * 40])
    assert visit(rotated).status_code == 200
    with rotated.test_request_context():
        from core.auth.devices import _serializer
        with old.test_request_context():
            signed_before = _serializer().dumps({"d": 1})
        assert _serializer().loads(signed_before) == {"d": 1}  # a known device stays known
    dropped = build_app(database, SECRET_KEY="new-" + "b" * 40)
    assert visit(dropped).status_code == 303  # the old key retired: signed out, back to the sign-in page


def _sulky_plugin():
    """A module whose dashboard slot always fails (the page goes on without it)."""
    import types

    from core.plugins.hookspecs import hookimpl
    from core.plugins.manifest import PluginManifest
    m = types.ModuleType("sulky_plugin")
    m.MANIFEST = PluginManifest(name="sulky", title="闷闷", description="测试用模块")

    @hookimpl
    def render_slot(slot, ctx, obj):
        raise RuntimeError("sulky slot failed")
    m.render_slot = render_slot
    return m


def test_a_plugins_hook_errors_are_counted_per_plugin_and_hook(database, create_tenant, create_user):
    from core.plugins import admin
    from core.tenancy import tenant_scope
    from core.testing.factories import login
    sulky = build_app(database, EXTRA_PLUGINS={"sulky": _sulky_plugin()}, PLUGIN_DEGRADE_ERRORS=100)
    street = create_tenant()
    with sulky.app_context(), tenant_scope(street.id):
        admin.enable(street.id, "sulky")
    client = sulky.test_client()
    login(client, create_user(street))
    before = samples(client)
    for _ in range(2):
        assert client.get(f"/t/{street.slug}/").status_code == 200  # the slot fails, the page does not
    after = samples(client)
    labels = {"plugin": "sulky", "hook": "render_slot"}
    assert value(after, "jiceng_plugin_hook_errors_total", **labels) - \
        value(before, "jiceng_plugin_hook_errors_total", **labels) == 2
