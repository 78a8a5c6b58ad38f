"""``jiceng tenants apply``: declarative tenants, applied parents first, idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from core.org.models import OrgUnit
from core.tenancy import tenant_scope
from core.tenancy.models import Tenant


def write(folder, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tenant.toml").write_text(text, encoding="utf-8")


def definitions(tmp_path, n):
    district, street = f"apply-d{n}", f"apply-s{n}"
    write(tmp_path / district, f'slug = "{district}"\nname = "示范区"\nkind = "district"\n')
    write(tmp_path / street, f'''slug = "{street}"
name = "示范区东街街道"
kind = "street"
parent = "{district}"
party = "东街街道大党工委"

[[community]]
code = "{street}-xingfu"
name = "幸福社区"
compounds = [{{ code = "{street}-x1", name = "幸福小区" }}]
grids = [{{ code = "{street}-g1", name = "第一网格", compound = "{street}-x1" }},
         {{ code = "{street}-e1", name = "农贸市场", type = "exclusive", site = "market" }}]
resident_units = [{{ name = "示范学校", uscc = "12340000MB0000001X", kind = "学校" }}]
''')
    return tmp_path / street, tmp_path / district


def units(app, slug):
    with app.app_context():
        tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    with app.app_context(), tenant_scope(tid, commit=False):
        return db.session.scalar(select(func.count()).select_from(OrgUnit))


def test_apply_creates_parents_first_and_a_rerun_changes_nothing(app, tmp_path):
    street, district = definitions(tmp_path, 1)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["tenants", "apply", str(street), str(district)])
    assert first.exit_code == 0, first.output
    assert first.output.index("apply-d1") < first.output.index("apply-s1")
    assert units(app, "apply-s1") == 5  # street root, community, compound, two grids
    second = runner.invoke(args=["tenants", "apply", str(street), str(district)])
    assert "apply-s1: 0 created, 0 changed" in second.output


def test_dry_run_writes_nothing(app, tmp_path):
    street, district = definitions(tmp_path, 2)
    result = app.test_cli_runner().invoke(args=["tenants", "apply", str(district), str(street), "--dry-run"])
    assert result.exit_code == 0 and "dry run" in result.output
    with app.app_context():
        assert db.session.scalar(select(Tenant.id).where(Tenant.slug == "apply-s2")) is None


def test_an_invalid_definition_is_refused_with_the_reason(app, tmp_path):
    write(tmp_path / "bad", 'slug = "bad"\nname = "坏"\nkind = "village"\n')
    result = app.test_cli_runner().invoke(args=["tenants", "apply", str(tmp_path / "bad")])
    assert result.exit_code == 1 and "kind" in result.output
