-- Jiceng PostgreSQL roles. Roles are cluster-wide: create them once, never drop them from tests.
-- jiceng_owner owns the tables, runs migrations and system_scope; BYPASSRLS because under FORCE
-- an owner without it silently updates 0 rows. jiceng_app is the runtime role: no ownership,
-- no superuser, no BYPASSRLS, DML grants only (given by the migrations).
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jiceng_owner') THEN
    CREATE ROLE jiceng_owner LOGIN BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jiceng_app') THEN
    CREATE ROLE jiceng_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$;
