"""Sign-in, sign-out, the second factor and the user's own account page."""
from __future__ import annotations

import secrets
from http import HTTPStatus

from flask import (Blueprint, abort, current_app, g, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from .. import clock
from ..audit.service import record_platform
from ..db import db
from ..ui.render import flash, form_data, see_other
from . import credentials, devices, passwords, sessions, throttle, totp
from .models import UserAccount, UserSession
from .permissions import audience
from .schemas import LoginIn, PasswordIn, TotpIn
from .services import security_notice

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@bp.route("/login", methods=["GET", "POST"])
@audience("public")
def login():
    """Sign in with account name and password; throttled per (account, address) and per address."""
    if request.method == "GET":
        return render_template("auth/login.html", form={"next": request.args.get("next", "")}, errors={})
    try:
        data = LoginIn().load(form_data())
    except ValidationError as err:
        return render_template("auth/login.html", form=request.form, errors=err.messages), HTTPStatus.UNPROCESSABLE_ENTITY
    ip = sessions.client_ip()
    device = devices.known(data["username"])
    refusal = throttle.login_refusal(data["username"], ip, device)
    if refusal is not None:
        resp = make_response(render_template("auth/login.html", form=request.form, errors={"_": [refusal.message]}),
                             HTTPStatus.TOO_MANY_REQUESTS)
        resp.headers["Retry-After"] = str(refusal.retry_after)
        return resp
    user = db.session.scalars(select(UserAccount).where(UserAccount.username == data["username"].strip())).first()
    stored = credentials.of(user.id).password_hash if user else _dummy_hash()
    ok = passwords.verify_password(stored, data["password"])
    if not ok or user is None or not user.is_active:
        failures = throttle.record_login_failure(data["username"], ip, device)
        user_id = user.id if user else None
        record_platform("auth.login_failed", None, user_id=user_id, ip=ip)
        db.session.commit()
        if user_id is not None and failures == current_app.config["LOGIN_SLOWDOWN_AFTER"]:
            _warn_owner(user_id, _("有人多次用错误的密码尝试登录您的账号"), failures)
        return (render_template("auth/login.html", form=request.form, errors={"_": [_("账号或密码不正确")]}),
                HTTPStatus.UNPROCESSABLE_ENTITY)
    throttle.record_login_success(data["username"], ip, device)
    record_platform("auth.login", None, user_id=user.id, ip=ip)
    if passwords.needs_rehash(stored):
        user.password_hash = passwords.hash_password(data["password"])
    sessions.start_session(user, totp_pending=user.totp_enabled)
    db.session.commit()
    if user.totp_enabled:
        session["next"] = _safe_next(data.get("next"))
        return see_other(url_for("auth.totp_step"))
    devices.remember(user.username)
    if user.must_change_password:
        return see_other(url_for("auth.change_password"))
    return see_other(_safe_next(data.get("next")))


def _warn_owner(user_id: int, title: str, failures: int) -> None:
    body = _("最近 %(m)s 分钟内有 %(n)s 次失败的尝试（最近一次来自 %(ip)s）。如果不是您本人，请修改密码；"
             "在您常用的设备上登录不受影响。", m=current_app.config["LOGIN_THROTTLE_MINUTES"], n=failures,
             ip=sessions.client_ip())
    security_notice(user_id, title, body)


_DUMMY = {}


def _dummy_hash() -> str:
    """Verify against a real hash when the account is unknown, so both answers take as long."""
    key = bool(current_app.config.get("ARGON2_CHEAP"))
    if key not in _DUMMY:
        _DUMMY[key] = passwords.hash_password(passwords.DUMMY_PASSWORD)
    return _DUMMY[key]


@bp.route("/login/totp", methods=["GET", "POST"])
@audience("public")
def totp_step():
    """Second step of sign-in for accounts with a TOTP authenticator.

    A pending sign-in gets ``TOTP_MAX_FAILURES`` wrong codes, then the password step again; an
    account gets ``TOTP_MAX_FAILURES_ACCOUNT`` in a window across sign-ins, then waits and is told.
    """
    user = getattr(g, "totp_pending_user", None)
    if user is None:
        return redirect(url_for("auth.login"))
    minutes = current_app.config["LOGIN_THROTTLE_MINUTES"]
    pending_key, account_key = f"totp-s:{g.user_session.token_hash[:32]}", f"totp-a:{user.id}"
    if throttle.peek(account_key, minutes)[0] >= current_app.config["TOTP_MAX_FAILURES_ACCOUNT"]:
        return _totp_restart(_("验证码错误次数过多，请 %(n)s 分钟后重新登录。", n=minutes), minutes * 60)
    if request.method == "GET":
        return render_template("auth/totp.html", errors={})
    try:
        code = TotpIn().load(form_data())["code"]
    except ValidationError as err:
        return render_template("auth/totp.html", errors=err.messages), HTTPStatus.UNPROCESSABLE_ENTITY
    stored = credentials.of(user.id)
    if not (totp.verify(user, code, stored.totp_secret) or totp.use_recovery_code(user, code, stored.recovery_codes)):
        in_sign_in = throttle.hit(pending_key, minutes)
        on_account = throttle.hit(account_key, minutes)
        record_platform("auth.totp_failed", None, user_id=user.id, ip=sessions.client_ip(), attempt=in_sign_in)
        if on_account == current_app.config["TOTP_MAX_FAILURES_ACCOUNT"]:
            user_id = user.id
            record_platform("auth.totp_locked", None, user_id=user_id, ip=sessions.client_ip())
            db.session.commit()  # the notice is written apart, after this request's own work
            security_notice(user_id, _("有人输对了您的密码，但多次输错了验证码"),
                            _("请立即修改密码。验证码已暂停 %(n)s 分钟。", n=minutes))
            return _totp_restart(_("验证码错误次数过多，请 %(n)s 分钟后重新登录。", n=minutes), minutes * 60)
        if in_sign_in >= current_app.config["TOTP_MAX_FAILURES"]:
            record_platform("auth.totp_restart", None, user_id=user.id, ip=sessions.client_ip())
            return _totp_restart(_("验证码错误次数过多，请重新输入密码。"), 0)
        db.session.commit()
        return render_template("auth/totp.html", errors={"code": [_("验证码不正确或已使用")]}), HTTPStatus.UNPROCESSABLE_ENTITY
    throttle.clear(pending_key, account_key)
    next_url = session.pop("next", "/")
    sessions.end_session()
    sessions.start_session(user)  # a new session id once fully authenticated
    db.session.commit()
    devices.remember(user.username)
    return see_other(_safe_next(next_url))


def _totp_restart(message: str, retry_after: int):
    """End the pending sign-in: whoever holds it must prove the password again."""
    sessions.end_session()
    db.session.commit()
    resp = make_response(render_template("auth/login.html", form={}, errors={"_": [message]}),
                         HTTPStatus.TOO_MANY_REQUESTS)
    if retry_after:
        resp.headers["Retry-After"] = str(retry_after)
    return resp


@bp.post("/logout")
@audience("public")
def logout():
    if getattr(g, "user", None) is not None:
        record_platform("auth.logout", None, user_id=g.user.id, ip=sessions.client_ip())
    sessions.end_session()
    db.session.commit()
    return see_other(url_for("auth.login"))


@bp.route("/account/confirm", methods=["GET", "POST"])
@audience("signed_in")
def confirm():
    """Type the password again before a sensitive action (step-up)."""
    if request.method == "GET":
        return render_template("auth/confirm.html", errors={}, next=_safe_next(request.args.get("next")))
    if not passwords.verify_password(credentials.of(g.user.id).password_hash, request.form.get("password", "")):
        return render_template("auth/confirm.html", errors={"password": [_("密码不正确")]},
                               next=_safe_next(request.form.get("next"))), HTTPStatus.UNPROCESSABLE_ENTITY
    sessions.session_row().reauth_at = clock.utcnow()
    db.session.commit()
    return see_other(_safe_next(request.form.get("next")))


@bp.get("/account")
@audience("signed_in")
def account():
    """The user's own settings: language, large text, password, second factor, signed-in devices."""
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == g.user.id)
                              .order_by(UserSession.last_seen_at.desc())).all()
    return render_template("auth/account.html", sessions_=rows, current_id=g.user_session.id, errors={})


