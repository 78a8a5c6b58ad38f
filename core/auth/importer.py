"""Bulk user import from a sheet: 用户名, 姓名, 角色, 节点编码. All rows valid, or nothing is written."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import db
from ..org.models import OrgUnit
from ..tenancy.context import current
from .models import Role, UserAccount

HEADER = ["用户名", "姓名", "角色", "节点编码"]
EXAMPLE = [["wang-jia01", "王甲01", "网格员", "kaoshan-g01"], ["li-yi02", "李乙02", "community_staff", "kaoshan"]]
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")


@dataclass
class UserImport:
    good: list[dict] = field(default_factory=list)
    bad: list[tuple[int, list[str], str]] = field(default_factory=list)
    created: list[tuple[str, str]] = field(default_factory=list)


def check(rows: list[list[str]]) -> UserImport:
    from .permissions import ROLE_LABELS
    report = UserImport()
    if [h.strip() for h in rows[0][:3]] != HEADER[:3]:
        report.bad.append((1, rows[0], _("表头应为：%(h)s（请下载导入模板）", h="、".join(HEADER))))
        return report
    roles = {r.code: r for r in db.session.scalars(select(Role))}
    by_label = {str(label): code for code, label in ROLE_LABELS.items()}
    taken = set(db.session.scalars(select(UserAccount.username).where(
        UserAccount.username.in_([r[0].strip() for r in rows[1:] if r]))))
    seen: set[str] = set()
    for n, raw in enumerate(rows[1:], start=2):
        username, name, role, unit_code = ([c.strip() for c in raw] + ["", "", "", ""])[:4]
        role_code = by_label.get(role, role)
        unit = None
        if unit_code:
            unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == unit_code)).first()
        reason = None
        if not USERNAME.match(username):
            reason = _("用户名为 3–64 位字母、数字、下划线、点或短横线")
        elif username in taken or username in seen:
            reason = _("用户名 %(u)s 已存在", u=username)
        elif not name or len(name) > 64:
            reason = _("姓名必填，最多 64 个字符")
        elif role and role_code not in roles:
            reason = _("没有角色“%(r)s”", r=role)
        elif unit_code and unit is None:
            reason = _("节点编码 %(c)s 不存在", c=unit_code)
        if reason:
            report.bad.append((n, raw, reason))
            continue
        seen.add(username)
        report.good.append({"username": username, "name": name, "role": roles.get(role_code) if role else None,
                            "unit": unit})
    return report


def apply(report: UserImport) -> UserImport:
    """Create the checked accounts in the active tenant, each with a one-time password."""
    from ..audit import service as audit
    from ..tenancy.services import root_unit
    from .models import RoleGrant
    from .services import create_user, ensure_membership
    ctx = current()
    root = root_unit(db.session, ctx.active)
    for row in report.good:
        user, otp = create_user(row["username"], row["name"])
        ensure_membership(user.id, ctx.active)
        if row["role"] is not None:
            db.session.add(RoleGrant(user_id=user.id, role_id=row["role"].id, org_unit_id=(row["unit"] or root).id,
                                     granted_by=ctx.user_id))
        report.created.append((user.username, otp))
    db.session.flush()
    audit.record("user.import", "user", None, created=len(report.created))
    return report
