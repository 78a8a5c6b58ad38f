"""The conformance kit fails a plugin whose migration skips row-level security or does not create
what its models declare, and passes one that uses ``create_tenant_table`` (run as a plugin's CI runs it)."""
from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

from core.testing import require_pg

from .throwaway import ITEM_MODEL, ITEM_WITH_RLS, ITEM_WITHOUT_RLS, environment, write_plugin

KIT = '''from core.testing.conformance import ConformanceSuite
''' + "".join(f'''

class Test{name.title()}(ConformanceSuite):
    plugin = "{name}"
''' for name in ("sealed", "leaky", "drifty"))

#: the model declares an index the migration never creates
DRIFTY_MODEL = ITEM_MODEL.replace(
    '"tenant_id", "created_at"))',
    '"tenant_id", "created_at"), Index("ix_{name}__item_tenant_id_title", "tenant_id", "title"))')


def run_kit(tmp_path, select: str, **env) -> dict[str, str]:
    """Each selected check of the kit, per plugin: "passed" or its failure message."""
    write_plugin(tmp_path, "sealed", migration=ITEM_WITH_RLS)
    write_plugin(tmp_path, "leaky", migration=ITEM_WITHOUT_RLS)
    write_plugin(tmp_path, "drifty", models=DRIFTY_MODEL, migration=ITEM_WITH_RLS)
    (tmp_path / "test_kit.py").write_text(KIT, encoding="utf-8")
    report = tmp_path / "report.xml"
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "core.testing", "-p", "no:cacheprovider", "-q",
                             "-k", select, f"--junitxml={report}", "test_kit.py"],
                            cwd=tmp_path, env=environment(tmp_path, **env), capture_output=True, text=True, timeout=600)
    assert report.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        failure = case.find("failure")
        skipped = case.find("skipped")
        outcomes[f"{case.get('classname').rpartition('.')[2]}"] = (
            failure.get("message", "") + (failure.text or "") if failure is not None
            else "skipped" if skipped is not None else "passed")
    return outcomes


def test_a_plugin_table_without_row_level_security_fails_the_kit_on_postgresql(tmp_path):
    outcomes = run_kit(tmp_path, "row_level_security", JICENG_TEST_DB="postgresql", JICENG_TEST_PG_URL=require_pg())
    assert outcomes["TestSealed"] == "passed"
    assert "leaky__item: row-level security is not enabled" in outcomes["TestLeaky"]
    assert "leaky__item: no SELECT policy" in outcomes["TestLeaky"]


def test_a_migration_that_differs_from_its_models_fails_the_kit(tmp_path):
    outcomes = run_kit(tmp_path, "test_migrations_match_the_models and not postgresql", JICENG_TEST_DB="sqlite")
    assert outcomes["TestSealed"] == "passed" and outcomes["TestLeaky"] == "passed"
    assert "ix_drifty__item_tenant_id_title" in outcomes["TestDrifty"]
    assert "add_index" in outcomes["TestDrifty"]


def test_a_plugin_table_citus_could_not_distribute_fails_the_kit_on_postgresql(tmp_path):
    """create_tenant_table keys a new table (tenant_id, id); a plain op.create_table keeps PRIMARY KEY (id)."""
    outcomes = run_kit(tmp_path, "citus", JICENG_TEST_DB="postgresql", JICENG_TEST_PG_URL=require_pg())
    assert outcomes["TestSealed"] == "passed"
    assert "leaky__item: primary key" in outcomes["TestLeaky"]
    assert "lacks tenant_id" in outcomes["TestLeaky"]
