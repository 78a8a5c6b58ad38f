"""With ``JICENG_REDIS_URL`` set, sign-in throttling, rate limits and the district rollup cache live
in Redis, shared by every worker and host; without it (or when it stops answering) the database's
counters keep working. Real Redis, on a database of its own, two app instances side by side."""
from __future__ import annotations

import threading
import time
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from core import api
from core.audit.models import AuditLog
from core.auth.models import LoginThrottle
from core.db import db
from core.testing import build_app, redis_database
from core.testing.factories import csrf_token, login
from core.tenancy import system_scope, tenant_scope


@pytest.fixture(scope="module")
def redis_url():
    with redis_database() as url:
        yield url


@pytest.fixture(scope="module")
def hosts(database, redis_url):
    """Two app instances, as on two hosts behind nginx: same database, same Redis."""
    return build_app(database, REDIS_URL=redis_url), build_app(database, REDIS_URL=redis_url)


def redis_client(url):
    import redis
    return redis.Redis.from_url(url)


def throttle_rows(app, *keys) -> int:
    with app.app_context(), system_scope("test reads throttles", read_only=True) as s:
        return s.scalar(select(func.count()).select_from(LoginThrottle).where(LoginThrottle.key.in_(keys)))


def sign_in(app, account, password=None, ip="10.1.2.3"):
    c = app.test_client()
    return c.post("/login", data={"username": account.username, "password": password or account.password,
                                  "csrf_token": csrf_token(c)}, environ_base={"REMOTE_ADDR": ip})


def test_failed_sign_ins_on_one_host_lock_the_account_on_the_other(hosts, redis_url, create_user, create_tenant):
    one, two = hosts
    user = create_user(create_tenant(), "street_staff")
    for _ in range(5):
        assert sign_in(one, user, "wrong-password").status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    refused = sign_in(two, user)
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS and "登录失败次数过多" in refused.text
    name = user.username.lower()
    assert throttle_rows(one, f"pair:10.1.2.3:{name}", f"acct:{name}", "ip:10.1.2.3") == 0  # counted in Redis only
    assert int(redis_client(redis_url).hget(f"jiceng:throttle:acct:{name}", "n")) == 5
    other_address = sign_in(two, user, ip="10.7.7.7")  # per (account, address): its owner elsewhere gets in
    assert other_address.status_code == HTTPStatus.SEE_OTHER


def test_a_successful_sign_in_on_one_host_clears_the_count_for_both(hosts, redis_url, create_user, create_tenant):
    one, two = hosts
    user = create_user(create_tenant(), "street_staff")
    for _ in range(4):
        sign_in(one, user, "wrong-password")
    assert sign_in(two, user).status_code == HTTPStatus.SEE_OTHER
    for _ in range(4):  # four more: not five in a row, so still let in
        sign_in(two, user, "wrong-password")
    assert sign_in(one, user).status_code == HTTPStatus.SEE_OTHER


def test_rate_limits_are_shared_by_hosts_atomic_and_per_tenant(hosts, create_tenant):
    one, two = hosts
    a, b = create_tenant(), create_tenant()
    answers = []
    for app in (one, two, one, two):
        with app.app_context(), tenant_scope(a.id):
            answers.append(api.rate_limit("report:10.0.0.9", 3, 60))
    assert answers == [True, True, True, False]
    with two.app_context(), tenant_scope(b.id):
        assert api.rate_limit("report:10.0.0.9", 3, 60), "A's counter never slows B"

    results, errors = [], []
    barrier = threading.Barrier(12, timeout=30)

    def use(app):
        try:
            barrier.wait()
            with app.app_context(), tenant_scope(b.id):
                results.append(api.rate_limit("burst", 5, 60))
        except Exception as exc:  # noqa: BLE001 - the test counts them
            errors.append(exc)
    threads = [threading.Thread(target=use, args=(hosts[i % 2],)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(results) == [False] * 7 + [True] * 5


def test_without_an_answering_redis_the_database_counts(database, create_user, create_tenant):
    gone = build_app(database, REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    user = create_user(create_tenant(), "street_staff")
    for _ in range(5):
        assert sign_in(gone, user, "wrong-password").status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert sign_in(gone, user).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert throttle_rows(gone, f"acct:{user.username.lower()}") == 1


def test_the_district_rollup_is_cached_briefly_per_district_and_still_audited(database, redis_url, world):
    """Two hosts share the overview's counts for ``ROLLUP_CACHE_SECONDS``; each look is audited."""
    from core.org.models import OrgUnit
    from core.org.services import create_unit
    one, two = (build_app(database, REDIS_URL=redis_url, ROLLUP_CACHE_SECONDS=60) for _ in range(2))
    r = redis_client(redis_url)

    def communities(app):
        c = app.test_client()
        login(c, world.admin_d)
        resp = c.get(f"/t/{world.d.slug}/org/overview")
        assert resp.status_code == HTTPStatus.OK
        from core.testing.html import select as css
        cell = css(resp.text, f'tr[data-street="{world.a.slug}"] td')[1]
        return int(cell.get_text(strip=True))

    before = communities(one)
    keys = r.keys("jiceng:cache:*")
    assert keys and all(k.decode().startswith(f"jiceng:cache:t{world.d.id}:") for k in keys)
    assert all(0 < r.ttl(k) <= 60 for k in keys)  # short-lived
    with one.app_context(), tenant_scope(world.a.id):
        root = db.session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).first()
        create_unit(root, "community", f"cache-{time.monotonic_ns()}", "缓存测试社区", {})
    assert communities(two) == before, "the other host reads the shared cached counts"
    r.delete(*keys)  # as when they expire
    assert communities(two) == before + 1, "and fresh ones once they expire"
    with one.app_context(), tenant_scope(world.d.id, commit=False):
        looks = db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "district.rollup"))
    assert looks >= 3  # every look is audited, cached or not
