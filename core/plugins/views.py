"""模块管理: tenant admins switch modules on and off, and edit their settings; operators see what is installed."""
from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from ..auth.permissions import audience, requires, step_up
from ..db import db
from ..tenancy.context import current
from ..ui.render import flash, form_data, see_other
from ..web import example_args
from . import admin, settings as plugin_settings, streets
from .manager import registry
from .state import degraded_for

bp = Blueprint("modules", __name__, url_prefix="/t/<tenant>/admin/modules")
platform_bp = Blueprint("platform_plugins", __name__, url_prefix="/platform")


def _cards(errors: dict | None = None, forms: dict | None = None, refused: dict | None = None,
           saved: str | None = None, streets_open: str | None = None):
    tenant = g.tenant
    on = admin.enabled_now(tenant)
    paused = degraded_for(tenant.id, tenant.plugins_rev)
    by_street = streets.states(tenant, registry().plugins) if tenant.kind == "district" else {}
    cards = []
    for name, loaded in registry().plugins.items():
        m = loaded.manifest
        schema = plugin_settings.schema_for(m)
        values, source = plugin_settings.effective(tenant, m)
        lock = admin.lock_of(tenant, name)
        cards.append({"name": name, "manifest": m, "enabled": name in on, "current": values, "source": source,
                      "fields": plugin_settings.form_fields(schema) if schema else [],
                      "depends": m.depends, "needed_by": [n for n in on if name in registry().plugins[n].manifest.depends],
                      "lock": lock, "errors": (errors or {}).get(name, {}), "form": (forms or {}).get(name),
                      "refused": (refused or {}).get(name), "saved": saved == name, "paused": paused.get(name),
                      "streets": by_street.get(name, []), "streets_open": streets_open == name})
    return {"cards": cards, "is_district": tenant.kind == "district"}


def _card_response(name: str, status=HTTPStatus.OK, **kw):
    """The module's card for htmx, with the sidebar (swapped out of band, as #main's hx-select-oob
    asks), drawn for the modules now on, so the nav follows the switch without a reload."""
    _reenter()
    context = _cards(**kw)
    card = next(c for c in context["cards"] if c["name"] == name)
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return (render_template("modules/_card.html", card=card, is_district=context["is_district"])
                + render_template("_sidebar.html")), status
    return render_template("modules/index.html", **context), status


def _reenter() -> None:
    """Enter the tenant again after a switch: this request's context still holds the old modules
    (and the grants from before the module's roles were seeded)."""
    from ..tenancy.context import reset_context
    from ..tenancy.resolve import enter_tenant, load_member_tenant
    g.tenant, member_id = load_member_tenant(g.tenant.slug, g.user.id)
    reset_context(g.pop("ctx_token"))
    if enter_tenant(g.tenant, g.user, member_id) is None:
        abort(404)


def _title(name: str) -> str:
    return str(registry().plugins[name].manifest.title)


def _known(name: str) -> None:
    if name not in registry().plugins:
        abort(404)


@bp.get("/")
@requires("core.plugins.manage")
def index():
    """A card per installed module: what it does, on or off, its settings and dependencies."""
    return render_template("modules/index.html", **_cards())


@bp.post("/<name>/enable")
@requires("core.plugins.manage")
def enable(name: str):
    _known(name)
    try:
        if request.form.get("with_dependencies"):
            for dep in registry().plugins[name].manifest.depends:
                if dep not in admin.enabled_now(g.tenant):
                    admin.enable(current().active, dep)
        admin.enable(current().active, name)
    except admin.PluginRefused as err:
        db.session.rollback()
        return _card_response(name, HTTPStatus.CONFLICT, refused={name: str(err)})
    flash(_("已启用“%(title)s”", title=_title(name)))
    db.session.commit()
    return _card_response(name)


