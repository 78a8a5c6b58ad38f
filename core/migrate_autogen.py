"""What ``jiceng db revision --autogenerate`` writes, so the script runs as written and cannot skip RLS.

- a branch sees only its own tables (core: names without ``__``; a plugin: its prefix), so a
  plugin's revision never drops or recreates core's or another plugin's tables;
- a tenant table is created with ``create_tenant_table`` (forced row-level security, policies,
  grants and the ``(tenant_id, id)`` primary key Citus needs on PostgreSQL) and dropped with
  ``drop_tenant_table``, with the import the script needs; one it cannot express is created as
  written, followed by ``enable_rls``, ``tenant_primary_key`` and ``drop_duplicate_unique``;
- types of the application's own (``UTCDateTime``) are written as the SQLAlchemy type they store,
  so old scripts do not break when application code moves;
- scripts are rendered in batch mode, so they also run on SQLite.
"""
from __future__ import annotations

import re

from alembic.autogenerate import renderers
# Alembic has no public way to render one column or constraint; these are what its own
# create_table renderer uses (the tests generate and run a script, so a change shows up there).
from alembic.autogenerate.render import _render_column, _render_constraint
from alembic.operations import ops
from sqlalchemy import Column, ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.types import TypeDecorator


def import_models(plugins) -> None:
    """Each plugin's ``models`` module, so the metadata holds its tables even if no view imported them."""
    import importlib
    for loaded in plugins.plugins.values():
        try:
            importlib.import_module(loaded.module.__name__.rpartition(".")[0] + ".models")
        except ModuleNotFoundError as err:
            if not (err.name or "").endswith(".models"):
                raise


def belongs(name: str, branch: str, prefix: str | None = None) -> bool:
    """Whether a table is kept by this branch's migrations (version tables by none)."""
    if name.startswith("alembic_version"):
        return False
    if branch == "core":
        return "__" not in name
    return name.startswith(prefix or f"{branch}__")


def next_revision_id(script, branch: str) -> str:
    """``<branch>_0001`` for a plugin's first script, then one more than the branch head (core: ``c0008``)."""
    stem = "c" if branch == "core" else f"{branch}_"
    known = {r.revision for r in script.walk_revisions()}
    head = script.get_current_head()
    match = re.fullmatch(re.escape(stem) + r"(\d+)", head or "")
    number = int(match.group(1)) + 1 if match else len(known) + 1
    while f"{stem}{number:04d}" in known:
        number += 1
    return f"{stem}{number:04d}"


class CreateTenantTableOp(ops.MigrateOperation):
    """``create_tenant_table(name, *columns, tenant_fks=…, indexes=…, uniques=…)``."""

    def __init__(self, table_name, items, metadata, tenant_fks=(), indexes=(), uniques=()):
        self.table_name, self.items, self.metadata = table_name, items, metadata
        self.tenant_fks, self.indexes, self.uniques = tuple(tenant_fks), tuple(indexes), tuple(uniques)

    def reverse(self):
        return DropTenantTableOp(self.table_name)


class DropTenantTableOp(ops.MigrateOperation):
    def __init__(self, table_name):
        self.table_name = table_name


class EnableRlsOp(ops.MigrateOperation):
    """For a tenant table whose shape ``create_tenant_table`` cannot express: RLS right after it."""

    def __init__(self, table_name):
        self.table_name = table_name


class TenantPrimaryKeyOp(ops.MigrateOperation):
    """With ``EnableRlsOp``: the primary key ``(tenant_id, id)`` Citus needs (PostgreSQL only)."""

    def __init__(self, table_name):
        self.table_name = table_name


class DropDuplicateUniqueOp(ops.MigrateOperation):
    """After ``TenantPrimaryKeyOp``: ``UNIQUE(tenant_id, id)`` dropped where it repeats the key (PostgreSQL)."""

    def __init__(self, table_name):
        self.table_name = table_name


