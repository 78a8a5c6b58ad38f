"""TOTP second factor (RFC 6238): ±1 step, every code used once, hashed recovery codes."""
from __future__ import annotations

import hashlib
import secrets

import pyotp

from .. import clock


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Jiceng")


def verify(user, code: str, secret: str | None) -> bool:
    """Accept a code within ±1 step that is newer than the last one used (no replay)."""
    if not secret:
        return False
    totp = pyotp.TOTP(secret)
    now = clock.utcnow().timestamp()
    step_now = int(now // totp.interval)
    for step in (step_now - 1, step_now, step_now + 1):
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def new_recovery_codes(n: int = 8) -> tuple[list[str], list[str]]:
    codes = [secrets.token_hex(5) for _ in range(n)]
    return codes, [hashlib.sha256(c.encode()).hexdigest() for c in codes]


def use_recovery_code(user, code: str, stored: list[str]) -> bool:
    """Spend a recovery code: the account keeps the others (``stored`` from core.auth.credentials)."""
    digest = hashlib.sha256(code.encode()).hexdigest()
    if digest in stored:
        user.recovery_codes = [c for c in stored if c != digest]
        return True
    return False


def now_code(secret: str) -> str:
    """The current code (tests and the enrolment preview)."""
    return pyotp.TOTP(secret).at(clock.utcnow().timestamp())