@bp.post("/<name>/disable")
@requires("core.plugins.manage")
def disable(name: str):
    _known(name)
    try:
        admin.disable(current().active, name)
    except admin.PluginRefused as err:
        db.session.rollback()
        return _card_response(name, HTTPStatus.CONFLICT, refused={name: str(err)})
    flash(_("已停用“%(title)s”，数据已保留", title=_title(name)))
    db.session.commit()
    return _card_response(name)


@bp.post("/<name>/settings")
@requires("core.plugins.manage")
def save_settings(name: str):
    _known(name)
    try:
        admin.save_settings(current().active, name, form_data())
    except ValidationError as err:
        db.session.rollback()
        return _card_response(name, HTTPStatus.UNPROCESSABLE_ENTITY, errors={name: err.messages},
                              forms={name: request.form})
    flash(_("已保存“%(title)s”的设置", title=_title(name)))
    db.session.commit()
    return _card_response(name, saved=name)


@bp.post("/<name>/streets")
@requires("core.plugins.manage")
@step_up
def for_streets(name: str):
    """District only: switch a module on or off for every street, optionally locked."""
    _known(name)
    if g.tenant.kind != "district":
        abort(404)
    on = request.form.get("enabled") == "1"
    return _district_switch(name, lambda: admin.set_for_streets(
        current().active, name, on, lock=bool(request.form.get("lock"))),
        _("已为全部街道启用“%(title)s”", title=_title(name)) if on else
        _("已为全部街道停用“%(title)s”", title=_title(name)))


@bp.post("/<name>/streets/<street>")
@requires("core.plugins.manage")
@step_up
@example_args(street="street")
def for_street(name: str, street: str):
    """District only: switch a module on or off for one of its streets; the street sees it on its next request."""
    _known(name)
    if g.tenant.kind != "district":
        abort(404)
    target = streets.street_of(g.tenant.id, street)
    if target is None:
        abort(404)
    on = request.form.get("enabled") == "1"
    return _district_switch(name, lambda: streets.set_for_street(g.tenant.id, target, name, on),
                            _("已为%(street)s启用“%(title)s”", street=target.name, title=_title(name)) if on else
                            _("已为%(street)s停用“%(title)s”", street=target.name, title=_title(name)),
                            refused_open=True)


def _district_switch(name: str, change, done: str, refused_open: bool = False):
    """Make a district's switch for its streets: a refusal answers 409 on the card, a change commits
    and answers the card (htmx, its streets table open) or the page."""
    try:
        change()
    except admin.PluginRefused as err:
        db.session.rollback()
        return _card_response(name, HTTPStatus.CONFLICT, refused={name: str(err)},
                              **({"streets_open": name} if refused_open else {}))
    flash(done)
    db.session.commit()
    if request.headers.get("HX-Request"):
        return _card_response(name, streets_open=name)
    return see_other(url_for("modules.index"))


@bp.post("/<name>/purge")
@requires("core.plugins.manage")
@step_up
def purge(name: str):
    """Delete a disabled module's data for this tenant, after typing the tenant's identifier."""
    _known(name)
    if request.form.get("confirm") != g.tenant.slug:
        return _card_response(name, HTTPStatus.UNPROCESSABLE_ENTITY,
                              refused={name: _("请输入本单位标识 %(s)s 确认清除", s=g.tenant.slug)})
    try:
        admin.purge(current().active, name)
    except admin.PluginRefused as err:
        db.session.rollback()
        return _card_response(name, HTTPStatus.CONFLICT, refused={name: str(err)})
    flash(_("已清除“%(title)s”在本单位的数据", title=_title(name)))
    db.session.commit()
    return _card_response(name)


@platform_bp.get("/plugins")
@audience("platform")
def installed():
    """Installed plugins with versions, those skipped with the reason, and each one's errors and
    pauses per tenant, read from the table every worker writes to."""
    from .health import overview
    reg = registry()
    return render_template("modules/installed.html", plugins=reg.plugins, failed=reg.failed, health=overview())
