"""The public API for plugins: import this module, and nothing else from core.

    from core import api
    from core.api import db, hookimpl, requires, NavItem

Everything a plugin needs is named here; the rest of core may change between releases, this
module keeps its names (``API_VERSION`` says which set). A test fails when a plugin, first-party or
example, imports any other core module. The reference with examples is ``core/plugins/HOOKS.md``.

Services take the tenant from the context (``current()``), never from ``flask.g``, so the same
service runs in a request, in a job (``tenant_scope``) and in a test.
"""
from __future__ import annotations

from . import clock
from .audit import service as audit
from .auth import throttle as _throttle
from .auth.apikeys import api_key_required, presented_key_grants
from .auth.permissions import Permission, audience, requires, step_up
from .auth.services import users_holding
from .auth.sessions import client_ip
from .calendar import Deadline, WorkCalendar
from .cases.services import attach as attach_case, number_of as case_number, path as case_path
from .db import (BigId, TenantScoped, db, get_or_404, lock_for_update, tenant_fk, tenant_table_args,
                 utc_default)
from .events import Event, emit
from .events.jobs import JobSpec, checkpoint
from .migrate_ops import (add_duplicate_unique, create_tenant_table, drop_duplicate_unique, drop_tenant_table,
                         id_primary_key, tenant_primary_key)
from .org import sheets
from .paging import KeysetPage, keyset_page
from .org.models import OrgUnit, PartyOrg, Person, ResidentUnit
from .org.naming import label_beside_parent, label_key, natural_key, unit_label, unit_labels
from . import fields, params
from .auth.models import UserAccount as Account
from .fields import AwareDateTime, Date, Id, Integer, Stripped, Text, text
from .params import arg, as_id, parse_date, parse_id, parse_moment
from .org.services import ancestors, create_unit, move_unit, path_filter, serves, units_serving, units_within
from .plugins.hookspecs import hookimpl, hookspec
from .plugins.manager import NavItem, SearchHit, Tab, Widget
from .plugins.manifest import PiiField, PluginManifest
from .plugins.settings import current_settings as settings, current_settings_explained as settings_explained
from .tenancy.context import NoTenantContext, TenantContext, current, current_or_none
from .tenancy.resolve import district_rollup, writes_on_get
from .tenancy.scopes import tenant_scope
from .tenancy.services import acting_in, tenant_slug
from .ui import current_lang, local_dt, mask_id, mask_phone, tenant_url
from .ui.fragments import cached_fragment
from .ui.notify import notify, path_for
from .ui.render import (Refused, Stale, flash, form_action, form_data, invalid_form, is_fragment_request,
                        render_page_or_fragment, see_other)
from .web import example_args, register_model_converters

API_VERSION = 2

__all__ = [
    # the request's tenant and what the user may do
    "current", "current_or_none", "has", "can", "TenantContext", "NoTenantContext", "tenant_scope", "acting_in",
    "tenant_slug", "requires", "audience", "step_up", "api_key_required", "presented_key_grants", "district_rollup", "writes_on_get",
    "cached_rollup",
    "client_ip", "users_holding", "Account", "tenant_by_slug", "streets_of", "all_tenants",
    # data
    "db", "TenantScoped", "BigId", "tenant_fk", "tenant_table_args", "utc_default", "get_or_404", "lock_for_update",
    "create_tenant_table", "drop_tenant_table", "tenant_primary_key", "id_primary_key",
    "drop_duplicate_unique", "add_duplicate_unique", "register_model_converters", "example_args",
    # the organization and people (read them; core's own pages change them)
    "OrgUnit", "Person", "PartyOrg", "ResidentUnit", "org_unit", "person", "ancestors", "path_filter",
    "units_within", "units_serving", "serves", "create_unit", "move_unit", "mask_phone", "mask_id", "unit_label",
    "unit_labels", "natural_key", "label_beside_parent", "label_key",
    # plugin contract
    "hookimpl", "hookspec", "PluginManifest", "PiiField", "Permission", "NavItem", "Widget", "Tab", "SearchHit",
    "JobSpec", "checkpoint", "Event", "emit", "settings", "settings_explained",
    # work that reaches people, and the record of it
    "notify", "path_for", "audit", "rate_limit", "attach_case", "case_number", "case_path",
    # pages and forms
    "render_page_or_fragment", "invalid_form", "form_action", "form_data", "is_fragment_request", "see_other", "flash",
    "Refused", "Stale", "sheets", "cached_fragment", "current_lang", "local_dt", "tenant_url", "keyset_page", "KeysetPage",
    # input: field types that refuse control characters and out-of-range values; query strings
    "fields", "Text", "Stripped", "text", "Integer", "Id", "Date", "AwareDateTime",
    "params", "arg", "as_id", "parse_id", "parse_date", "parse_moment",
    # time
    "clock", "WorkCalendar", "Deadline", "work_calendar",
    "API_VERSION",
]


