"""Every table can go onto Citus: tenant tables keyed and linked by tenant_id, the rest declared
reference tables; `jiceng db citus-plan` lists them all; the key migrations go down and up."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, inspect, text

from core import citus, migrate
from core.testing import PgDatabase, build_app, require_pg


def _owner(url):
    engine = create_engine(url)
    return engine, engine.connect()


@pytest.mark.postgres
def test_every_table_is_a_tenant_table_with_tenant_keys_or_a_declared_reference_table(pg_database):
    engine, conn = _owner(pg_database["MIGRATE_DATABASE_URL"])
    try:
        assert citus.catalog_problems(conn) == []
        org_unit_pk = inspect(conn).get_pk_constraint("org_unit")["constrained_columns"]
        assert org_unit_pk == ["tenant_id", "id"]
        assert duplicate_key_indexes(conn) == []
    finally:
        conn.close()
        engine.dispose()


_DUPLICATES = """
SELECT c.relname || '.' || i.relname
FROM pg_index x JOIN pg_index k ON k.indrelid = x.indrelid AND k.indisprimary AND NOT x.indisprimary
JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND x.indisunique AND x.indkey::int2[] @> k.indkey::int2[]
  AND x.indkey::int2[] <@ k.indkey::int2[] AND x.indpred IS NULL AND x.indexprs IS NULL
ORDER BY 1
"""


def duplicate_key_indexes(conn) -> list[str]:
    """Unique indexes on exactly the columns of their table's primary key: the same index twice."""
    return list(conn.execute(text(_DUPLICATES)).scalars())


@pytest.mark.postgres
def test_composite_foreign_keys_hold_on_the_primary_key_alone(pg_database):
    """With UNIQUE(tenant_id, id) gone on PostgreSQL, a row still cannot point into another tenant."""
    from sqlalchemy.exc import IntegrityError
    engine, conn = _owner(pg_database["MIGRATE_DATABASE_URL"])
    try:
        with conn.begin() as tx:
            a, b = (conn.execute(text("INSERT INTO tenant (slug, name, kind, status, is_demo, plugins_rev, created_at) "
                                      "VALUES (:s, 'K', 'street', 'active', false, 0, now()) RETURNING id"),
                                 {"s": f"fk-{s}"}).scalar() for s in ("a", "b"))
            root = conn.execute(text("INSERT INTO org_unit (tenant_id, kind, code, name, path, attrs, "
                                     "is_central_household, created_at) VALUES (:t, 'street', 'S', 'S', '/', '{}', "
                                     "false, now()) RETURNING id"), {"t": a}).scalar()
            child = ("INSERT INTO org_unit (tenant_id, parent_id, kind, code, name, path, attrs, is_central_household, "
                     "created_at) VALUES (:t, :p, 'community', 'C', 'C', '/c/', '{}', false, now())")
            conn.execute(text(child), {"t": a, "p": root})  # inside its tenant: fine
            with pytest.raises(IntegrityError, match="foreign key"):
                with conn.begin_nested():
                    conn.execute(text(child), {"t": b, "p": root})  # B's row under A's unit
            tx.rollback()
    finally:
        conn.close()
        engine.dispose()


@pytest.mark.postgres
def test_the_catalog_check_names_each_table_citus_would_refuse(pg_database):
    engine, conn = _owner(pg_database["MIGRATE_DATABASE_URL"])
    try:
        with conn.begin() as tx:
            conn.execute(text("CREATE TABLE zz_plain (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL)"))
            conn.execute(text("CREATE TABLE zz_uniq (id bigserial, tenant_id bigint NOT NULL, code text, "
                              "PRIMARY KEY (tenant_id, id), UNIQUE (id), UNIQUE (tenant_id, code))"))
            conn.execute(text("CREATE UNIQUE INDEX zz_uniq_code ON zz_uniq (code) WHERE code <> ''"))
            conn.execute(text("CREATE TABLE zz_link (id bigserial, tenant_id bigint NOT NULL, uniq_id bigint, "
                              "PRIMARY KEY (tenant_id, id), FOREIGN KEY (uniq_id) REFERENCES zz_uniq (id))"))
            conn.execute(text("CREATE TABLE zz_loose (id bigserial PRIMARY KEY, tenant_id bigint)"))
            conn.execute(text("CREATE TABLE zz_orphan (id bigserial PRIMARY KEY, name text)"))
            conn.execute(text("ALTER TABLE tenant_plugin ADD COLUMN zz_unit bigint, "
                              "ADD FOREIGN KEY (tenant_id, zz_unit) REFERENCES org_unit (tenant_id, id)"))
            problems = "\n".join(citus.catalog_problems(conn))
            tx.rollback()
    finally:
        conn.close()
        engine.dispose()
    assert "zz_plain: primary key zz_plain_pkey lacks tenant_id" in problems
    assert "zz_uniq: unique index zz_uniq_id_key lacks tenant_id" in problems
    assert "zz_uniq: unique index zz_uniq_code lacks tenant_id" in problems
    assert "zz_uniq_tenant_id_code_key" not in problems
    assert "zz_link → zz_uniq: foreign key" in problems
    assert "zz_loose: tenant_id may be empty" in problems
    assert "zz_orphan: no tenant_id and not a declared reference table" in problems
    assert "tenant_plugin: reference table points at tenant table org_unit" in problems


