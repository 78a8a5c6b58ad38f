"""One account's sign-in secrets, read only where a password or code is being checked.

The columns are deferred with ``raiseload`` so an ordinary load of an account never carries them
(and touching one by accident fails a test). On PostgreSQL the runtime role cannot select them at
all; a SECURITY DEFINER function returns one account's (``core.tenancy.privileges``).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, bindparam, select, text

from ..db import db
from .models import UserAccount

_PG = text("SELECT password_hash, totp_secret, recovery_codes FROM jiceng_sign_in_secrets(:u)").bindparams(
    bindparam("u", type_=BigInteger))


@dataclass(frozen=True)
class Secrets:
    password_hash: str
    totp_secret: str | None
    recovery_codes: list


def of(user_id: int) -> Secrets:
    if db.session.get_bind().dialect.name == "postgresql":
        row = db.session.execute(_PG, {"u": user_id}).one()
    else:
        row = db.session.execute(select(UserAccount.password_hash, UserAccount.totp_secret,
                                        UserAccount.recovery_codes).where(UserAccount.id == user_id)).one()
    return Secrets(row[0], row[1], list(row[2] or []))
