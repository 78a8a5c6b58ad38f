"""Jiceng's conformance checks for this plugin (tenancy, isolation sweep, gating, migrations)."""
from core.testing.conformance import ConformanceSuite


class TestConformance(ConformanceSuite):
    plugin = "hello"
