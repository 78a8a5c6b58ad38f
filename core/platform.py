"""Platform administration: districts and streets (tenants), created, renamed and suspended."""
from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, Flask, abort, render_template, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from marshmallow import Schema, ValidationError, validate
from sqlalchemy import select

from .audit.service import record_platform
from .auth.permissions import audience
from .db import db
from .fields import REQUIRED, Text
from .tenancy.models import Tenant
from .tenancy.services import create_tenant
from .ui.render import flash, form_data, see_other

bp = Blueprint("platform", __name__, url_prefix="/platform")


class TenantIn(Schema):
    slug = Text(required=True, error_messages=REQUIRED)
    name = Text(required=True, error_messages=REQUIRED, validate=[validate.Length(min=1, error=_l("必填项")),
                                                                  validate.Length(max=100, error=_l("名称过长"))])
    kind = Text(required=True, error_messages=REQUIRED)
    parent = Text(load_default=None, allow_none=True)


def _page(**extra):
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.parent_id.is_not(None), Tenant.id)).all()
    return {"tenants": tenants, "errors": {}, "form": {}, **extra}


@bp.get("/tenants")
@audience("platform")
def tenants():
    """All districts and streets with their status."""
    return render_template("platform/tenants.html", **_page())


@bp.post("/tenants")
@audience("platform")
def create():
    try:
        data = TenantIn().load({k: v for k, v in form_data().items() if v != "" or k != "parent"})
        tenant = create_tenant(db.session, data["slug"].strip(), data["name"].strip(), data["kind"], data.get("parent"))
    except ValidationError as err:
        db.session.rollback()
        return render_template("platform/tenants.html", **_page(errors=err.messages, form=request.form)), \
            HTTPStatus.UNPROCESSABLE_ENTITY
    record_platform("tenant.create", tenant.id, slug=tenant.slug)
    flash(gettext("已开通“%(name)s”", name=tenant.name))
    db.session.commit()
    return see_other(url_for("platform.tenants"))


@bp.post("/tenants/<int:tenant_id>")
@audience("platform")
def update(tenant_id: int):
    """Rename, suspend or reactivate a tenant."""
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    name = request.form.get("name", "").strip()
    status = request.form.get("status")
    if name:
        try:
            tenant.name = TenantIn(only=("name",)).load({"name": name})["name"]
        except ValidationError as err:
            return render_template("platform/tenants.html", **_page(errors=err.messages)), \
                HTTPStatus.UNPROCESSABLE_ENTITY
    if status in ("active", "suspended"):
        tenant.status = status
    record_platform("tenant.update", tenant.id, name=bool(name), status=status)
    flash(gettext("已更新“%(name)s”", name=tenant.name))
    db.session.commit()
    return see_other(url_for("platform.tenants"))


def init_platform(app: Flask) -> None:
    app.register_blueprint(bp)
