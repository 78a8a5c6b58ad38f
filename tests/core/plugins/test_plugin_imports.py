"""Plugins reach core only through core.api, and the example plugin is exactly what the scaffold writes."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PUBLIC = "core.api"


def _plugin_sources():
    """Every Python file a plugin ships (first-party, the example, the scaffold), tests excluded."""
    for base in (ROOT / "plugins", ROOT / "examples"):
        for path in base.rglob("*.py"):
            if "tests" not in path.parts:
                yield path, path.read_text(encoding="utf-8")
    for path in (ROOT / "core/plugins/scaffold").glob("*.py.tmpl"):
        if not path.name.startswith("test_"):
            yield path, path.read_text(encoding="utf-8").replace("{{name}}", "x").replace("{{title}}", "x")


def _core_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "core":
                found += [f"core.{a.name}" for a in node.names]
            elif node.module.startswith("core."):
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "core" or a.name.startswith("core.")]
    return found


def test_plugins_import_nothing_from_core_but_its_public_module():
    beyond = sorted(f"{path.relative_to(ROOT)}: {name}" for path, source in _plugin_sources()
                    for name in _core_imports(source) if name != PUBLIC)
    assert beyond == []


def test_the_guard_sees_every_way_of_reaching_around_the_public_module():
    assert _core_imports("from core.db import db\nimport core.tenancy.context\nfrom core import clock") == \
        ["core.db", "core.tenancy.context", "core.clock"]
    assert _core_imports("from core import api\nfrom core.api import db") == ["core.api", "core.api"]


def test_the_example_plugin_is_what_the_scaffold_writes(tmp_path):
    from core.plugins.scaffold import new_plugin
    written = new_plugin("hello", tmp_path / "hello", "你好笔记")
    example = ROOT / "examples/jiceng-hello"
    for path in written:
        rel = path.relative_to(tmp_path / "hello")
        assert (example / rel).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), rel
