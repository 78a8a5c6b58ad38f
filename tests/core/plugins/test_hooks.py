"""One test per hook: each is called when and how HOOKS.md says (a parity test keeps count)."""
from __future__ import annotations

import inspect
import re
from datetime import date
from http import HTTPStatus
from pathlib import Path

import pytest

from core.plugins import admin, hookspecs
from core.tenancy import tenant_scope
from core.testing import build_app
from core.testing.factories import login, post

from . import sample_plugins
from .sample_plugins import CALLS

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def full_app(database):
    return build_app(database, EXTRA_PLUGINS={"full": sample_plugins.make_full()})


@pytest.fixture
def street(full_app, create_tenant):
    street = create_tenant()
    with full_app.app_context(), tenant_scope(street.id):
        admin.enable(street.id, "full")
    return street


@pytest.fixture
def fc(full_app, street, create_user):
    client = full_app.test_client()
    login(client, create_user(street, "tenant_admin"))
    return client


# --- parity between hookspecs, HOOKS.md and the tests -------------------------------------------------

def spec_names():
    return sorted(n for n, f in inspect.getmembers(hookspecs, inspect.isfunction)
                  if hasattr(f, "jiceng_spec"))


def test_every_hook_is_documented_with_its_exact_signature_and_tested():
    doc = (ROOT / "core/plugins/HOOKS.md").read_text(encoding="utf-8")
    headings = dict(re.findall(r"^### `(\w+)\(([^)]*)\)", doc, re.M))
    tests = (Path(__file__)).read_text(encoding="utf-8")
    assert sorted(headings) == spec_names()
    for name in spec_names():
        params = list(inspect.signature(getattr(hookspecs, name)).parameters)
        documented = [p.split(":")[0].strip() for p in headings[name].split(",") if p.strip()]
        assert documented == params, f"HOOKS.md signature of {name}"
        assert f"def test_hook_{name}(" in tests, f"missing test_hook_{name}"


# --- boot ---------------------------------------------------------------------------------------

def test_hook_register_hookspecs(full_app):
    assert hasattr(full_app.extensions["jiceng.plugins"].pm.hook, "full_pinged")


def test_hook_register_blueprints(full_app, fc, street):
    assert fc.get(f"/t/{street.slug}/full/").text == "full"


def test_hook_register_permissions(full_app):
    assert "full.use" in {p.code for p in full_app.extensions["jiceng.plugins"].permissions}


def test_hook_register_event_types(full_app):
    assert full_app.extensions["jiceng.plugins"].event_types["full.pinged"].__name__ == "Pinged"


def test_hook_register_audit_labels(full_app, street):
    """Its actions get their names, and an event it emits is in the audit log by that name."""
    from sqlalchemy import select

    from core.audit.labels import label
    from core.audit.models import AuditLog
    from core.db import db
    from core.events import emit
    registry = full_app.extensions["jiceng.plugins"]
    assert registry.audit_labels["full.pinged"] == "全钩子被呼叫"
    Pinged = registry.event_types["full.pinged"]
    with full_app.app_context(), tenant_scope(street.id):
        emit(Pinged(text="叮"))
        db.session.commit()
        row = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).one()
        assert (row.action, label(row.action)) == ("full.pinged", "全钩子被呼叫")
        assert "text" not in row.detail  # what someone typed stays out of the audit log


def test_hook_register_jobs(full_app, street):
    from core.events.jobs import run_due
    CALLS.pop("job", None)
    with full_app.app_context():
        run_due(tenants=[street.id])
    assert (street.id,) in CALLS["job"]


def test_hook_register_cli_commands(full_app):
    assert full_app.test_cli_runner().invoke(args=["full-hello"]).output.strip() == "full says hello"


def test_hook_core_ready(full_app):
    assert any(name == "core" and "full" in plugins for name, plugins in CALLS["core_ready"])


# --- every page -------------------------------------------------------------------------------------

def test_hook_nav_items(fc, street):
    assert "全钩子导航" in fc.get(f"/t/{street.slug}/").text


def test_hook_dashboard_widgets(fc, street):
    assert 'hx-get="/t/%s/full/"' % street.slug in fc.get(f"/t/{street.slug}/").text


def test_hook_render_slot(fc, street, create_person):
    page = fc.get(f"/t/{street.slug}/").text
    assert "&lt;b&gt;escaped&lt;/b&gt;" in page, "a plain string is escaped"
    person = create_person(street)
    assert "<p class='full-slot'>全钩子侧栏</p>" in fc.get(f"/t/{street.slug}/people/{person.id}").text


