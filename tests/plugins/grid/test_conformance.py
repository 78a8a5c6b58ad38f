"""The grid plugin uses only the public plugin surface and passes the conformance kit."""
from core.testing.conformance import ConformanceSuite


class TestGridConformance(ConformanceSuite):
    plugin = "grid"
