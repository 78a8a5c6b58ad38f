"""The grid plugin stays a package a newcomer can find their way in: no module over 400 lines, no import
loop between its modules, imports at the top of the file, one route table, one effect per action."""
from __future__ import annotations

import ast
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GRID = ROOT / "plugins" / "grid"
#: plugin.py is wiring only: its hook implementations load their modules when called (plugins/README.md);
#: pillow_heif is optional (HEIC photos), so photos.py imports it only if installed
LAZY_ALLOWED = {"plugins.grid.plugin": None, "plugins.grid.photos": {"pillow_heif"}}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(GRID.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _package(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _resolve(name: str, path: Path, node: ast.ImportFrom, modules: dict) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        pkg = _package(name, path).split(".")
        pkg = pkg[:len(pkg) - node.level + 1]
        base = ".".join(pkg + ([node.module] if node.module else []))
    found = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
    return found or ([base] if base in modules else [])


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        edges = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom):
                edges.update(_resolve(name, path, node, modules))
            elif isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name in modules)
        graph[name] = edges - {name}
    return graph


def test_no_python_file_in_the_grid_plugin_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in GRID.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}


def test_grid_modules_import_each_other_without_a_loop():
    graph = _graph()
    seen, stack, loops = set(), [], []

    def visit(node):
        if node in stack:
            loops.append(stack[stack.index(node):] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        stack.pop()

    for name in sorted(graph):
        visit(name)
    assert loops == []


def test_grid_modules_import_at_the_top_not_inside_functions():
    late = []
    for name, path in _modules().items():
        allowed = LAZY_ALLOWED.get(name, set())
        if allowed is None:
            continue
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, ast.Import) and not {a.name for a in node.names} <= allowed:
                        late.append(f"{name}:{node.lineno}")
                    elif isinstance(node, ast.ImportFrom) and (node.module or "") not in allowed:
                        late.append(f"{name}:{node.lineno}")
    assert late == []


def test_every_grid_module_imports_on_its_own_in_any_order():
    """A fresh interpreter imports every grid module, in a shuffled order: an import loop hidden by the
    order the app happens to load things in would fail here."""
    names = sorted(n for n in _modules() if n != "plugins.grid")
    random.shuffle(names)
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n"
    run = subprocess.run([sys.executable, "-c", code, *names], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"order {names}:\n{run.stderr[-2000:]}"


def test_every_action_has_exactly_one_effect_and_every_route_is_in_the_table():
    from plugins.grid.machine import ACTIONS
    from plugins.grid.services import EFFECTS
    from plugins.grid.views.routes import ROUTES, bp

    assert set(EFFECTS) == set(ACTIONS)
    endpoints = [endpoint for _url, endpoint, _view, _methods in ROUTES]
    assert len(endpoints) == len(set(endpoints))
    for path in (GRID / "views").glob("*.py"):
        assert "@bp." not in path.read_text(encoding="utf-8"), path  # routes are declared in routes.py only
    assert "@bp." not in (GRID / "open311.py").read_text(encoding="utf-8")
    assert bp.name == "grid"


def test_what_the_code_cites_from_docs_grid_md_is_there():
    """Comments cite the plugin's own doc by section (§3), transition (T20) and escalation rule (E9)."""
    import re

    from plugins.grid.machine import ACTIONS

    doc = (GRID / "docs" / "grid.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\d+)\.", doc, re.M))
    code = "\n".join(p.read_text(encoding="utf-8") for p in GRID.rglob("*.py"))
    cited = set(re.findall(r"§(\d+)", code))
    assert cited and cited <= sections
    for action in ACTIONS.values():
        if re.fullmatch(r"T\d+", action.code):
            assert re.search(rf"\b{action.code}\b", doc), action.code
    for rule in set(re.findall(r"\bE\d\b", code)):
        assert re.search(rf"\b{rule}\b", doc), rule
    assert not re.search(r"(?i)\b(seed|helper|session|integrator)\b", doc)
