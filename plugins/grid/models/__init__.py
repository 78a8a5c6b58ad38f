"""Grid tables, every one a tenant table named grid__*, by area:

- ``events``: categories, events and their timeline, photos, summons, district shares, subscribers
- ``grids``: boundary versions, staffing, service logs, patrols, duty, emergency mode, frozen statistics
- ``records``: proxy services, mediation cases and care visits

Import from ``plugins.grid.models``; the modules are how the file is kept readable.
"""
from __future__ import annotations

from .events import DEVICE_TIME_TOLERANCE, Category, GridEvent, Photo, Share, Subscriber, Summons, Transition
from .grids import (
    ASSIGNMENT_ROLES,
    BURDEN_RULES,
    CHANGES,
    PRIORITY,
    SERVICE_FORMS,
    SERVICE_TYPES,
    SHIFTS,
    Assignment,
    BurdenReport,
    Duty,
    EmergencyMode,
    GridProfile,
    KpiSnapshot,
    Patrol,
    ServiceLog,
)
from .records import (
    ACK_METHODS,
    CARE_TYPES,
    FOLLOW_UP_DAYS,
    PARTY_ROLES,
    PROXY_STATUSES,
    VIEW_REASONS,
    MediationCase,
    MediationLog,
    ProxyService,
    VisitPlan,
)

__all__ = ["ACK_METHODS", "ASSIGNMENT_ROLES", "Assignment", "BURDEN_RULES", "BurdenReport", "CARE_TYPES", "CHANGES", "Category", "DEVICE_TIME_TOLERANCE", "Duty", "EmergencyMode", "FOLLOW_UP_DAYS", "GridEvent", "GridProfile", "KpiSnapshot", "MediationCase", "MediationLog", "PARTY_ROLES", "PRIORITY", "PROXY_STATUSES", "Patrol", "Photo", "ProxyService", "SERVICE_FORMS", "SERVICE_TYPES", "SHIFTS", "ServiceLog", "Share", "Subscriber", "Summons", "Transition", "VIEW_REASONS", "VisitPlan"]
