"""Configuration from ``JICENG_*`` environment variables; nothing secret lives in source."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def from_env(overrides: dict | None = None) -> dict:
    """Build the Flask config: defaults, then the environment, then explicit overrides (tests)."""
    instance = Path(os.environ.get("JICENG_INSTANCE", ROOT / "instance"))
    env = os.environ.get("JICENG_ENV", "development")
    url = os.environ.get("JICENG_DATABASE_URL", f"sqlite:///{instance / 'jiceng.db'}")
    cfg = {
        "ENV_NAME": env,
        "INSTANCE_DIR": str(instance),
        "SQLALCHEMY_DATABASE_URI": url,
        #: owner role on PostgreSQL: migrations and system_scope; defaults to the runtime URL.
        "MIGRATE_DATABASE_URL": os.environ.get("JICENG_MIGRATE_DATABASE_URL", url),
        "SECRET_KEY": os.environ.get("JICENG_SECRET_KEY", "dev-only-secret-key-change-me-0000000"),
        "SECRET_KEY_FALLBACKS": [k for k in os.environ.get("JICENG_SECRET_KEY_FALLBACKS", "").split(",") if k],
        "PRODUCTION": env == "production",
        "REQUIRE_ADMIN_TOTP": _bool("JICENG_REQUIRE_ADMIN_TOTP", env == "production"),
        "COOKIE_SECURE": _bool("JICENG_COOKIE_SECURE", env == "production"),
        "PLUGINS_STRICT": _bool("JICENG_PLUGINS_STRICT", env != "production"),
        "SAFE_MODE": _bool("JICENG_SAFE_MODE"),
        # argon2id t=2, m=19 MiB, p=1 (OWASP); tests lower it with JICENG_ARGON2_CHEAP=1.
        "ARGON2_CHEAP": _bool("JICENG_ARGON2_CHEAP"),
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        "MAX_FORM_PARTS": 1000,
        # A photo's pixels are checked before decoding: 40 million (a 48 MP phone's default 12 or 24 MP
        # shots pass) cost a worker under 300 MB while it is re-encoded.
        "PHOTO_MAX_PIXELS": int(os.environ.get("JICENG_PHOTO_MAX_PIXELS", 40_000_000)),
        # seconds between rounds of scheduled jobs inside each served worker; 0: run them apart
        # (``jiceng jobs worker``)
        "SCHEDULER_SECONDS": float(os.environ.get("JICENG_SCHEDULER_SECONDS", 30)),
        # Celery broker (Redis): scheduled jobs and event delivery run on Celery workers and beat
        # instead of inside the served app (``celery -A core.celery_app worker`` / ``beat``).
        "BROKER_URL": os.environ.get("JICENG_BROKER_URL", ""),
        # a task a dead worker took is handed to another after this many seconds (longer than any job)
        "BROKER_VISIBILITY_SECONDS": int(os.environ.get("JICENG_BROKER_VISIBILITY_SECONDS", 3600)),
        # how often beat looks for due jobs and undelivered events
        "BEAT_SECONDS": float(os.environ.get("JICENG_BEAT_SECONDS", 30)),
        # a job running longer than this is stopped and recorded as failed for its slot
        "JOB_TIME_LIMIT": int(os.environ.get("JICENG_JOB_TIME_LIMIT", 600)),
        # Redis: sign-in throttling, rate limits and the district rollup cache shared by every
        # worker and host; without it they live in the database (rollups are then not cached).
        "REDIS_URL": os.environ.get("JICENG_REDIS_URL", ""),
        "ROLLUP_CACHE_SECONDS": int(os.environ.get("JICENG_ROLLUP_CACHE_SECONDS", 60)),
        # rendered list fragments each worker keeps while their tenant's data is unchanged (0: none)
        "FRAGMENT_CACHE_SIZE": int(os.environ.get("JICENG_FRAGMENT_CACHE_SIZE", 512)),
        # who is signed in and their grants, kept per worker under the security stamp (core.tenancy.admission):
        # how many (browser, tenant) pairs, and how long a change made beside the app may go unseen (0: none)
        "ADMISSION_CACHE_SIZE": int(os.environ.get("JICENG_ADMISSION_CACHE_SIZE", 4096)),
        "ADMISSION_SECONDS": float(os.environ.get("JICENG_ADMISSION_SECONDS", 60)),
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_ABSOLUTE_HOURS": 12,
        "LOGIN_MAX_FAILURES_ACCOUNT": int(os.environ.get("JICENG_LOGIN_MAX_FAILURES_ACCOUNT", 5)),
        # A whole street office shares one NAT address, so the per-address limit is high.
        "LOGIN_MAX_FAILURES_ADDRESS": int(os.environ.get("JICENG_LOGIN_MAX_FAILURES_ADDRESS", 100)),
        "LOGIN_THROTTLE_MINUTES": 15,
        # Guessing one account from many addresses slows down (unknown devices only) after this many failures.
        "LOGIN_SLOWDOWN_AFTER": int(os.environ.get("JICENG_LOGIN_SLOWDOWN_AFTER", 10)),
        # Wrong second-factor codes: per pending sign-in, then the password again; per account in a window.
        "TOTP_MAX_FAILURES": 5,
        "TOTP_MAX_FAILURES_ACCOUNT": 10,
        # A platform forwards a whole street's 12345 calls through one key.
        "API_KEY_POSTS_PER_HOUR": int(os.environ.get("JICENG_API_KEY_POSTS_PER_HOUR", 600)),
        # A plugin with this many hook errors in a tenant within the window is paused there for a while.
        "PLUGIN_DEGRADE_ERRORS": int(os.environ.get("JICENG_PLUGIN_DEGRADE_ERRORS", 20)),
        "PLUGIN_DEGRADE_WINDOW_MINUTES": int(os.environ.get("JICENG_PLUGIN_DEGRADE_WINDOW_MINUTES", 10)),
        "PLUGIN_DEGRADE_MINUTES": int(os.environ.get("JICENG_PLUGIN_DEGRADE_MINUTES", 10)),
        "PLUGIN_ERRORS_KEEP_DAYS": 7,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "core" / "translations"),
        # Connections per worker process. A sync worker serves one request at a time; its scheduler thread and
        # the events delivered after a response need one more: pool 2, overflow 2. Sized with the workers:
        # workers x (pool + overflow) + the owner role's pool must stay below PostgreSQL's max_connections.
        "DB_POOL_SIZE": int(os.environ.get("JICENG_DB_POOL_SIZE", 2)),
        "DB_MAX_OVERFLOW": int(os.environ.get("JICENG_DB_MAX_OVERFLOW", 2)),
        # seconds a request waits for a free connection before failing (503) instead of queueing forever
        "DB_POOL_TIMEOUT": float(os.environ.get("JICENG_DB_POOL_TIMEOUT", 10)),
        # /metrics: open to loopback callers, or to anyone presenting this bearer token
        "METRICS_TOKEN": os.environ.get("JICENG_METRICS_TOKEN", ""),
        # one JSON object per line on stderr (request id, tenant, user, route, status, duration); off: plain text
        "JSON_LOGS": _bool("JICENG_JSON_LOGS", env == "production"),
        "LOG_LEVEL": os.environ.get("JICENG_LOG_LEVEL", "INFO"),
        # refuse to serve when the database role could bypass row-level security (PostgreSQL)
        "CHECK_DB_ROLE": _bool("JICENG_CHECK_DB_ROLE", True),
        # Behind nginx (one hop) production trusts X-Forwarded-For once; development trusts nothing.
        "PROXY_HOPS": int(os.environ.get("JICENG_PROXY_HOPS", 1 if env == "production" else 0)),
        "TRUSTED_HOSTS": [h for h in os.environ.get("JICENG_TRUSTED_HOSTS", "").split(",") if h] or None,
    }
    cfg["SESSION_COOKIE_NAME"] = "__Host-jiceng" if cfg["COOKIE_SECURE"] else "jiceng"
    cfg["SESSION_COOKIE_SECURE"] = cfg["COOKIE_SECURE"]
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg.update(overrides or {})
    if not cfg.get("SQLALCHEMY_ENGINE_OPTIONS"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(cfg)
    return cfg


def engine_options(cfg: dict) -> dict:
    """On PostgreSQL: every checkout is checked (``core.liveness``), so a connection the database
    closed (restart, failover, idle kill) is replaced before a request uses it; a pool sized per
    worker (``DB_POOL_SIZE``); read-only transactions ending so that prepared statements outlive
    them (``core.tenancy.rls``). A SQLite file has no connection to lose: nothing to check."""
    if not cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return {}
    from . import liveness  # noqa: F401  (registers the engine plugins)
    from .tenancy import rls  # noqa: F401
    return {"pool_size": cfg["DB_POOL_SIZE"], "max_overflow": cfg["DB_MAX_OVERFLOW"],
            "pool_timeout": cfg["DB_POOL_TIMEOUT"], "pool_recycle": 1800, "plugins": ["jiceng_liveness", "jiceng_rls"]}


def check_production(cfg: dict) -> None:
    """Refuse to serve production with a missing, default or short secret key."""
    if not cfg["PRODUCTION"]:
        return
    key = cfg["SECRET_KEY"]
    if not key or key.startswith("dev-only") or len(key.encode()) < 32:
        raise RuntimeError("JICENG_SECRET_KEY must be set to at least 32 random bytes in production")
