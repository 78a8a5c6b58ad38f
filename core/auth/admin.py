"""Tenant administration from pages: users, one-time passwords, role grants, sessions, API keys, audit log."""
from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from ..audit import service as audit
from ..audit.models import AuditLog
from ..db import db, get_or_404
from ..org.models import OrgUnit
from ..org.naming import unit_labels
from ..params import arg, parse_id
from ..tenancy.context import current
from ..ui.render import flash, form_data, invalid_form, see_other
from ..errors import NotAllowed
from . import apikeys, passwords, sessions
from .models import ApiKey, Membership, Role, RoleGrant, UserAccount
from .permissions import requires, step_up
from .schemas import ApiKeyIn, GrantIn, UserIn
from .services import (GrantRefused, create_user, ensure_membership, grant, tenant_user_or_none,
                       users_beyond_scope)

bp = Blueprint("admin", __name__, url_prefix="/t/<tenant>/admin")


def _users_page(**extra):
    users = db.session.scalars(select(UserAccount).join(Membership, Membership.user_id == UserAccount.id)
                               .where(Membership.tenant_id == current().active)  # a "user" table: filter explicitly
                               .order_by(UserAccount.username)).all()
    rows = db.session.execute(select(RoleGrant.user_id, Role.code, OrgUnit, RoleGrant.id)
                              .join(Role, (Role.id == RoleGrant.role_id) & (Role.tenant_id == RoleGrant.tenant_id))
                              .join(OrgUnit, (OrgUnit.id == RoleGrant.org_unit_id)
                                    & (OrgUnit.tenant_id == RoleGrant.tenant_id))).all()
    roles = db.session.scalars(select(Role).order_by(Role.id)).all()
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(("district", "street", "community", "grid")))
                               .order_by(OrgUnit.path).limit(500)).all()
    # a scope reads 靠山社区·第1网格, never a bare 第1网格 that every community has
    names = unit_labels([*units, *(unit for _u, _r, unit, _g in rows)])
    grants: dict[int, list] = {}
    for user_id, role, unit, grant_id in rows:
        grants.setdefault(user_id, []).append((role, names[unit.id], grant_id))
    beyond = users_beyond_scope(u.id for u in users)
    context = {"users": users, "grants": grants, "roles": roles, "units": units, "unit_names": names,
               "errors": {}, "form": {},
               "beyond": beyond, "grantable": [u for u in users if u.id not in beyond],
               "grant_errors": {}, "grant_form": {}, "new_password": None}
    context.update(extra)
    return context


def _members_only(user_id: int) -> UserAccount:
    """A member of this tenant whose every membership this admin answers for.

    An account that also works elsewhere (a district admin, a colleague in another street) or a
    platform admin is refused: resetting or signing it out would reach beyond this tenant.
    """
    user = tenant_user_or_none(user_id)
    if user is None:
        abort(404)
    if users_beyond_scope([user.id]):
        audit.record("user.admin_refused", "user", user.id, outcome="denied", path=request.path)
        db.session.commit()
        raise NotAllowed(_("该账号也在其他单位任职，只能由上级单位或平台管理员处理。"))
    return user


@bp.get("/users")
@requires("core.users.manage")
def users():
    """Everyone with a membership here, their roles and where in the tree they hold them."""
    return render_template("admin/users.html", **_users_page())


@bp.post("/users")
@requires("core.users.manage")
@step_up
def create():
    """Create an account (or add an existing one) with a one-time password shown once."""
    try:
        data = UserIn().load(form_data())
    except ValidationError as err:
        return invalid_form("admin/users.html", "admin/_user_form.html", "user-form",
                            **_users_page(errors=err.messages, form=request.form))
    ctx = current()
    existing = db.session.scalars(select(UserAccount).where(UserAccount.username == data["username"])).first()
    if existing is not None:
        return invalid_form("admin/users.html", "admin/_user_form.html", "user-form",
                            **_users_page(errors={"username": [_("用户名已存在")]}, form=request.form))
    user, otp = create_user(data["username"], data["display_name"])
    ensure_membership(user.id, ctx.active)
    audit.record("user.create", "user", user.id)
    flash(_("已创建账号“%(name)s”", name=user.username))
    db.session.commit()
    return render_template("admin/users.html", **_users_page(new_password=(user.username, otp))), HTTPStatus.CREATED


