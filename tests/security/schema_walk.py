"""Every input schema of core and the plugins, for the sweeps over their fields.

Modules are imported from the packages (so a schema added tomorrow is swept tomorrow); the plugin
scaffold's template and the example plugin are loaded from their files in this checkout.
"""
from __future__ import annotations

import importlib
import pkgutil
import runpy
from pathlib import Path

from marshmallow import Schema, fields

ROOT = Path(__file__).resolve().parents[2]
FROM_FILES = (ROOT / "core/plugins/scaffold/schemas.py.tmpl", ROOT / "examples/jiceng-hello/jiceng_hello/schemas.py")


def _modules():
    import core
    import plugins
    for package in (core, plugins):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            # core.celery_app builds the Celery app from the environment at import (a worker's entry point)
            if ".testing" not in info.name and info.name != "core.celery_app":
                yield vars(importlib.import_module(info.name))
    for path in FROM_FILES:
        yield runpy.run_path(str(path))


def input_schemas() -> list[type[Schema]]:
    """Schema classes our modules name, directly or in a table (``ACTION_SCHEMAS``)."""
    found: dict[type, None] = {}
    for names in _modules():
        for value in names.values():
            for item in (value.values() if isinstance(value, dict) else (value,)):
                if isinstance(item, type) and issubclass(item, Schema) and item is not Schema:
                    found[item] = None
    return list(found)


def leaf_fields(schema: type[Schema]):
    """(name sent in the form, field, wrap) for every field; a list's items are checked as one item."""
    for name, field in schema().fields.items():
        key = field.data_key or name
        if isinstance(field, fields.List):
            yield key, field.inner, lambda v: [v]
        else:
            yield key, field, lambda v: v


def errors_for(schema: type[Schema], key: str, value) -> list[str]:
    """The messages a form with ``key=value`` (the other fields left out) gets for that field."""
    from marshmallow import ValidationError
    try:
        schema().load({key: value}, partial=True)
    except ValidationError as err:
        return _flat(err.messages.get(key, []))
    return []


def _flat(found) -> list[str]:
    """A lazy message alone, a list of them, or (a list field) a list per item: one list of texts."""
    if isinstance(found, dict):
        return [m for item in found.values() for m in _flat(item)]
    return [str(m) for m in found] if isinstance(found, list) else [str(found)]