def test_citus_plan_distributes_every_tenant_table_and_lists_the_reference_tables(app):
    result = app.test_cli_runner().invoke(args=["db", "citus-plan"])
    assert result.exit_code == 0, result.output
    distributed = re.findall(r"create_distributed_table\('([a-z_]+)', 'tenant_id'", result.output)
    reference = re.findall(r"create_reference_table\('([a-z_]+)'\)", result.output)
    assert {"org_unit", "person", "membership", "grid__event", "volunteer__txn", "hello__note"} <= set(distributed)
    assert {"tenant", "user_account", "tenant_plugin", "calendar_day", "alembic_version",
            "alembic_version__grid"} <= set(reference)
    assert not set(distributed) & set(reference)
    # what the database holds, every table once: nothing left on the coordinator by mistake
    engine = create_engine(app.config["MIGRATE_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            with_tenant = {t for t in tables if "tenant_id" in {c["name"] for c in inspect(conn).get_columns(t)}}
    finally:
        engine.dispose()
    assert set(distributed) | set(reference) == tables
    assert set(distributed) == with_tenant - set(citus.REFERENCE_TABLES)
    # a table comes after the tables it points at (tenant first; org_unit before person)
    order = reference + distributed
    assert order.index("tenant") < order.index("user_account") < order.index("user_session")
    assert distributed.index("org_unit") < distributed.index("person")
    assert all(f"colocate_with => '{distributed[0]}'" in line
               for line in result.output.splitlines() if "create_distributed_table" in line
               and f"('{distributed[0]}'" not in line)


def test_sqlite_keeps_id_as_the_rowid_key(app, database, tmp_path):
    """SQLite numbers only an ``INTEGER PRIMARY KEY`` by itself: the composite key is PostgreSQL's."""
    url = database["MIGRATE_DATABASE_URL"]
    if not url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path}/fresh.db"
        migrate.upgrade(url, plugins=app.extensions["jiceng.plugins"])
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            for table in ("org_unit", "grid__event", "hello__note"):
                assert inspect(conn).get_pk_constraint(table)["constrained_columns"] == ["id"]
    finally:
        engine.dispose()


@pytest.fixture
def fresh_pg(database):
    pg = PgDatabase(require_pg())
    yield pg
    pg.drop()


@pytest.mark.postgres
def test_key_migrations_go_down_to_id_keys_and_back_with_rows_in_place(database, fresh_pg):
    app = build_app(database)
    plugins = app.extensions["jiceng.plugins"]
    url = fresh_pg.owner_url
    migrate.upgrade(url, plugins=plugins)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            tenant = conn.execute(text("INSERT INTO tenant (slug, name, kind, status, is_demo, plugins_rev, "
                                       "created_at) VALUES ('k1', 'K', 'street', 'active', false, 0, now()) "
                                       "RETURNING id")).scalar()
            conn.execute(text("INSERT INTO org_unit (tenant_id, kind, code, name, path, attrs, is_central_household, "
                              "created_at) VALUES (:t, 'street', 'S', 'S', '/', '{}', false, now())"), {"t": tenant})
        steps = {"core": "c0010", "grid": "grid_0016", "office_hours": "office_hours_0001",
                 "volunteer": "volunteer_0002", "discussion": "discussion_0001"}
        with app.app_context():
            for branch, revision in steps.items():
                migrate.downgrade(url, revision, branch)
        with engine.connect() as conn:
            problems = citus.catalog_problems(conn)
            for table in ("org_unit", "membership", "grid__event", "office_hours__slot", "volunteer__txn",
                          "discussion__matter"):
                assert inspect(conn).get_pk_constraint(table)["constrained_columns"] == ["id"]
                assert f"{table}: primary key pk_{table} lacks tenant_id" in problems
                uniques = [u["column_names"] for u in inspect(conn).get_unique_constraints(table)]
                assert ["tenant_id", "id"] in uniques, f"{table}: the foreign keys' target is back"
        migrate.upgrade(url, plugins=plugins)
        with engine.connect() as conn:
            assert citus.catalog_problems(conn) == []
            assert duplicate_key_indexes(conn) == []
            assert conn.execute(text("SELECT count(*) FROM org_unit WHERE tenant_id = :t"), {"t": tenant}).scalar() == 1
    finally:
        engine.dispose()
