"""Jiceng's conformance checks for the discussion station (tenancy, isolation sweep, gating, migrations)."""
from core.testing.conformance import ConformanceSuite


class TestConformance(ConformanceSuite):
    plugin = "discussion"
