"""Alembic environment for core and every plugin branch (``-x branch=<name>``)."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import core.models  # noqa: F401  (fills the metadata)
from core.db import db
from core.migrate_autogen import (belongs, duplicates_primary_key, import_models, process_revision_directives,
                                  render_item)

config = context.config


def _import_plugin_models() -> None:
    """The plugins' models, for autogenerate of their branches."""
    plugins = config.attributes.get("plugins")
    if plugins is not None:  # writing a revision: models that fail to import must not read as dropped tables
        import_models(plugins)
        return
    try:
        from core.plugins.manager import registry
        import_models(registry())
    except Exception:  # noqa: BLE001 - upgrades never depend on plugins' models loading
        pass


_import_plugin_models()
branch = context.get_x_argument(as_dictionary=True).get("branch", "core")
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
version_table = "alembic_version" if branch == "core" else f"alembic_version__{branch}"
prefix = config.attributes.get("table_prefix")


def include_name(name, type_, parent_names):
    return type_ != "table" or belongs(name, branch, prefix)


def include_object(obj, name, type_, reflected, compare_to):
    if duplicates_primary_key(obj, type_, context.get_context().dialect.name):
        return False
    return type_ != "table" or belongs(name, branch, prefix)


def run() -> None:
    connection = config.attributes.get("connection")
    engine = None
    if connection is None:
        engine = create_engine(url, poolclass=pool.NullPool)
        connection = engine.connect()
    try:
        # scripts are rendered in batch mode whatever the database, so they run on SQLite too
        context.configure(connection=connection, target_metadata=db.metadata, version_table=version_table,
                          include_name=include_name, include_object=include_object, render_as_batch=True,
                          compare_type=True, render_item=render_item,
                          process_revision_directives=process_revision_directives)
        with context.begin_transaction():
            context.run_migrations()
        if connection.in_transaction():
            connection.commit()
    finally:
        if engine is not None:
            connection.close()
            engine.dispose()


run()
