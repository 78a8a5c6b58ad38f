"""Property linkage tables, every one a tenant table named property__*."""
from core.api import OrgUnit

from .registry import (CompanyStaff, CompoundProfile, CoverageGap, CoveragePeriod, GovernanceBody, PropertyCompany)

__all__ = ["CompanyStaff", "CompoundProfile", "CoverageGap", "CoveragePeriod", "GovernanceBody", "PropertyCompany"]

#: model-bound URL converters (``<property_company:company_id>``), so the isolation sweep knows each id
CONVERTERS = {"property_compound": OrgUnit, "property_company": PropertyCompany, "property_coverage": CoveragePeriod,
              "property_governance": GovernanceBody, "property_staff": CompanyStaff}
