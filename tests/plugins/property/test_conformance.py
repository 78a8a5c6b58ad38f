"""Jiceng's conformance checks for the property module (tenancy, isolation sweep, gating, migrations)."""
from core.testing.conformance import ConformanceSuite


class TestConformance(ConformanceSuite):
    plugin = "property"
