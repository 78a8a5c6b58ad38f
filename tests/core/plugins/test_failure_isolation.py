"""One plugin's bug costs its own items, never the page, the request or the process."""
from __future__ import annotations

from http import HTTPStatus

import pytest

from core.plugins.manager import PluginLoadError, load
from core.testing import build_app
from core.testing.factories import login

from . import sample_plugins
from .test_plugin_gating import enable


def test_a_plugin_raising_in_every_collect_hook_leaves_the_page_and_other_items(plugin_app, pclient,
                                                                             create_tenant, create_user):
    street = create_tenant()
    enable(plugin_app, street, "broken")
    enable(plugin_app, street, "chatty")
    login(pclient, create_user(street, "tenant_admin"))
    resp = pclient.get(f"/t/{street.slug}/")
    assert resp.status_code == HTTPStatus.OK
    assert "啾啾导航" in resp.text and "组织体系" in resp.text
    errors = plugin_app.extensions["jiceng.plugins"].errors
    assert errors[("broken", "nav_items")] >= 1 and errors[("broken", "dashboard_widgets")] >= 1


def test_render_slot_failures_are_isolated(plugin_app, create_tenant):
    from core.tenancy import tenant_scope
    from core.ui.slots import slot
    street = create_tenant()
    enable(plugin_app, street, "broken")
    with plugin_app.test_request_context(), tenant_scope(street.id, commit=False):
        assert str(slot("person.sidebar")) == ""


def test_a_plugin_that_fails_to_import_is_skipped_and_reported_in_production():
    registry = load(strict=False, extra={"ghost": sample_plugins._BrokenImport()})
    assert "ghost" not in registry.plugins
    assert any(f.name == "ghost" and "missing_dependency" in f.reason for f in registry.failed)


def test_a_failing_import_aborts_boot_in_strict_mode():
    with pytest.raises(PluginLoadError, match="missing_dependency"):
        load(strict=True, extra={"ghost": sample_plugins._BrokenImport()})


def test_a_plugin_for_another_core_is_incompatible():
    registry = load(strict=False, extra={"old": sample_plugins.make_wrong_core()})
    assert "old" not in registry.plugins and "needs core >=2.0" in registry.failed[0].reason


def test_a_misspelled_hook_is_caught(database):
    with pytest.raises(Exception, match="nav_itmes"):
        load(strict=True, extra={"typo": sample_plugins.make_misspelled()})
    registry = load(strict=False, extra={"typo": sample_plugins.make_misspelled()})
    assert "typo" not in registry.plugins and "nav_itmes" in registry.failed[0].reason


def test_a_missing_dependency_skips_the_dependant():
    registry = load(strict=False, extra={"flaky": sample_plugins.make_flaky()})
    assert "flaky" not in registry.plugins and "needs plugin chatty" in registry.failed[0].reason


def test_safe_mode_loads_only_first_party_plugins(database):
    app = build_app(database, SAFE_MODE=True, PLUGINS_STRICT=False)
    registry = app.extensions["jiceng.plugins"]
    assert "hello" not in registry.plugins
    assert any(f.name == "hello" and "safe mode" in f.reason for f in registry.failed)


def test_the_operator_sees_skipped_plugins_with_the_reason(database, create_user):
    app = build_app(database, PLUGINS_STRICT=False, EXTRA_PLUGINS={"old": sample_plugins.make_wrong_core()})
    client = app.test_client()
    login(client, create_user(None, platform_admin=True))
    page = client.get("/platform/plugins").text
    assert "old" in page and "needs core &gt;=2.0" in page and "hello" in page