@bp.post("/account/sign-out-everywhere")
@audience("signed_in")
def sign_out_everywhere():
    sessions.revoke_all(g.user.id)
    sessions.end_session()
    flash(_("已在所有设备上退出登录"))
    db.session.commit()
    return see_other(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@audience("signed_in")
def change_password():
    """Choose a new password; every other session of the account ends."""
    if request.method == "GET":
        return render_template("auth/password.html", errors={})
    current_pw = request.form.get("current_password", "")
    if not passwords.verify_password(credentials.of(g.user.id).password_hash, current_pw):
        return render_template("auth/password.html", errors={"current_password": [_("当前密码不正确")]}), \
            HTTPStatus.UNPROCESSABLE_ENTITY
    try:
        data = PasswordIn().load({"password": request.form.get("password", "")})
    except ValidationError as err:
        return render_template("auth/password.html", errors=err.messages), HTTPStatus.UNPROCESSABLE_ENTITY
    account = sessions.account_row()
    account.password_hash = passwords.hash_password(data["password"])
    account.must_change_password = False
    sessions.revoke_all(account.id)
    sessions.start_session(account)
    flash(_("密码已修改，其他设备上的登录已失效"))
    db.session.commit()
    return see_other(url_for("auth.account"))


@bp.route("/account/totp", methods=["GET", "POST"])
@audience("signed_in")
def totp_enroll():
    """Enrol an authenticator app: scan the key, confirm one code, keep the recovery codes."""
    if g.user.totp_enabled:
        return see_other(url_for("auth.account"))
    if request.method == "GET":
        secret = session.get("totp_secret") or totp.new_secret()
        session["totp_secret"] = secret
        return render_template("auth/totp_enroll.html", secret=secret,
                               uri=totp.provisioning_uri(secret, g.user.username), errors={}, codes=None)
    secret = session.get("totp_secret")
    if not secret:
        abort(400)
    try:
        code = TotpIn().load(form_data())["code"]
    except ValidationError as err:
        return render_template("auth/totp_enroll.html", secret=secret, uri=totp.provisioning_uri(secret, g.user.username),
                               errors=err.messages, codes=None), HTTPStatus.UNPROCESSABLE_ENTITY
    account = sessions.account_row()
    if not totp.verify(account, code, secret):
        db.session.rollback()
        return render_template("auth/totp_enroll.html", secret=secret, uri=totp.provisioning_uri(secret, g.user.username),
                               errors={"code": [_("验证码不正确")]}, codes=None), HTTPStatus.UNPROCESSABLE_ENTITY
    codes, hashes = totp.new_recovery_codes()
    account.totp_secret = secret
    account.totp_enabled = True
    account.recovery_codes = hashes
    session.pop("totp_secret", None)
    flash(_("已开启两步验证"))
    db.session.commit()
    return render_template("auth/totp_enroll.html", secret=None, uri=None, errors={}, codes=codes)


def one_time_password() -> str:
    return secrets.token_urlsafe(9)