@bp.route("/users/import", methods=["GET", "POST"])
@requires("core.users.manage")
@step_up
def import_users():
    """Create many accounts from a sheet; the one-time passwords are shown once, here."""
    from ..org import sheets
    from . import importer
    if request.method == "GET":
        return render_template("admin/import_users.html", report=None, errors={})
    try:
        rows = sheets.read_upload(request.files.get("file"))
    except sheets.SheetError as err:
        return render_template("admin/import_users.html", report=None, errors={"file": [str(err)]}), \
            HTTPStatus.UNPROCESSABLE_ENTITY
    report = importer.check(rows)
    if report.bad or not report.good:
        return render_template("admin/import_users.html", report=report, errors={}), HTTPStatus.UNPROCESSABLE_ENTITY
    importer.apply(report)
    db.session.commit()
    return render_template("admin/import_users.html", report=report, errors={})


@bp.get("/users/import-template.<any(xlsx, csv):fmt>")
@requires("core.users.manage")
def import_users_template(fmt: str):
    from ..org import sheets
    from . import importer
    return sheets.download(fmt, "用户导入模板", importer.HEADER, importer.EXAMPLE)


@bp.post("/users/<user:user_id>/reset-password")
@requires("core.users.manage")
@step_up
def reset_password(user_id: int):
    """Account recovery: a one-time password the user must change at the next sign-in."""
    user = _members_only(user_id)
    from .views import one_time_password
    otp = one_time_password()
    user.password_hash = passwords.hash_password(otp)
    user.must_change_password = True
    sessions.revoke_all(user.id)
    audit.record("user.reset_password", "user", user.id)
    flash(_("已重置“%(name)s”的密码", name=user.username))
    db.session.commit()
    return render_template("admin/users.html", **_users_page(new_password=(user.username, otp)))


@bp.post("/users/<user:user_id>/sign-out")
@requires("core.users.manage")
def sign_out_user(user_id: int):
    """Sign the user out on every device."""
    user = _members_only(user_id)
    n = sessions.revoke_all(user.id)
    audit.record("user.revoke_sessions", "user", user.id, sessions=n)
    flash(_("“%(name)s”已在所有设备上退出登录", name=user.username))
    db.session.commit()
    return see_other(url_for("admin.users"))


@bp.post("/grants")
@requires("core.users.manage")
@step_up
def create_grant():
    """Grant a role at a node of the tree."""
    try:
        data = GrantIn().load(form_data())
        if users_beyond_scope([data["user_id"]]):
            raise GrantRefused(_("该账号也在其他单位任职，只能由上级单位或平台管理员处理。"))
        grant(data["user_id"], data["role"], data["org_unit_id"])
    except ValidationError as err:
        return invalid_form("admin/users.html", "admin/_grant_form.html", "grant-form",
                            **_users_page(grant_errors=err.messages, grant_form=request.form))
    except GrantRefused as err:
        db.session.rollback()
        return invalid_form("admin/users.html", "admin/_grant_form.html", "grant-form",
                            **_users_page(grant_errors={"_": [str(err)]}, grant_form=request.form))
    flash(_("已授予角色"))
    db.session.commit()
    return see_other(url_for("admin.users"))


@bp.post("/grants/<role_grant:grant_id>/revoke")
@requires("core.users.manage")
@step_up
def revoke_grant(grant_id: int):
    row = get_or_404(RoleGrant, grant_id)
    _members_only(row.user_id)
    audit.record("grant.revoke", "role_grant", row.id, user_id=row.user_id)
    db.session.delete(row)
    flash(_("已撤销授权"))
    db.session.commit()
    return see_other(url_for("admin.users"))


