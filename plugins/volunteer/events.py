"""Events the volunteer plugin announces to other plugins (delivered after commit, at least once)."""
from __future__ import annotations

from dataclasses import dataclass

from core.api import Event


@dataclass
class HoursApproved(Event):
    """A service record was approved and its hours credited: ``minutes`` credited on ``service_date``
    (ISO date), ``source`` checkin / roster / self_report / linked_event / backfill, and the post or
    activity it served (0 when none)."""
    name = "volunteer.hours_approved"
    record_id: int = 0
    volunteer_id: int = 0
    person_id: int = 0
    minutes: int = 0
    service_date: str = ""
    source: str = ""
    post_id: int = 0
    activity_id: int = 0


@dataclass
class RecordVoided(Event):
    """An approved service record was voided: its hours and points were reversed."""
    name = "volunteer.record_voided"
    record_id: int = 0
    volunteer_id: int = 0
    person_id: int = 0
    minutes: int = 0
    reason: str = ""


@dataclass
class ClaimChanged(Event):
    """A post claim changed state (``state``: pending, active, rejected, withdrawn, revoked, completed)."""
    name = "volunteer.claim_changed"
    claim_id: int = 0
    post_id: int = 0
    volunteer_id: int = 0
    team_id: int = 0
    state: str = ""


@dataclass
class RoleCertified(Event):
    """A retired Party member was certified in one of the three roles (``role``: policy_publicist
    政策宣传员, opinion_courier 民情速递员, mediator 矛盾调解员)."""
    name = "volunteer.role_certified"
    volunteer_id: int = 0
    person_id: int = 0
    role: str = ""


ALL = [HoursApproved, RecordVoided, ClaimChanged, RoleCertified]
