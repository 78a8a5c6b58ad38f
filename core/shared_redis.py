"""Redis, when ``JICENG_REDIS_URL`` is set: counters and a short-lived cache shared by every worker
and host. Without it (the embedded default) nothing here connects and callers use the database.

Keys live under ``jiceng:``; counters keep their callers' keys (which carry the tenant where they
limit a tenant's use), cached values use :func:`core.tenancy.cache_key`, so no tenant reads
another's. If Redis stops answering, counters fall back to the database's and the cache to
computing, with a warning logged, rather than refusing every sign-in.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from flask import current_app

log = logging.getLogger(__name__)
PREFIX = "jiceng:"
_clients: dict[str, object] = {}

#: one more in a window, atomically: a fixed window restarts once it is older than the cutoff, a
#: sliding one moves its start to every hit. ARGV: now, cutoff (epoch seconds), sliding, ttl.
_HIT = """
local start = tonumber(redis.call('HGET', KEYS[1], 's'))
local n
if (not start) or start < tonumber(ARGV[2]) then
  n = 1
  redis.call('HSET', KEYS[1], 'n', 1, 's', ARGV[1])
else
  n = redis.call('HINCRBY', KEYS[1], 'n', 1)
  if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 's', ARGV[1]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return n
"""


def client():
    """The Redis client of the current app's ``REDIS_URL``, or None when it has none."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    found = _clients.get(url)
    if found is None:
        import redis
        found = _clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1,
                                                     health_check_interval=30)
        found.jiceng_hit = found.register_script(_HIT)
    return found


def errors() -> tuple[type[Exception], ...]:
    import redis
    return (redis.RedisError, OSError)


# -- counters ------------------------------------------------------------------------------------

def hit(r, key: str, now: datetime, minutes: int, sliding: bool) -> int:
    stamp = now.timestamp()
    return int(r.jiceng_hit(keys=[f"{PREFIX}throttle:{key}"],
                            args=[repr(stamp), repr(stamp - minutes * 60), "1" if sliding else "0", minutes * 60 + 60]))


def peek(r, key: str, now: datetime, minutes: int) -> tuple[int, datetime | None]:
    n, start = r.hmget(f"{PREFIX}throttle:{key}", "n", "s")
    if n is None or start is None or now.timestamp() - float(start) >= minutes * 60:
        return 0, None
    return int(n), datetime.fromtimestamp(float(start), timezone.utc)


def clear(r, keys) -> None:
    if keys:
        r.delete(*[f"{PREFIX}throttle:{k}" for k in keys])


# -- cache ---------------------------------------------------------------------------------------

def cached(key: str, seconds: int, compute):
    """``compute()`` once per ``seconds`` for ``key`` (a :func:`core.tenancy.cache_key`), shared by
    every worker; JSON values only. Without Redis (or with ``seconds`` 0) it simply computes."""
    r = client()
    if r is None or seconds <= 0:
        return compute()
    name = f"{PREFIX}cache:{key}"
    try:
        raw = r.get(name)
        if raw is not None:
            return json.loads(raw)
    except errors():
        log.warning("redis cache unavailable; computing %s", key, exc_info=True)
        return compute()
    value = compute()
    try:
        r.set(name, json.dumps(value, ensure_ascii=False, default=str), ex=seconds)
    except errors():
        log.warning("redis cache unavailable; not storing %s", key, exc_info=True)
    return value


def cached_rollup(name: str, parts: tuple, compute, seconds: int | None = None):
    """A district rollup's figures, ``compute()``, shared by every worker for ``seconds`` (default
    ``ROLLUP_CACHE_SECONDS``) when Redis is configured. The key carries the district, the streets
    it reads, the language and ``parts``; off a district rollup (one tenant visible) it computes.

    The value always goes through JSON, cached or not, so a page renders the same from either; a
    value JSON cannot hold (a date, a lazy string, a row) is an error, never silently a string."""
    from .tenancy.context import cache_key, current
    from .ui import current_lang

    def fresh():
        return json.loads(json.dumps(compute(), ensure_ascii=False))
    if len(current().visible) <= 1:
        return fresh()
    if seconds is None:
        seconds = current_app.config["ROLLUP_CACHE_SECONDS"]
    return cached(cache_key(name, current_lang(), *parts), seconds, fresh)