def test_hook_object_tabs(fc, street):
    assert "全钩子标签-org_unit" in fc.get(f"/t/{street.slug}/org/{street.root_id}").text


def test_hook_extend_payload(fc, street):
    data = fc.get(f"/t/{street.slug}/org/{street.root_id}.json").get_json()
    assert data["plugins"]["full"] == {"seen": "org_unit"} and data["id"] == street.root_id


def test_hook_search(fc, street):
    assert "全钩子结果 全钩子" in fc.get(f"/t/{street.slug}/search?q=全钩子").text


def test_hook_resolve_exporter(fc, street):
    assert fc.get(f"/t/{street.slug}/export/txt").text == f"tenant {street.id}"
    assert fc.get(f"/t/{street.slug}/export/pdf").status_code == HTTPStatus.NOT_FOUND


# --- tenant lifecycle --------------------------------------------------------------------------------

def test_hook_on_tenant_enable(full_app, street):
    call = [c for c in CALLS["on_tenant_enable"] if c[0] == street.id][-1]
    assert call[1] == {"greeting": "你好", "limit": 3} and call[2] is None


def test_hook_on_tenant_disable(full_app, street):
    with full_app.app_context(), tenant_scope(street.id):
        admin.disable(street.id, "full")
    assert (street.id,) in CALLS["on_tenant_disable"]


def test_hook_on_tenant_purge(full_app, fc, street):
    with full_app.app_context(), tenant_scope(street.id):
        admin.disable(street.id, "full")
    resp = post(fc, f"/t/{street.slug}/admin/modules/full/purge", {"confirm": street.slug})
    assert resp.status_code == HTTPStatus.OK and (street.id,) in CALLS["on_tenant_purge"]


def test_hook_on_settings_changed(full_app, fc, street):
    resp = post(fc, f"/t/{street.slug}/admin/modules/full/settings", {"greeting": "您好", "limit": "5"},
                headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.OK
    _tid, old, new = [c for c in CALLS["on_settings_changed"] if c[0] == street.id][-1]
    assert old["greeting"] == "你好" and new == {"greeting": "您好", "limit": 5}
    bad = post(fc, f"/t/{street.slug}/admin/modules/full/settings", {"limit": "many"}, headers={"HX-Request": "true"})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and 'role="alert"' in bad.text


def test_hook_demo_data(full_app, street):
    from core.tenancy.models import Tenant
    with full_app.app_context(), tenant_scope(street.id) as session:
        full_app.extensions["jiceng.plugins"].call_for("full", "demo_data", tenant=session.get(Tenant, street.id),
                                                      scale=1, window_end=date(2026, 10, 31))
    assert (street.slug, 1, date(2026, 10, 31)) in CALLS["demo_data"]


# --- events and personal data -------------------------------------------------------------------------

def test_hook_on_event(full_app, street):
    from core.events import emit
    from core.events.dispatch import deliver
    Pinged = full_app.extensions["jiceng.plugins"].event_types["full.pinged"]
    with full_app.app_context():
        with tenant_scope(street.id):
            event = Pinged(text="叮")
            emit(event)
        deliver(street.id, event.id)
    assert ("full.pinged", "叮", street.id) in CALLS["on_event"]


def test_hook_export_person(fc, street, create_person):
    person = create_person(street)
    with fc.application.app_context(), tenant_scope(street.id):
        admin.disable(street.id, "full")  # switched off: the person's data is still theirs
    data = fc.get(f"/t/{street.slug}/people/{person.id}/export.json").get_json(force=True)
    assert data["plugins"]["full"] == {"full_note": f"about {person.id}"}


def test_hook_erase_person(fc, street, create_person):
    person = create_person(street)
    post(fc, f"/t/{street.slug}/people/{person.id}/erase", {"confirm": "ERASE"})
    assert (person.id,) in CALLS["erase_person"]


def test_saving_settings_keeps_what_was_not_changed_following_its_source(full_app, fc, street):
    """Changing one setting must not pin the others at today's default (or district) value."""
    from core.plugins import settings as plugin_settings
    from core.tenancy.models import Tenant
    resp = post(fc, f"/t/{street.slug}/admin/modules/full/settings", {"greeting": "你好", "limit": "7"},
                headers={"HX-Request": "true"})
    assert resp.status_code == HTTPStatus.OK and 'data-testid="settings-saved"' in resp.text
    with full_app.app_context(), tenant_scope(street.id, commit=False) as session:
        values, source = plugin_settings.effective(session.get(Tenant, street.id),
                                                   full_app.extensions["jiceng.plugins"].plugins["full"].manifest)
    assert values == {"greeting": "你好", "limit": 7} and source == {"greeting": "default", "limit": "own"}
