"""Alembic environment for core and every plugin branch (``-x branch=<name>``)."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import core.models  # noqa: F401  (fills the metadata)
from core.db import db

try:  # a plugin's models, for autogenerate of its branch
    from core.plugins.manager import registry as _registry
    import importlib
    for _loaded in _registry().plugins.values():
        try:
            importlib.import_module(_loaded.module.__name__.rpartition(".")[0] + ".models")
        except ModuleNotFoundError:
            pass
except Exception:  # noqa: BLE001 - migrations of core never depend on plugins loading
    pass

config = context.config
branch = context.get_x_argument(as_dictionary=True).get("branch", "core")
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
version_table = "alembic_version" if branch == "core" else f"alembic_version__{branch}"


def include_object(obj, name, type_, reflected, compare_to):
    if type_ != "table":
        return True
    is_plugin_table = "__" in name
    return (branch == "core" and not is_plugin_table) or (branch != "core" and name.startswith(f"{branch}__"))


def run() -> None:
    connection = config.attributes.get("connection")
    engine = None
    if connection is None:
        engine = create_engine(url, poolclass=pool.NullPool)
        connection = engine.connect()
    try:
        context.configure(connection=connection, target_metadata=db.metadata, version_table=version_table,
                          include_object=include_object, render_as_batch=connection.dialect.name == "sqlite",
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        if connection.in_transaction():
            connection.commit()
    finally:
        if engine is not None:
            connection.close()
            engine.dispose()


run()
