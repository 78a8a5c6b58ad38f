"""The example out-of-tree plugin passes the conformance kit, as its author's CI would run it."""
from core.testing.conformance import ConformanceSuite


class TestHelloConformance(ConformanceSuite):
    plugin = "hello"
