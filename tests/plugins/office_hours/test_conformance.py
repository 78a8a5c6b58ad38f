"""The office-hours plugin uses only the public plugin surface and passes the conformance kit."""
from core.testing.conformance import ConformanceSuite


class TestOfficeHoursConformance(ConformanceSuite):
    plugin = "office_hours"
