"""The arithmetic of the subsidy, exact: fractions, never floats.

base = rate × quantity × covered days ÷ days in month; amount = base × tier ratio, rounded half up to
the fen once (the base shown on the voucher is rounded for display only). The composite score is
rounded by the scheme's rule *before* the tier is looked up (79.995 → 80.00 → the ≥ 80 tier)."""
from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l

MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}
MODE_LABELS = {"half_up": _l("四舍五入"), "half_even": _l("银行家舍入"), "down": _l("直接截断")}


def half_up(value: Fraction) -> int:
    """Round a non-negative or negative fraction half away from zero to an integer."""
    sign = -1 if value < 0 else 1
    v = abs(value)
    whole, rest = divmod(v.numerator, v.denominator)
    return sign * (whole + (1 if 2 * rest >= v.denominator else 0))


def base_fen(rate_fen: int, quantity: int, covered_days: int, days_in_month: int) -> int:
    return half_up(Fraction(rate_fen * quantity * covered_days, days_in_month))


def amount_fen(rate_fen: int, quantity: int, covered_days: int, days_in_month: int, tier_ratio: int) -> int:
    return half_up(Fraction(rate_fen * quantity * covered_days * tier_ratio, days_in_month * 10000))


def e4(value) -> int:
    """A score (text, Decimal or number) in 1/10000 of a point, exactly."""
    return int((Decimal(str(value)) * 10000).to_integral_value(ROUND_HALF_UP))


def as_points(value_e4: int | None, places: int = 2) -> str:
    if value_e4 is None:
        return ""
    return str((Decimal(value_e4) / 10000).quantize(Decimal(1).scaleb(-places)))


def round_score(score_e4: int, rounding: dict) -> int:
    """The scheme's rounding applied to a raw score: the result in 1/100 of a point (2 places by default)."""
    places = int(rounding.get("places", 2))
    mode = MODES[rounding.get("mode", "half_up")]
    rounded = (Decimal(score_e4) / 10000).quantize(Decimal(1).scaleb(-places), rounding=mode)
    return int(rounded * 100)


def rounding_code(rounding: dict) -> str:
    return f"{rounding.get('mode', 'half_up')}_{int(rounding.get('places', 2))}"


def rounding_label(code: str) -> str:
    mode, _sep, places = code.rpartition("_")
    from flask_babel import gettext as _
    return _("%(mode)s，保留%(n)s位小数", mode=MODE_LABELS.get(mode, mode), n=places) if mode else ""


def tier_for(score_c: int, tiers: list) -> int:
    """The ratio (1/10000) of the first tier whose minimum the rounded score (1/100) reaches."""
    for minimum, ratio in sorted(tiers, key=lambda t: -Decimal(str(t[0]))):
        if score_c >= int(Decimal(str(minimum)) * 100):
            return int(ratio)
    return int(sorted(tiers, key=lambda t: Decimal(str(t[0])))[0][1]) if tiers else 10000


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def days_in(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def add_months(month: date, n: int) -> date:
    total = month.year * 12 + month.month - 1 + n
    return date(total // 12, total % 12 + 1, 1)


def overlap_days(month: date, starts_on: date, ends_on: date | None) -> int:
    """How many days of ``month`` a period (inclusive; open-ended when ``ends_on`` is None) covers."""
    first, last = month_start(month), month_end(month)
    lo, hi = max(first, starts_on), min(last, ends_on or last)
    return max(0, (hi - lo).days + 1)


def window(end: date, months: int = 24) -> list[date]:
    last = month_start(end)
    return [add_months(last, -i) for i in range(months - 1, -1, -1)]


def yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


__all__ = ["half_up", "base_fen", "amount_fen", "e4", "as_points", "round_score", "tier_for", "overlap_days",
           "days_in", "month_start", "month_end", "add_months", "window", "yuan", "timedelta"]