def _api_keys_page(**extra):
    keys = db.session.scalars(select(ApiKey).where(ApiKey.tenant_id == current().active)
                              .order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())).all()
    creators = {u.id: u.display_name for u in db.session.scalars(
        select(UserAccount).where(UserAccount.id.in_({k.created_by for k in keys if k.created_by})))}
    context = {"keys": keys, "creators": creators, "scopes": apikeys.offered_scopes(), "errors": {}, "form": {},
               "new_key": None}
    context.update(extra)
    return context


@bp.get("/api-keys")
@requires("core.apikeys.manage")
def api_keys():
    """Keys for platforms that call this street's machine endpoints (Open311): who made them, last use."""
    return render_template("admin/api_keys.html", **_api_keys_page())


@bp.post("/api-keys")
@requires("core.apikeys.manage")
@step_up
def create_api_key():
    """Create a key; its secret is shown on this page once and never again."""
    try:
        data = ApiKeyIn().load({**form_data(), "scopes": request.form.getlist("scopes")})
    except ValidationError as err:
        return invalid_form("admin/api_keys.html", "admin/_api_key_form.html", "api-key-form",
                            **_api_keys_page(errors=err.messages, form=request.form))
    key, secret = apikeys.new_key(data["name"], data["scopes"])
    flash(_("已创建接口密钥“%(name)s”", name=key.name))
    db.session.commit()
    return render_template("admin/api_keys.html", **_api_keys_page(new_key=(key.name, secret))), HTTPStatus.CREATED


@bp.post("/api-keys/<api_key:key_id>/revoke")
@requires("core.apikeys.manage")
def revoke_api_key(key_id: int):
    """Revoke at once: the platform's next call is refused (no step-up, it is the emergency brake)."""
    if apikeys.revoke(key_id) is None:
        abort(404)
    flash(_("已撤销接口密钥"))
    db.session.commit()
    return see_other(url_for("admin.api_keys"))


@bp.get("/audit")
@requires("core.audit.view")
def audit_log():
    """The tenant's audit trail with readable names, filtered by person, unit, module, action and
    Beijing days; a filter no one could have chosen answers 422 with the reason."""
    from ..audit import filters
    from ..plugins.manager import registry
    from ..ui.render import render_page_or_fragment
    plugins = registry().plugins
    page = _audit_choices(plugins)
    before = arg("before", parse_id)
    try:
        data = filters.load(request.args, {m for m, _t in page["modules"]}, {u.id for u in page["members"]})
    except ValidationError as err:
        return invalid_form("admin/audit.html", "admin/_audit_filters.html", "audit-filters", rows=[], more=False,
                            actors={}, args=request.args, errors=err.messages, verified=False, **page)
    stmt = filters.apply(select(AuditLog), data, plugins).order_by(AuditLog.id.desc())
    if before:
        stmt = stmt.where(AuditLog.id < before)
    rows = db.session.scalars(stmt.limit(51)).all()
    more = len(rows) > 50
    rows = rows[:50]
    actors = {u.id: u for u in db.session.scalars(
        select(UserAccount).where(UserAccount.id.in_({r.actor_id for r in rows if r.actor_id})))}
    chain_ok, broken_at = (True, None)
    if request.args.get("verify"):
        chain_ok, broken_at = audit.verify_chain(current().active)
    return render_page_or_fragment("admin/audit.html", "admin/_audit_rows.html", "audit-rows", rows=rows,
                                   actors=actors, more=more, args=request.args, errors={},
                                   verified=bool(request.args.get("verify")), chain_ok=chain_ok,
                                   broken_at=broken_at, **page)


def _audit_choices(plugins) -> dict:
    """What the audit filters offer: this tenant's members, its units down to grids, and the modules."""
    from ..audit.labels import CORE_MODULE
    members = db.session.scalars(select(UserAccount).join(Membership, Membership.user_id == UserAccount.id)
                                 .where(Membership.tenant_id == current().active)
                                 .order_by(UserAccount.display_name, UserAccount.username)).all()
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(("district", "street", "community", "grid")))
                               .order_by(OrgUnit.path).limit(500)).all()
    modules = [(CORE_MODULE, _("系统")), *((name, str(p.manifest.title)) for name, p in plugins.items())]
    return {"members": members, "units": units, "modules": modules}


