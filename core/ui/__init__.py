"""The page shell: locale, template globals, navigation and widgets from hooks."""
from __future__ import annotations

from flask import Flask, g, has_request_context, request, session
from jinja2 import pass_context
from markupsafe import Markup
from flask_babel import Babel, format_datetime, get_translations, lazy_gettext as _l

from .. import clock
from ..tenancy.context import current_or_none

LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
NAV_GROUPS = (("work", _l("网格工作")), ("service", _l("服务")), ("participate", _l("参与")), ("admin", _l("管理")))


def select_locale() -> str:
    if not has_request_context():
        return LOCALES["zh"]
    choice = session.get("lang")
    if choice in LOCALES:
        return LOCALES[choice]
    user = getattr(g, "user", None)
    if user is not None and user.locale in LOCALES:
        return LOCALES[user.locale]
    best = request.accept_languages.best_match(["zh", "zh-CN", "en"])
    return LOCALES["en"] if best == "en" else LOCALES["zh"]


def current_lang() -> str:
    if not has_request_context():
        return "zh"
    lang = g.get("_lang")
    if lang is None:
        lang = g._lang = "en" if select_locale() == "en" else "zh"
    return lang


def _translations():
    """The request's catalogue, looked up once: Flask-Babel resolves context, domain and locale on
    every call, and a page says _() a few dozen times."""
    if not has_request_context():
        return get_translations()
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


@pass_context
def _template_gettext(context, string, **variables):
    """Jinja's new-style ``_()`` with less machinery: the request's catalogue, autoescaped, and
    formatted only when there is something to format (a page says ``_()`` dozens of times)."""
    rv = _translations().ugettext(string)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables if variables or "%" in string else rv


_COLLECTED: dict[tuple, list] = {}


def _cached(hook: str, ctx) -> list:
    """Nav items and widgets depend on the tenant, its enabled plugins and the user's permissions
    only, so they are collected once per (tenant, plugins_rev, permission set), not per request."""
    perms = frozenset(p for grant in ctx.grants for p in grant.permissions)
    key = (hook, ctx.active, ctx.plugins_rev, ctx.kind, ctx.enabled, perms)
    items = _COLLECTED.get(key)
    if items is None:
        items = [i for i in ctx.hooks.collect(hook, ctx=ctx) if i.permission in perms]
        if len(_COLLECTED) > 20_000:
            _COLLECTED.clear()
        _COLLECTED[key] = items
    return items


def nav() -> list[tuple[object, list]]:
    """Navigation groups with the items this user may use, in registered order."""
    ctx = current_or_none()
    if ctx is None or ctx.hooks is None:
        return []
    items = _cached("nav_items", ctx)
    out = []
    for key, label in NAV_GROUPS:
        group = sorted((i for i in items if i.group == key), key=lambda i: i.order)  # stable: no label lookups
        if group:
            out.append((label, group))
    return out


#: how many of the role's first work items the phone's bottom bar shows, besides 消息 and 更多
TAB_WORK_ITEMS = 3
_TAB_SKIP = frozenset({"home.inbox", "home.search"})


def tab_items() -> list:
    """The phone's bottom bar: the first items of the role's work group by order, then 消息."""
    ctx = current_or_none()
    if ctx is None or ctx.hooks is None:
        return []
    items = _cached("nav_items", ctx)
    work = sorted((i for i in items if i.group == "work" and i.endpoint not in _TAB_SKIP), key=lambda i: i.order)
    return work[:TAB_WORK_ITEMS] + [i for i in items if i.endpoint == "home.inbox"][:1]


_NAV_HTML: dict[tuple, Markup] = {}


def _shell_key(ctx) -> tuple:
    """What the navigation depends on: tenant, plugins, permissions, language, page."""
    perms = frozenset(p for grant in ctx.grants for p in grant.permissions)
    return (ctx.active, ctx.plugins_rev, ctx.kind, ctx.enabled, perms, current_lang(), request.endpoint,
            getattr(g, "tenant_slug", None), request.script_root)


def _kept(key: tuple, render) -> Markup:
    html = _NAV_HTML.get(key)
    if html is None:
        html = Markup(render())
        if len(_NAV_HTML) > 20_000:
            _NAV_HTML.clear()
        _NAV_HTML[key] = html
    return html


def nav_html() -> Markup:
    """The rendered navigation groups, kept per (tenant, plugins, permissions, language, page):
    the same few variants are served again and again, and rendering them was a fifth of a page."""
    ctx = current_or_none()
    if ctx is None or ctx.hooks is None:
        return Markup("")
    from flask import render_template
    return _kept(("nav", *_shell_key(ctx)), lambda: render_template("_nav.html", groups=nav()))


