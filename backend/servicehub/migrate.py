"""Alembic, run from the package: `servicehub db upgrade`.

Migrations run as the schema owner (MIGRATION_DATABASE_URL). On PostgreSQL, when the app's
DATABASE_URL names another role, that runtime role is created if missing and granted plain DML:
it is neither SUPERUSER nor BYPASSRLS, so row-level security applies to every query it runs.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from servicehub.config import REPO_ROOT, Settings


def migrations_dir() -> Path:
    return Path(os.environ.get("SERVICEHUB_MIGRATIONS") or REPO_ROOT / "migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# Tables the app may only append to (a trigger refuses changes for every role as well).
APPEND_ONLY_TABLES = ("audit_log", "ticket_events")


def upgrade(settings: Settings, revision: str = "head") -> None:
    url = settings.migration_database_url or settings.database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)
    ensure_runtime_role(settings)


def ensure_runtime_role(settings: Settings) -> str | None:
    """Create/grant the runtime role of DATABASE_URL; returns its name, or None when not needed."""
    owner_url = make_url(settings.migration_database_url or settings.database_url)
    app_url = make_url(settings.database_url)
    if app_url.get_backend_name() != "postgresql" or app_url.username == owner_url.username:
        return None
    engine = create_engine(owner_url)
    role = app_url.username
    with engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        row = conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        if row is None:
            conn.exec_driver_sql(f"CREATE ROLE {quote(role)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
        elif row.rolsuper or row.rolbypassrls:
            raise SystemExit(f"The runtime role {role!r} bypasses row-level security: use a plain role.")
        if app_url.password:
            literal = str(app_url.password).replace("'", "''")
            conn.exec_driver_sql(f"ALTER ROLE {quote(role)} PASSWORD '{literal}'")
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {quote(database)} TO {quote(role)}")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {quote(role)}")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quote(role)}")
        conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}")
        # The audit log is append-only for the app (a trigger refuses it for everybody else too).
        for table in APPEND_ONLY_TABLES:
            if conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is not None:
                conn.exec_driver_sql(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {quote(role)}")
        conn.exec_driver_sql(f"REVOKE ALL ON alembic_version FROM {quote(role)}")
    engine.dispose()
    return role


# --- operations used by migration scripts ---------------------------------------------------------

RLS_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer"


def enable_tenant_rls(op, table: str) -> None:
    """Row-level security on `tenant_id` (PostgreSQL): with no tenant set, a query sees no rows."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} USING ({RLS_PREDICATE}) WITH CHECK ({RLS_PREDICATE})"
    )


def execute_per_tenant(op, statement: str) -> None:
    """Run a data migration's `statement` over every tenant's rows. On PostgreSQL row-level security is
    forced on tenant tables, for the owner too: the statement runs once per tenant with `app.tenant_id`
    set (transaction-local, reset afterwards). Elsewhere once."""
    import sqlalchemy as sa

    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        bind.execute(sa.text(statement))
        return
    for (tenant_id,) in bind.execute(sa.text("SELECT id FROM tenants")).all():
        bind.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
        bind.execute(sa.text(statement))
    bind.execute(sa.text("SELECT set_config('app.tenant_id', '', true)"))


def disable_tenant_rls(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def make_append_only(op, table: str) -> None:
    """Refuse UPDATE and DELETE on a table, for every role, on both backends."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION servicehub_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION servicehub_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def drop_append_only(op, table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