def has(permission: str) -> bool:
    """Whether the user holds ``permission`` anywhere in this tenant: for showing a menu, never
    for deciding about a record (use :func:`can` with the record's unit)."""
    ctx = current_or_none()
    return bool(ctx) and ctx.has(permission)


def can(permission: str, unit: OrgUnit | str) -> bool:
    """Whether the user may do ``permission`` to a record of ``unit`` (an ``OrgUnit`` or its path):
    a grant on that unit or above it. Ask this about the row's own unit, every time."""
    ctx = current_or_none()
    path = unit if isinstance(unit, str) else unit.path
    return bool(ctx) and ctx.can(permission, path)


def tenant_by_slug(slug: str):
    """A tenant's registry row (id, slug, name, kind, parent_id) by its slug, for CLI commands."""
    from sqlalchemy import select

    from .tenancy.models import Tenant
    return db.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()


def streets_of(district_id: int) -> list:
    """The active streets of a district, in the order they were made (id, slug, name)."""
    from sqlalchemy import select

    from .tenancy.models import Tenant
    return list(db.session.execute(select(Tenant.id, Tenant.slug, Tenant.name).where(
        Tenant.parent_id == district_id, Tenant.status == "active").order_by(Tenant.id)))


def all_tenants() -> list:
    """Every active tenant (id, slug, name, kind), in the order they were made: for CLI commands
    that check or report on each tenant in turn (each then runs in its own ``tenant_scope``)."""
    from sqlalchemy import select

    from .tenancy.models import Tenant
    return list(db.session.execute(select(Tenant.id, Tenant.slug, Tenant.name, Tenant.kind).where(
        Tenant.status == "active").order_by(Tenant.id)))


def org_unit(unit_id: int | None) -> OrgUnit | None:
    """A unit of the current tenant's tree (None when absent or another tenant's)."""
    return db.session.get(OrgUnit, unit_id) if unit_id is not None else None


def person(person_id: int | None) -> Person | None:
    """A person of the current tenant (None when absent or another tenant's)."""
    return db.session.get(Person, person_id) if person_id is not None else None


def rate_limit(key: str, limit: int, minutes: int) -> bool:
    """Count one use of ``key`` in this tenant; True while within ``limit`` per ``minutes``.

    Atomic (one upsert), shared by all workers: parallel requests get clean answers, never errors.
    """
    return _throttle.rate_limit(key, limit, minutes)


def cached_rollup(name: str, compute, *parts, seconds: int | None = None):
    """The figures of a ``district_rollup`` view, ``compute()``, shared by every worker and host for
    ``seconds`` (default ``ROLLUP_CACHE_SECONDS``) when Redis is configured; without it (or when it
    does not answer) computed every time. The key carries the district, the streets it reads, the
    language and ``parts`` (say the period's dates as strings), so no district reads another's.

    JSON values only, and what comes back has been through JSON either way: tuples come back as
    lists, dict keys as strings; turn dates into strings and rows into plain numbers and names in
    ``compute``. Cache the figures, never the audit row: write that on every request.

        figures = api.cached_rollup("grid.rollup", lambda: count(start, end), start.isoformat(), end.isoformat())
    """
    from .shared_redis import cached_rollup as cached
    return cached(name, parts, compute, seconds)


def work_calendar(tenant_id: int | None = None) -> WorkCalendar:
    """The working-day calendar of a tenant (holidays, 调休, the district's and its own changes)."""
    from .tenancy.models import Tenant
    return WorkCalendar.for_tenant(db.session.get(Tenant, tenant_id if tenant_id is not None else current().active))
