"""Grid forms (marshmallow schemas), by area: ``events`` (one event and its actions), ``grids`` (grids,
staffing, boundaries, limits, duty), ``records`` (proxy services, mediation, care visits), ``settings``;
``base`` holds what many forms share. Import from ``plugins.grid.schemas``."""
from __future__ import annotations

from .base import LAT, LNG, REQUIRED
from .events import (
    ACTION_SCHEMAS,
    EventIn,
    PublicReportIn,
    RespondIn,
    RootCauseIn,
    ShareIn,
    SubscribeIn,
    SummonIn,
    TrackIn,
    WithdrawIn,
    split_departments,
)
from .grids import (
    AssignIn,
    BurdenAnswerIn,
    BurdenIn,
    Boundary,
    BoundaryIn,
    CategoryIn,
    DutyIn,
    EmergencyIn,
    LimitIn,
    MergeIn,
    PatrolIn,
    ServiceLogIn,
    SplitIn,
)
from .records import (
    AgreementIn,
    FollowUpIn,
    HandoffIn,
    MediationIn,
    MeetingIn,
    Parties,
    ProxyIn,
    ProxyUpdateIn,
    ViewReasonIn,
    VisitPlanIn,
)
from .settings import Settings

__all__ = ["ACTION_SCHEMAS", "AgreementIn", "AssignIn", "Boundary", "BoundaryIn", "BurdenAnswerIn", "BurdenIn", "CategoryIn", "DutyIn", "EmergencyIn", "EventIn", "FollowUpIn", "HandoffIn", "LAT", "LNG", "LimitIn", "MediationIn", "MeetingIn", "MergeIn", "Parties", "PatrolIn", "ProxyIn", "ProxyUpdateIn", "PublicReportIn", "REQUIRED", "RespondIn", "RootCauseIn", "ServiceLogIn", "Settings", "ShareIn", "SplitIn", "SubscribeIn", "SummonIn", "TrackIn", "ViewReasonIn", "VisitPlanIn", "WithdrawIn", "split_departments"]