def duplicates_primary_key(obj, type_: str, dialect: str) -> bool:
    """``UNIQUE(tenant_id, id)`` on PostgreSQL: the models declare it for SQLite, where the key is
    ``id`` alone; on PostgreSQL the key is ``(tenant_id, id)`` and the database does not repeat it,
    so comparing models and database leaves it out (``include_object``)."""
    return (dialect == "postgresql" and type_ == "unique_constraint"
            and sorted(c.name for c in obj.columns) == ["id", "tenant_id"])


@renderers.dispatch_for(CreateTenantTableOp)
def _render_create(autogen_context, op: CreateTenantTableOp) -> str:
    args = [_render_column(c, autogen_context) for c in op.items if isinstance(c, Column)]
    args += sorted(r for r in (_render_constraint(c, autogen_context, op.metadata)
                               for c in op.items if not isinstance(c, Column)) if r)
    for key in ("tenant_fks", "indexes", "uniques"):
        if getattr(op, key):
            args.append(f"{key}={getattr(op, key)!r}")
    return "create_tenant_table(%r,\n%s\n)" % (str(op.table_name), ",\n".join(args))


@renderers.dispatch_for(DropTenantTableOp)
def _render_drop(autogen_context, op: DropTenantTableOp) -> str:
    return f"drop_tenant_table({str(op.table_name)!r})"


@renderers.dispatch_for(EnableRlsOp)
def _render_enable_rls(autogen_context, op: EnableRlsOp) -> str:
    return f"enable_rls({str(op.table_name)!r})"


def render_item(type_, obj, autogen_context):
    """Write an application ``TypeDecorator`` as the plain SQLAlchemy type it stores."""
    if type_ != "type" or type(obj).__module__.startswith("sqlalchemy."):
        return False
    if isinstance(obj, TypeDecorator) and type(obj.impl_instance).__module__.startswith("sqlalchemy.sql"):
        return f"{autogen_context.opts['sqlalchemy_module_prefix']}{obj.impl_instance!r}"
    autogen_context.imports.add(f"import {type(obj).__module__}")
    return False


@renderers.dispatch_for(TenantPrimaryKeyOp)
def _render_tenant_primary_key(autogen_context, op: TenantPrimaryKeyOp) -> str:
    return f"tenant_primary_key({str(op.table_name)!r})"


@renderers.dispatch_for(DropDuplicateUniqueOp)
def _render_drop_duplicate_unique(autogen_context, op: DropDuplicateUniqueOp) -> str:
    return f"drop_duplicate_unique({str(op.table_name)!r})"


HELPERS = {CreateTenantTableOp: "create_tenant_table", DropTenantTableOp: "drop_tenant_table",
           EnableRlsOp: "enable_rls", TenantPrimaryKeyOp: "tenant_primary_key",
           DropDuplicateUniqueOp: "drop_duplicate_unique"}


# --- rewriting what autogenerate found ---------------------------------------------------------

def _plain(name) -> str:
    return str(name) if name is not None else ""


def _columns(items) -> list:
    return [c.name if isinstance(c, Column) else c for c in items]


def _is_tenant(table_name: str, items, tenancy: dict) -> bool:
    if table_name in tenancy:
        return tenancy[table_name] == "tenant"
    names = {c.name for c in items if isinstance(c, Column)}  # a table only the database still has
    return {"id", "tenant_id"} <= names


