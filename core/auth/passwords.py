"""argon2id password hashing and the password policy (ASVS 6.2: length, not composition)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128


@cache
def _hasher(cheap: bool) -> PasswordHasher:
    if cheap:  # tests only: the parameters, not the algorithm, change
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hasher() -> PasswordHasher:
    return _hasher(bool(current_app.config.get("ARGON2_CHEAP")))


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return hasher().check_needs_rehash(stored)


@cache
def common_passwords() -> frozenset[str]:
    text = (Path(__file__).with_name("common-passwords.txt")).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why this password is refused, in the user's language, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return str(_l("密码至少需要 %(n)s 个字符", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("密码不能超过 %(n)s 个字符", n=MAX_LENGTH))
    if password.lower() in common_passwords():
        return str(_l("这个密码太常见，容易被猜到，请换一个"))
    return None


# A fixed hash to verify against when the account does not exist, so both answers take as long.
DUMMY_PASSWORD = "not-a-real-password-for-timing"
