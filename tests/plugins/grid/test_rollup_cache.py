"""With Redis configured, a district's grid rollup shares its figures between workers and hosts for
``ROLLUP_CACHE_SECONDS``; each district (and each pick of streets) has figures of its own, every
look is still audited, and a Redis that stops answering only means computing again. Without Redis
nothing is cached. Real Redis, on a test database of its own."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from core.api import clock
from core.audit.models import AuditLog
from core.db import db
from core.tenancy import tenant_scope
from core.testing import build_app, redis_database
from core.testing.html import select_one, text_of

from .conftest import client_for

TTL = 60


@pytest.fixture(scope="module")
def redis_url():
    with redis_database() as url:
        yield url


@pytest.fixture(scope="module")
def hosts(database, redis_url):
    """Two app instances, as on two hosts behind nginx: same database, same Redis."""
    return tuple(build_app(database, REDIS_URL=redis_url, ROLLUP_CACHE_SECONDS=TTL) for _ in range(2))


@pytest.fixture
def redis(redis_url):
    import redis as client
    r = client.Redis.from_url(redis_url)
    r.flushdb()
    yield r
    r.close()


@dataclass
class Districts:
    east: object
    west: object
    a: object
    b: object
    c: object
    east_admin: object
    west_admin: object


@pytest.fixture
def dw(app, create_tenant, create_user, enable_plugin):
    """东区 with streets A and B, 西区 with street C: the grid plugin on in each."""
    east, west = create_tenant(kind="district", name="东区"), create_tenant(kind="district", name="西区")
    a, b = create_tenant(parent=east, name="甲街道"), create_tenant(parent=east, name="乙街道")
    c = create_tenant(parent=west, name="丙街道")
    for t in (east, west, a, b, c):
        enable_plugin(t, "grid")
    return Districts(east, west, a, b, c, create_user(east, "tenant_admin"), create_user(west, "tenant_admin"))


def add_events(app, tenant, n):
    from plugins.grid.models import Category
    from plugins.grid.services import report_event
    with app.app_context(), tenant_scope(tenant.id):
        cat = db.session.scalar(select(Category.id).where(Category.code == "SA-GARBAGE"))
        for i in range(n):
            report_event({"title": f"楼道堆物{i}", "category_id": cat, "address": "文化路12号"}, "GRID_PATROL")


def period() -> str:
    today = clock.utcnow().astimezone(clock.SHANGHAI).date()
    return f"from={(today - timedelta(days=30)).isoformat()}&to={today.isoformat()}"


def look(app, district, account, query="") -> str:
    resp = client_for(app, account).get(f"/t/{district.slug}/grid/rollup?{period()}{query}")
    assert resp.status_code == 200, resp.text[:300]
    return resp.text


def cases(page: str) -> int:
    """The page's 本期受理（件） figure, as a reader sees it."""
    return int(text_of(page, '[data-kpi="cases"] dd strong'))


def looks(app, district) -> int:
    with app.app_context(), tenant_scope(district.id, commit=False):
        return db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "district.rollup", AuditLog.detail["endpoint"].as_string() == "grid.rollup"))


def queries_of(fn) -> int:
    seen = []

    def listener(conn, cursor, statement, params, context, executemany):
        if not statement.startswith("SELECT set_config("):  # PostgreSQL's per-transaction RLS settings
            seen.append(statement)
    event.listen(Engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(Engine, "before_cursor_execute", listener)
    return len(seen)


def test_the_second_look_is_served_from_the_cache_on_either_host_and_each_is_audited(app, hosts, redis, dw):
    one, two = hosts
    add_events(app, dw.a, 2)
    fresh = look(app, dw.east, dw.east_admin)  # no Redis: the figures as computed
    first_queries = queries_of(lambda: look(one, dw.east, dw.east_admin))
    second, second_queries = None, 0

    def again():
        nonlocal second
        second = look(two, dw.east, dw.east_admin)
    second_queries = queries_of(again)
    assert cases(second) == 2
    assert second_queries <= first_queries - 10, (first_queries, second_queries)  # the figures' queries are gone
    for part in ("#buckets", "dl.kpis", "svg.months"):  # the same page, from the cache or not
        assert str(select_one(second, part)) == str(select_one(fresh, part))

    keys = redis.keys("jiceng:cache:*")
    assert keys and all(k.decode().startswith(f"jiceng:cache:t{dw.east.id}:") for k in keys)
    assert all(0 < redis.ttl(k) <= TTL for k in keys)  # short-lived

    add_events(app, dw.a, 1)
    before = looks(app, dw.east)
    assert cases(look(one, dw.east, dw.east_admin)) == 2, "both hosts read the shared figures until they expire"
    assert looks(app, dw.east) == before + 1, "a look served from the cache is audited all the same"
    redis.delete(*keys)  # as when they expire
    assert cases(look(two, dw.east, dw.east_admin)) == 3


def test_the_dashboard_card_is_cached_apart_from_the_page(app, hosts, redis, dw):
    one, _two = hosts
    add_events(app, dw.a, 1)
    headers = {"HX-Request": "true", "HX-Target": "widget-grid-rollup"}
    url = f"/t/{dw.east.slug}/grid/rollup?{period()}"
    card = client_for(one, dw.east_admin).get(url, headers=headers)
    assert card.status_code == 200 and select_one(card.text, "[data-bucket=SANITATION] [data-solved]") is not None
    assert cases(look(one, dw.east, dw.east_admin)) == 1, "the page never reads the card's figures"
    assert len(redis.keys(f"jiceng:cache:t{dw.east.id}:*")) == 2


def test_two_districts_and_two_picks_of_streets_never_share_figures(app, hosts, redis, dw):
    one, two = hosts
    add_events(app, dw.a, 1)
    add_events(app, dw.c, 3)
    assert cases(look(one, dw.east, dw.east_admin)) == 1
    assert cases(look(two, dw.west, dw.west_admin)) == 3, "the same period in another district is its own figure"
    assert cases(look(one, dw.east, dw.east_admin, f"&street={dw.b.slug}")) == 0, "one street picked: its own key"
    assert cases(look(two, dw.east, dw.east_admin)) == 1
    prefixes = {k.decode().split(":")[2] for k in redis.keys("jiceng:cache:*")}
    assert prefixes == {f"t{dw.east.id}", f"t{dw.west.id}"}
    assert len(redis.keys(f"jiceng:cache:t{dw.east.id}:*")) == 2  # all streets, and street B alone


def test_with_redis_not_answering_the_rollup_is_computed_and_audited(app, database, dw):
    gone = build_app(database, REDIS_URL="redis://127.0.0.1:1/0", ROLLUP_CACHE_SECONDS=TTL)  # nothing listens there
    add_events(app, dw.a, 1)
    before = looks(app, dw.east)
    assert cases(look(gone, dw.east, dw.east_admin)) == 1
    add_events(app, dw.a, 1)
    assert cases(look(gone, dw.east, dw.east_admin)) == 2
    assert looks(app, dw.east) == before + 2


def test_without_redis_nothing_is_cached(app, dw):
    assert not app.config.get("REDIS_URL")
    add_events(app, dw.a, 1)
    assert cases(look(app, dw.east, dw.east_admin)) == 1
    add_events(app, dw.b, 2)
    assert cases(look(app, dw.east, dw.east_admin)) == 3
