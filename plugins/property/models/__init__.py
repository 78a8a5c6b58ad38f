"""Property linkage tables, every one a tenant table named property__*."""
from core.api import OrgUnit

from .registry import (CompanyStaff, CompoundProfile, CoverageGap, CoveragePeriod, GovernanceBody, PropertyCompany)
from .tickets import Incident, Ticket, TicketAction, TicketCategory
from .assessment import Assessment, AssessmentScheme
from .subsidy import SubsidyEntry, SubsidyStandard, SubsidyStep
from .meetings import JointMeeting, MeetingAction

__all__ = ["CompanyStaff", "CompoundProfile", "CoverageGap", "CoveragePeriod", "GovernanceBody", "Incident",
           "PropertyCompany", "Ticket", "TicketAction", "TicketCategory", "Assessment", "AssessmentScheme",
           "SubsidyEntry", "SubsidyStandard", "SubsidyStep", "JointMeeting", "MeetingAction"]

#: model-bound URL converters (``<property_company:company_id>``), so the isolation sweep knows each id
CONVERTERS = {"property_compound": OrgUnit, "property_company": PropertyCompany, "property_coverage": CoveragePeriod,
              "property_governance": GovernanceBody, "property_staff": CompanyStaff, "property_ticket": Ticket,
              "property_category": TicketCategory, "property_incident": Incident,
              "property_subsidy_entry": SubsidyEntry, "property_assessment": Assessment,
              "property_meeting": JointMeeting, "property_action": MeetingAction}
