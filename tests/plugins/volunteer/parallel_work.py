"""Work the parallel-process tests run in each child (imported by module path)."""
from __future__ import annotations

from datetime import date


def credit(worker: int, i: int, volunteer_id: int) -> str:
    from plugins.volunteer.services import ledger
    from plugins.volunteer.models.ledger import POINTS
    ledger.post("BONUS", [ledger.Line(ledger.system(POINTS, "adjustment"), POINTS, -100),
                          ledger.Line(ledger.member(volunteer_id, POINTS), POINTS, 100)],
                date(2026, 5, 1), f"test:{worker}:{i}")
    return "ok"
