"""What a plugin says about itself, checked before it is registered."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

API_VERSION = 1


@dataclass(frozen=True)
class PiiField:
    column: str  # "<table>.<column>"
    purpose: str
    basis: str  # consent | contract | legal_obligation | public_interest
    retention_days: int | None = None


@dataclass(frozen=True)
class PluginManifest:
    """Static facts about a plugin; importing ``plugin.py`` must do nothing else."""

    #: entry-point name, blueprint name, permission and event prefix, table prefix stem.
    name: str
    title: object
    description: object = ""
    version: str = "0.1.0"
    api_version: int = API_VERSION
    #: core versions this plugin works with, as a PEP 440 specifier.
    requires_core: str = ">=1.0,<2"
    #: the core migration this plugin's own migrations build on.
    requires_core_revision: str | None = None
    depends: tuple[str, ...] = ()
    optional_depends: tuple[str, ...] = ()
    table_prefix: str | None = None
    #: ``"package.module:Schema"`` — a marshmallow schema; fields with ``metadata={"inherit": True}``
    #: take the district's value unless the street sets its own.
    settings_schema: str | None = None
    #: ``"package:folder"`` holding the Alembic branch; first-party plugins use migrations/versions/<name>/.
    migrations: str | None = None
    default_enabled: bool = False
    pii: tuple[PiiField, ...] = field(default_factory=tuple)
    #: your tables that are never updated or deleted (ledgers, journals): the runtime database role
    #: gets SELECT and INSERT only on them, set at the end of every ``jiceng db upgrade`` and checked
    #: by the catalog test (``core/tenancy/privileges.py``). Names must carry your table prefix.
    append_only: tuple[str, ...] = ()

    @property
    def prefix(self) -> str:
        return self.table_prefix or f"{self.name}__"

    def schema_class(self):
        if not self.settings_schema:
            return None
        module, _, attr = self.settings_schema.partition(":")
        return getattr(importlib.import_module(module), attr)

    def migrations_path(self) -> Path:
        if self.migrations:
            module, _, folder = self.migrations.partition(":")
            base = Path(importlib.import_module(module).__file__).parent
            return base / (folder or "migrations")
        return Path(__file__).resolve().parents[2] / "migrations" / "versions" / self.name
