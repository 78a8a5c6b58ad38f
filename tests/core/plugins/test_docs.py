"""The plugin author's docs cannot drift from the code: the public module, the manifest, the
context, the test fixtures and the events catalogue are each checked against what they describe."""
from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GUIDE = (ROOT / "plugins/README.md").read_text(encoding="utf-8")
HOOKS = (ROOT / "core/plugins/HOOKS.md").read_text(encoding="utf-8")


def _first_party_event_types(app) -> dict:
    from core.plugins.manager import registry
    with app.app_context():
        reg = registry()
        shipped = {name for name, loaded in reg.plugins.items() if loaded.first_party}
        return {n: t for n, t in reg.event_types.items() if n.partition(".")[0] in shipped}


def test_the_events_catalogue_is_what_the_code_registers(app):
    from core.events import catalogue
    expected = catalogue.markdown(_first_party_event_types(app))
    assert (ROOT / "core/plugins/EVENTS.md").read_text(encoding="utf-8") == expected, \
        "regenerate: jiceng plugins events --markdown > core/plugins/EVENTS.md"


def test_every_event_has_a_description_of_when_it_is_emitted(app):
    from core.events import catalogue
    assert [e["name"] for e in catalogue.entries(_first_party_event_types(app)) if not e["when"]] == []


def test_every_emitted_event_is_in_the_catalogue(app):
    """Each ``emit(SomeEvent(...))`` in a plugin names a class whose event type is registered."""
    registered = {t.__name__ for t in _first_party_event_types(app).values()}
    emitted = set()
    for path in (ROOT / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "emit" \
                    and node.args and isinstance(node.args[0], ast.Call):
                func = node.args[0].func
                emitted.add(func.attr if isinstance(func, ast.Attribute) else func.id)
    assert emitted and emitted <= registered, emitted - registered


def test_every_name_of_the_public_module_is_in_the_reference():
    import core.api
    missing = [n for n in core.api.__all__ if not re.search(rf"`{re.escape(n)}[(`.]", HOOKS)]
    assert missing == []


def test_every_manifest_field_is_explained():
    from core.plugins.manifest import PluginManifest
    missing = [f.name for f in dataclasses.fields(PluginManifest) if f"| `{f.name}`" not in GUIDE
               and not re.search(rf"\| `[^|]*`{f.name}`", GUIDE)]
    assert missing == []


def test_the_tenant_context_is_explained():
    from core.tenancy.context import TenantContext
    missing = [f.name for f in dataclasses.fields(TenantContext) if f.name != "hooks"
               and f"| `{f.name}` |" not in GUIDE and f.name != "plugins_rev"]
    assert missing == []


@pytest.mark.parametrize("module", ["core.testing", "core.testing.factories", "core.testing.events",
                                    "core.testing.world"])
def test_every_fixture_of_core_testing_is_in_the_guide(module):
    import importlib
    mod = importlib.import_module(module)
    fixtures = [n for n, obj in vars(mod).items() if type(obj).__name__ == "FixtureFunctionDefinition"
                or hasattr(obj, "_pytestfixturefunction")]
    assert fixtures, module
    missing = [n for n in fixtures if not re.search(rf"\| [^|]*`{n}`", GUIDE)]
    assert missing == []
