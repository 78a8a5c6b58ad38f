"""A module switched off for this tenant: its pages, QR-poster links and APIs say so instead of a bare 404.

Whoever follows an old link or poster learns the module is off here (not that the address is
wrong); an admin gets the way to 模块管理. Machine rules answer in their own error format.
"""
from __future__ import annotations

from flask import current_app
from werkzeug.exceptions import NotFound


class ModuleOff(NotFound):
    """A 404 for a module this tenant has not switched on, naming it."""

    def __init__(self, name: str, title):
        from flask_babel import gettext
        super().__init__(description="module_off")
        self.module = name
        self.message = gettext("本单位未启用「%(title)s」", title=title)


def refuse_off(owner: str | None, enabled: frozenset[str]) -> None:
    """Raise :class:`ModuleOff` when the rule's owner plugin is not on for the tenant."""
    if owner is not None and owner not in enabled:
        raise ModuleOff(owner, current_app.extensions["jiceng.plugins"].plugins[owner].manifest.title)
