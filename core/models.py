"""Import every core model so the metadata is complete (migrations, tests, the table registry)."""
from .audit.models import AuditLog, PlatformAudit  # noqa: F401
from .events.models import EventOutbox, JobRun  # noqa: F401
from .calendar import CalendarDay, CalendarOverride  # noqa: F401
from .cases.models import CaseFile, CaseStep  # noqa: F401
from .auth.models import ApiKey, LoginThrottle, Membership, Role, RoleGrant, UserAccount, UserSession  # noqa: F401
from .org.models import (CentralHouseholdLink, OrgUnit, OrgUnitHistory, PartyOrg, Person,  # noqa: F401
                         ResidentUnit)
from .plugins.models import PluginError  # noqa: F401
from .tenancy.models import Tenant, TenantPlugin  # noqa: F401
from .ui.models import DataStamp, Notification  # noqa: F401

#: Tables outside the ORM that the registry allows, with the reason.
ALLOWLIST = {
    "alembic_version": "migration bookkeeping",
}
