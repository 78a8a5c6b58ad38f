"""The volunteer plugin uses only the public plugin surface and passes the conformance kit
(gating of every route, another tenant's ids on every route, migrations, RLS on PostgreSQL)."""
from core.testing.conformance import ConformanceSuite


class TestVolunteerConformance(ConformanceSuite):
    plugin = "volunteer"