def _split(op: ops.CreateTableOp):
    """The parts ``create_tenant_table`` writes itself, and what must still be passed to it; None if it cannot."""
    name = _plain(op.table_name)
    cols = {c.name: c for c in op.columns if isinstance(c, Column)}
    if "id" not in cols or "tenant_id" not in cols or cols["tenant_id"].nullable:
        return None
    items, tenant_fks, uniques = [c for n, c in cols.items() if n not in {"id", "tenant_id"}], [], []
    for cons in (c for c in op.columns if not isinstance(c, Column)):
        keys = (cons.column_keys if isinstance(cons, ForeignKeyConstraint)
                else [c.name for c in getattr(cons, "columns", ())])
        if isinstance(cons, PrimaryKeyConstraint):
            if keys != ["id"]:
                return None
        elif isinstance(cons, UniqueConstraint) and keys[:1] == ["tenant_id"] and not cons.deferrable \
                and _plain(cons.name) in ("", f"uq_{name}_{'_'.join(keys)}"):
            if keys != ["tenant_id", "id"]:
                uniques.append(tuple(keys[1:]))
        elif isinstance(cons, ForeignKeyConstraint) and keys[:1] == ["tenant_id"]:
            targets = [e.target_fullname.rpartition(".") for e in cons.elements]
            table = targets[0][0]
            plain = not (cons.ondelete or cons.onupdate or cons.deferrable or cons.initially or cons.use_alter)
            if keys == ["tenant_id"] and table == "tenant" and plain:
                continue
            if (len(keys) == 2 and [t[2] for t in targets] == ["tenant_id", "id"] and plain
                    and all(t[0] == table for t in targets)
                    and _plain(cons.name) in ("", f"fk_{name}_tenant_id_{keys[1]}_{table}")):
                tenant_fks.append((keys[1], table))
            else:
                items.append(cons)
        else:
            items.append(cons)
    return items, tenant_fks, uniques


def _absorbable(index_op, table: str) -> tuple | None:
    if not isinstance(index_op, ops.CreateIndexOp) or index_op.unique or index_op.kw:
        return None
    cols = _columns(index_op.columns)
    if not all(isinstance(c, str) for c in cols) or cols[:1] != ["tenant_id"]:
        return None
    return tuple(cols[1:]) if _plain(index_op.index_name) == f"ix_{table}_{'_'.join(cols)}" else None


def _rewrite(container, tenancy: dict) -> None:
    created, dropped, out = {}, set(), []
    for op in container.ops:
        if isinstance(op, ops.CreateTableOp) and _is_tenant(_plain(op.table_name), op.columns, tenancy):
            parts = _split(op)
            if parts is None:
                out += [op, EnableRlsOp(op.table_name), TenantPrimaryKeyOp(op.table_name),
                        DropDuplicateUniqueOp(op.table_name)]
                continue
            items, tenant_fks, uniques = parts
            new = CreateTenantTableOp(op.table_name, items, op._namespace_metadata, tenant_fks, (), uniques)
            created[_plain(op.table_name)] = new
            out.append(new)
        elif isinstance(op, ops.DropTableOp) and _is_tenant(_plain(op.table_name), _dropped_columns(op), tenancy):
            dropped.add(_plain(op.table_name))
            out.append(DropTenantTableOp(op.table_name))
        else:
            out.append(op)
    for op in out:  # indexes of a new tenant table go into its call; a dropped one takes its indexes along
        if isinstance(op, ops.ModifyTableOps) and _plain(op.table_name) in created:
            new, keep = created[_plain(op.table_name)], []
            for sub in op.ops:
                cols = _absorbable(sub, _plain(op.table_name))
                if cols is None:
                    keep.append(sub)
                else:
                    new.indexes += (cols,)
            op.ops = keep
        elif isinstance(op, ops.ModifyTableOps) and _plain(op.table_name) in dropped:
            op.ops = [sub for sub in op.ops if not isinstance(sub, ops.DropIndexOp)]
    container.ops = [op for op in out if not (isinstance(op, ops.ModifyTableOps) and op.is_empty())]


def _dropped_columns(op: ops.DropTableOp) -> list:
    reverse = getattr(op, "_reverse", None)
    return list(reverse.columns) if reverse is not None else []


def process_revision_directives(context, revision, directives) -> None:
    """Tenant tables through the RLS helpers; nothing written when the models match the database."""
    from .db import db
    script = directives[0]
    if script.upgrade_ops.is_empty():
        directives[:] = []
        return
    tenancy = {m.local_table.name: getattr(m.class_, "__tenancy__", None) for m in db.Model.registry.mappers}
    used = set()
    for container in (*script.upgrade_ops_list, *script.downgrade_ops_list):
        _rewrite(container, tenancy)
        used |= {HELPERS[type(op)] for op in container.ops if type(op) in HELPERS}
    if used:
        # a new set: Alembic's default one is shared by every script made in this process
        script.imports = {*script.imports, f"from core.migrate_ops import {', '.join(sorted(used))}"}