def sidebar_html() -> Markup:
    """The whole sidebar (the navigation, the tenant switcher, the phone's bottom bar), kept like
    :func:`nav_html` with the two things it adds: whether the switcher is offered and the unread
    badge. It was half of what the layout costs to render."""
    ctx = current_or_none()
    if ctx is None:
        return Markup("")
    from flask import render_template
    key = ("sidebar", *_shell_key(ctx), g.get("tenants_n", 0) > 1, _unread_count(),
           g.tenant.slug if g.get("tenant") is not None else "")
    return _kept(key, lambda: render_template("_sidebar.html"))


_STATIC: dict[tuple[str, str], str] = {}


def static_url(filename: str) -> str:
    """``url_for('static', …)``, remembered: static addresses never change while the app runs."""
    key = (filename, request.script_root)
    url = _STATIC.get(key)
    if url is None:
        from flask import url_for
        url = _STATIC[key] = url_for("static", filename=filename)
    return url


def widgets() -> list:
    ctx = current_or_none()
    if ctx is None or ctx.hooks is None:
        return []
    return sorted(_cached("dashboard_widgets", ctx), key=lambda w: w.order)


_URLS: dict[tuple[str, str | None], str] = {}


def tenant_url(endpoint: str) -> str:
    """``url_for(endpoint)`` for nav items and widgets, remembered per tenant: their URLs depend on
    nothing else, and building them was most of what plugins added to a page."""
    key = (endpoint, getattr(g, "tenant_slug", None))
    url = _URLS.get(key)
    if url is None:
        from flask import url_for
        url = url_for(endpoint)
        if len(_URLS) > 50_000:
            _URLS.clear()
        _URLS[key] = url
    return url


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "****"


def mask_name(value: str | None) -> str:
    """A name in a list: its first character, the rest starred (王甲07 → 王***)."""
    if not value:
        return ""
    return value[:1] + "*" * max(len(value) - 1, 1)


def mask_id(value: str | None) -> str:
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) >= 10 else "****"


def messages(value) -> list[str]:
    """Validation messages as a flat list of strings, whatever shape marshmallow gave them."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [m for v in value.values() for m in messages(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in messages(v)]
    return [str(value)]


#: CLDR patterns used in templates, as strftime: Babel's formatter is general and slow, and lists
#: format a date or two per row.
_PATTERNS = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "MM-dd HH:mm": "%m-%d %H:%M", "yyyy-MM-dd HH:mm:ss": "%Y-%m-%d %H:%M:%S",
             "yyyy-MM-dd'T'HH:mm": "%Y-%m-%dT%H:%M", "yyyy-MM-dd": "%Y-%m-%d"}


def local_dt(value, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored UTC time as Beijing time."""
    value = clock.aware(value)
    if not value:
        return ""
    pattern = _PATTERNS.get(fmt)
    return value.astimezone(clock.SHANGHAI).strftime(pattern) if pattern else format_datetime(value, fmt)


def init_ui(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s), ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n), newstyle=True)
    app.jinja_env.globals["gettext"] = _template_gettext
    from ..auth.sessions import csrf_token
    from ..auth.permissions import ROLE_LABELS
    from .render import is_fragment_request
    from .slots import slot
    from .tables import columns
    from ..audit.labels import label as audit_label
    app.jinja_env.globals.update(
        slot=slot, columns=columns, audit_label=audit_label, is_fragment_request=is_fragment_request, csrf_token=csrf_token, tenant_url=tenant_url, nav=nav, nav_html=nav_html, sidebar_html=sidebar_html, tab_items=tab_items, static_url=static_url, widgets=widgets, ctx=current_or_none, current_lang=current_lang,
        ROLE_LABELS=ROLE_LABELS, htmx_version="2.0.11",
    )
    app.jinja_env.filters.update(mask_phone=mask_phone, mask_id=mask_id, mask_name=mask_name, local_dt=local_dt, messages=messages)
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def _shell():
        return {"unread_count": _unread_count, "memberships": _memberships}


def _unread_count() -> int:
    from sqlalchemy import func, select

    from ..db import db
    from .models import Notification
    ctx = current_or_none()
    if ctx is None or ctx.user_id is None:
        return 0
    from ..tenancy.admission import confirm
    confirm()  # the count comes with the sign-in's answer
    if "unread_n" in g:
        return g.unread_n  # counted with the grants when the tenant was entered
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == ctx.user_id, Notification.read_at.is_(None))) or 0


def _memberships():
    from sqlalchemy import select

    from ..auth.models import Membership
    from ..db import db
    from ..tenancy.models import Tenant
    user = getattr(g, "user", None)
    if user is None:
        return []
    return db.session.execute(select(Tenant.slug, Tenant.name, Tenant.kind).join(
        Membership, Membership.tenant_id == Tenant.id).where(Membership.user_id == user.id, Tenant.status == "active")
        .order_by(Tenant.id)).all()

