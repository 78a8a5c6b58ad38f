"""Jiceng (基层): the application factory.

``create_app()`` reads as the list of what the application is made of; each ``init_*`` lives
beside the code it wires up.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

__version__ = "1.0.0"
ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    from .config import check_production, from_env
    from .web import Jiceng
    app = Jiceng(__name__, template_folder=str(ROOT / "templates"), static_folder="static",
                instance_path=None)
    app.config.update(from_env(config))
    check_production(app.config)
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)

    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)

    from .db import db
    db.init_app(app)
    from .tenancy.roles import init_role_check
    init_role_check(app)

    from .ui import init_ui
    from .web import init_web
    from .auth import init_auth
    from .org import init_org
    from .platform import init_platform
    from .plugins import init_plugins
    from .cli import init_cli
    from .ops import init_ops

    init_web(app)
    init_ui(app)
    init_auth(app)
    init_org(app)
    init_platform(app)
    init_plugins(app)
    init_cli(app)
    init_ops(app)
    from .events.scheduler import init_scheduler
    init_scheduler(app)
    return app
