"""``jiceng plugins new NAME --path DIR``: a working plugin package to start from."""
from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).parent

#: template file → where it goes in the new package
LAYOUT = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "gitignore.tmpl": ".gitignore",
    "__init__.py.tmpl": "jiceng_{name}/__init__.py",
    "plugin.py.tmpl": "jiceng_{name}/plugin.py",
    "models.py.tmpl": "jiceng_{name}/models.py",
    "schemas.py.tmpl": "jiceng_{name}/schemas.py",
    "views.py.tmpl": "jiceng_{name}/views.py",
    "notes.html.tmpl": "jiceng_{name}/templates/{name}/notes.html",
    "_notes.html.tmpl": "jiceng_{name}/templates/{name}/_notes.html",
    "_note_form.html.tmpl": "jiceng_{name}/templates/{name}/_note_form.html",
    "note.html.tmpl": "jiceng_{name}/templates/{name}/note.html",
    "_widget.html.tmpl": "jiceng_{name}/templates/{name}/_widget.html",
    "migration.py.tmpl": "jiceng_{name}/migrations/{name}_0001_notes.py",
    "test_conformance.py.tmpl": "tests/test_conformance.py",
    "test_notes.py.tmpl": "tests/test_notes.py",
}
NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


def new_plugin(name: str, path: Path, title: str | None = None) -> list[Path]:
    """Write the package; refuses a bad name or a folder that is not empty."""
    if not NAME.match(name) or "__" in name:
        raise ValueError("plugin names are lower-case letters, digits and single underscores, 2–31 characters")
    path = Path(path)
    if path.exists() and any(path.iterdir()):
        raise FileExistsError(f"{path} is not empty")
    written = []
    for template, target in LAYOUT.items():
        text = (HERE / template).read_text(encoding="utf-8")
        text = text.replace("{{name}}", name).replace("{{title}}", title or name.replace("_", " ").title())
        out = path / target.format(name=name)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        written.append(out)
    (path / f"jiceng_{name}" / "migrations" / "__init__.py").write_text("", encoding="utf-8")
    return written
