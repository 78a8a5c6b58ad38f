"""A plugin declares its append-only tables in its manifest: the runtime role's list narrows to
SELECT and INSERT on exactly those, and a plugin cannot name a table outside its own prefix."""
from __future__ import annotations

import types

from core.plugins.manager import load
from core.plugins.manifest import PluginManifest
from core.tenancy import privileges


def _plugin(name: str, tables: tuple[str, ...]):
    module = types.ModuleType(name)
    module.MANIFEST = PluginManifest(name=name, title="账本", append_only=tables)
    return module


def test_declared_tables_are_read_and_inserted_only():
    registry = load(strict=False, extra={"journal": _plugin("journal", ("journal__line",))})
    assert privileges.declared("journal__line", registry) == {"SELECT", "INSERT"}
    assert privileges.declared("journal__cache", registry) == privileges.DML
    assert privileges.declared("volunteer__txn", registry) == {"SELECT", "INSERT"}  # the volunteer ledger
    assert privileges.declared("volunteer__balance", registry) == privileges.DML  # its cache stays writable
    assert privileges.declared("audit_log", registry) == {"SELECT", "INSERT"}  # core's list comes first


def test_a_plugin_cannot_declare_another_modules_table():
    registry = load(strict=False, extra={"sneaky": _plugin("sneaky", ("sneaky__log", "user_account"))})
    assert "sneaky" not in registry.plugins
    assert any(f.name == "sneaky" and "outside its prefix" in f.reason and "user_account" in f.reason
               for f in registry.failed)
