"""Named template slots plugins fill through ``render_slot``; each plugin's output is isolated."""
from __future__ import annotations

import logging

from markupsafe import Markup, escape

from ..tenancy.context import current_or_none

log = logging.getLogger(__name__)

#: Every slot a template may name; an unknown name is a bug, caught in tests.
SLOTS = {
    "person.sidebar": "beside a person's details",
    "org_unit.sidebar": "beside an org unit's details",
    "dashboard.top": "above the dashboard widgets",
}


def slot(name: str, obj=None) -> Markup:
    if name not in SLOTS:
        raise KeyError(f"unknown template slot {name!r}; add it to core/ui/slots.py")
    ctx = current_or_none()
    if ctx is None or ctx.hooks is None:
        return Markup("")
    parts = []
    for impl in ctx.hooks.impls("render_slot"):
        try:
            out = impl.function(*[{"slot": name, "ctx": ctx, "obj": obj}[a] for a in impl.argnames])
        except Exception as exc:  # noqa: BLE001 - one plugin's slot must not break the page
            log.exception("plugin %s failed in render_slot %s", impl.plugin_name, name)
            from ..plugins.manager import registry
            registry().count_error(impl.plugin_name, "render_slot", exc)
            continue
        if out:
            parts.append(out if isinstance(out, Markup) else escape(out))
    return Markup("").join(parts)
