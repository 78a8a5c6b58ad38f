"""Operators see every worker's hook errors per tenant and hook; a plugin that keeps failing in a
tenant is paused there for a while, and only there."""
from __future__ import annotations

from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from core import clock
from core.testing import build_app
from core.testing.factories import login, post
from core.testing.html import select_one, text_of

from . import sample_plugins
from .test_plugin_gating import enable

THRESHOLD = 5


@pytest.fixture(scope="module")
def moody_app(database):
    return build_app(database, EXTRA_PLUGINS={"moody": sample_plugins.make_moody(), "chatty": sample_plugins.make_chatty()},
                     PLUGIN_DEGRADE_ERRORS=THRESHOLD)


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.reset()


@pytest.fixture
def two_streets(moody_app, create_tenant, create_user):
    """Two streets with the plugin on, a signed-in admin client for each, and a platform operator."""
    streets = [create_tenant(name=name) for name in ("甲街道", "乙街道")]
    clients = []
    for street in streets:
        enable(moody_app, street, "moody")
        client = moody_app.test_client()
        account = create_user(street, "tenant_admin")
        login(client, account)
        clients.append((client, account))
    operator = moody_app.test_client()
    operator_account = create_user(None, platform_admin=True)
    login(operator, operator_account)
    return streets, clients, (operator, operator_account)


def _row(page: str, slug: str, hook: str):
    found = select_one(page, f'tr[data-tenant="{slug}"][data-hook="{hook}"]')
    assert found is not None, page[-3000:]
    return found


def _counts(row) -> tuple[int, int]:
    return int(row.select_one("td.hour").get_text()), int(row.select_one("td.day").get_text())


def test_the_operator_sees_errors_per_tenant_and_hook_for_the_hour_and_the_day(two_streets):
    (a, b), [(client_a, admin_a), _b], (operator, operator_account) = two_streets
    for _ in range(2):
        assert client_a.get(f"/t/{a.slug}/").status_code == HTTPStatus.OK  # the slot fails, the page does not
    clock.travel(2 * 3600)
    for client, account in ((client_a, admin_a), (operator, operator_account)):
        login(client, account)  # two hours idle ended the sessions
    assert client_a.get(f"/t/{a.slug}/").status_code == HTTPStatus.OK

    page = operator.get("/platform/plugins").text
    row = _row(page, a.slug, "render_slot")
    assert _counts(row) == (1, 3)
    shown = row.get_text(" ")
    assert "甲街道" in shown and "RuntimeError" in shown and "moody slot failed for" in shown
    assert "王甲07" not in page and "13800001234" not in page and "Room 5" not in page and "Traceback" not in page
    assert f'data-tenant="{b.slug}"' not in page  # the other street had no errors
    assert "近24小时出错 3 次" in page

    clock.travel(23 * 3600)  # the first two are now more than a day old, the last one 23 hours
    login(operator, operator_account)
    assert _counts(_row(operator.get("/platform/plugins").text, a.slug, "render_slot")) == (0, 1)


def test_past_the_threshold_the_plugin_pauses_in_that_tenant_only_and_comes_back(two_streets):
    (a, b), [(client_a, _admin_a), (client_b, _admin_b)], (operator, _op) = two_streets
    assert "情绪导航" in client_a.get(f"/t/{a.slug}/").text
    for _ in range(THRESHOLD - 1):
        client_a.get(f"/t/{a.slug}/")

    dashboard = client_a.get(f"/t/{a.slug}/").text
    assert "情绪导航" not in dashboard and "情绪卡片" not in dashboard
    paused = client_a.get(f"/t/{a.slug}/moody/")
    assert paused.status_code == HTTPStatus.SERVICE_UNAVAILABLE and "Retry-After" in paused.headers
    assert "“情绪”模块暂时停用" in paused.text and f"出错 {THRESHOLD} 次" in paused.text
    fragment = client_a.get(f"/t/{a.slug}/moody/widget", headers={"HX-Request": "true"})
    assert fragment.status_code == HTTPStatus.SERVICE_UNAVAILABLE and "暂时停用" in fragment.text

    assert 'data-testid="paused-moody"' in client_a.get(f"/t/{a.slug}/admin/modules/").text  # 模块管理 says so too
    other = client_b.get(f"/t/{b.slug}/").text
    assert "情绪导航" in other and "情绪卡片" in other
    assert client_b.get(f"/t/{b.slug}/moody/").text == "moody page"

    page = operator.get("/platform/plugins").text
    assert "在 1 个单位暂停" in page
    notice = text_of(page, f'p[data-paused="{a.slug}"]')
    assert "甲街道" in notice and f"出错 {THRESHOLD} 次" in notice and "render_slot" in notice

    clock.travel(10 * 60 + 1)
    assert "情绪导航" in client_a.get(f"/t/{a.slug}/").text
    assert client_a.get(f"/t/{a.slug}/moody/").text == "moody page"
    assert "暂停" not in select_one(operator.get("/platform/plugins").text, 'tr[data-plugin="moody"]').decode_contents()


def test_a_paused_subscriber_hears_the_event_once_it_resumes(moody_app, two_streets):
    from core.events.dispatch import sweep
    (a, _b), [(client_a, _admin), _], _op = two_streets
    enable(moody_app, a, "chatty")
    for _ in range(THRESHOLD):
        client_a.get(f"/t/{a.slug}/")
    sample_plugins.SEEN["chatty"].clear()
    sample_plugins.SEEN["moody"] = []
    post(client_a, f"/t/{a.slug}/chatty/chirp").close()
    assert [t for _n, _i, t in sample_plugins.SEEN["chatty"]] == [a.id] and sample_plugins.SEEN["moody"] == []
    clock.travel(10 * 60 + 1)
    with moody_app.app_context():
        assert sweep(tenants=[a.id]) >= 1
    assert [(n, t) for n, _i, t in sample_plugins.SEEN["moody"]] == [("chatty.chirped", a.id)]


def test_errors_older_than_a_week_are_purged_by_the_daily_job(moody_app, two_streets):
    from core.plugins.models import PluginError
    from core.tenancy import tenant_scope
    from core.tenancy.context import current
    (a, _b), [(client_a, _admin), _], _op = two_streets
    client_a.get(f"/t/{a.slug}/")

    def kept():
        with moody_app.app_context(), tenant_scope(a.id, commit=False) as session:
            return session.scalar(select(func.count()).select_from(PluginError).where(PluginError.tenant_id == a.id))
    job = next(j for _p, j in moody_app.extensions["jiceng.plugins"].jobs if j.name == "core.plugin_errors_purge")
    with moody_app.app_context(), tenant_scope(a.id):
        job.run(current())
    assert kept() == 1  # a fresh error stays
    clock.travel(8 * 24 * 3600)
    with moody_app.app_context(), tenant_scope(a.id):
        job.run(current())
    assert kept() == 0
