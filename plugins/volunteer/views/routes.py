"""Every rule of the plugin in one table: (rule, endpoint, view, methods)."""
from __future__ import annotations

from . import bp

ROUTES: list = []

for rule, endpoint, view, methods in ROUTES:
    bp.add_url_rule(rule, endpoint, view, methods=methods)
