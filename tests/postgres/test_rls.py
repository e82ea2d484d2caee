"""PostgreSQL row-level security: the runtime role sees and writes only the bound tenant's rows,
even with raw SQL that forgets the filter (collected on PostgreSQL only)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from servicehub.db import tenant_tables
from tests.factories import PASSWORD

TABLES = ("users", "org_units", "memberships", "audit_log")


@pytest.fixture
def populated(client, world):
    """The world plus an audit entry in each group (sign-ins)."""
    for tenant, username in (("alpha", "pa1"), ("beta", "pa_b")):
        response = client.post("/api/v1/auth/login", json={"tenant": tenant, "username": username, "password": PASSWORD})
        assert response.status_code == 200
    return world


@pytest.fixture
def app_engine(app):
    return app.extensions["servicehub.db"].engine


@pytest.fixture
def owner(database):
    return database["owner"]


def _bind(conn, tenant_id) -> None:
    conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})


def _counts_by_tenant(owner, table) -> dict[int, int]:
    with owner.connect() as conn:
        rows = conn.execute(text(f"SELECT tenant_id, count(*) FROM {table} GROUP BY tenant_id")).all()
    return dict(rows)


@pytest.mark.parametrize("table", TABLES)
def test_no_tenant_bound_sees_no_rows(populated, app_engine, owner, table):
    counts = _counts_by_tenant(owner, table)
    assert counts.get(populated.tenants["alpha"], 0) > 0 and counts.get(populated.tenants["beta"], 0) > 0
    with app_engine.connect() as conn:
        assert conn.execute(text(f"SELECT * FROM {table}")).all() == []
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        # An empty setting is no tenant either.
        _bind(conn, "")
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


@pytest.mark.parametrize("table", TABLES)
def test_bound_to_alpha_a_raw_query_sees_only_alpha(populated, app_engine, owner, table):
    alpha, beta = populated.tenants["alpha"], populated.tenants["beta"]
    counts = _counts_by_tenant(owner, table)
    with app_engine.connect() as conn:
        with conn.begin():
            _bind(conn, alpha)
            tenants = conn.execute(text(f"SELECT tenant_id FROM {table}")).scalars().all()
            assert tenants and set(tenants) == {alpha}
            assert len(tenants) == counts[alpha]
            # Asking for beta's rows explicitly finds nothing.
            assert conn.execute(text(f"SELECT count(*) FROM {table} WHERE tenant_id = :b"), {"b": beta}).scalar() == 0
        # The setting is local to the transaction: the next one on the same connection is unbound.
        with conn.begin():
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_bound_to_alpha_beta_ids_are_invisible(populated, app_engine):
    beta_user = populated.user("pa_b", "beta")
    with app_engine.connect() as conn, conn.begin():
        _bind(conn, populated.tenants["alpha"])
        assert conn.execute(text("SELECT * FROM users WHERE id = :id"), {"id": beta_user}).all() == []
        # Updates and deletes of beta's rows touch nothing.
        assert conn.execute(text("UPDATE users SET name = 'x' WHERE id = :id"), {"id": beta_user}).rowcount == 0
        assert conn.execute(text("DELETE FROM memberships WHERE user_id = :id"), {"id": beta_user}).rowcount == 0


def _refused(conn, statement, params) -> bool:
    savepoint = conn.begin_nested()
    try:
        conn.execute(text(statement), params)
    except DBAPIError as exc:
        savepoint.rollback()
        assert "row-level security" in str(exc.orig)
        return True
    savepoint.rollback()
    return False


def test_writing_a_row_of_another_tenant_is_refused(populated, app_engine, owner):
    alpha, beta = populated.tenants["alpha"], populated.tenants["beta"]
    before = {table: _counts_by_tenant(owner, table) for table in TABLES}
    with app_engine.connect() as conn, conn.begin():
        _bind(conn, alpha)
        assert _refused(conn, "INSERT INTO org_units (tenant_id, parent_id, kind, name, code, path, is_active, "
                              "created_at, updated_at) VALUES (:t, :p, 'region', 'x', 'SNEAK', '/', true, now(), now())",
                        {"t": beta, "p": populated.unit("HQ", "beta")})
        assert _refused(conn, "INSERT INTO memberships (tenant_id, user_id, org_unit_id, role, created_at, updated_at) "
                              "VALUES (:t, :u, :o, 'tenant_admin', now(), now())",
                        {"t": beta, "u": populated.user("pa1"), "o": populated.unit("HQ", "beta")})
        assert _refused(conn, "INSERT INTO audit_log (tenant_id, at, actor_name, action, details) "
                              "VALUES (:t, now(), 'x', 'forged', '{}')", {"t": beta})
        # Moving an alpha row over to beta is refused too (WITH CHECK applies to the new row).
        assert _refused(conn, "UPDATE users SET tenant_id = :t WHERE id = :id", {"t": beta, "id": populated.user("pa1")})
        # The same insert for alpha is accepted.
        assert not _refused(conn, "INSERT INTO audit_log (tenant_id, at, actor_name, action, details) "
                                  "VALUES (:t, now(), 'x', 'ok', '{}')", {"t": alpha})
    assert {table: _counts_by_tenant(owner, table) for table in TABLES} == before


def test_writing_with_no_tenant_bound_is_refused(populated, app_engine):
    with app_engine.connect() as conn, conn.begin():
        assert _refused(conn, "INSERT INTO audit_log (tenant_id, at, actor_name, action, details) "
                              "VALUES (:t, now(), 'x', 'forged', '{}')", {"t": populated.tenants["alpha"]})


def test_the_runtime_role_is_plain(populated, app_engine, owner):
    with app_engine.connect() as conn:
        user = conn.execute(text("SELECT current_user")).scalar()
        row = conn.execute(text("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
                                "WHERE rolname = current_user")).one()
    assert user == "servicehub_app"
    assert tuple(row) == (False, False, False, False)
    with owner.connect() as conn:
        owners = set(conn.execute(text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars())
    assert user not in owners


def test_every_tenant_table_forces_row_level_security(populated, app_engine):
    with app_engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN information_schema.columns col ON col.table_schema = n.nspname AND col.table_name = c.relname "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND col.column_name = 'tenant_id'"
        )).all()
        policies = dict(conn.execute(text(
            "SELECT tablename, count(*) FROM pg_policies WHERE schemaname = 'public' GROUP BY tablename")).all())
    tables = {name for name, _rls, _force in rows}
    assert tables >= set(TABLES)
    assert tables == set(tenant_tables())
    for name, rls, force in rows:
        assert (name, rls, force) == (name, True, True)
        assert policies.get(name, 0) >= 1, f"{name} has no policy"


def test_the_runtime_role_cannot_update_or_delete_the_audit_log(populated, app_engine):
    with app_engine.connect() as conn:
        privileges = conn.execute(text(
            "SELECT has_table_privilege(current_user, 'audit_log', 'INSERT'), "
            "has_table_privilege(current_user, 'audit_log', 'UPDATE'), "
            "has_table_privilege(current_user, 'audit_log', 'DELETE'), "
            "has_table_privilege(current_user, 'audit_log', 'TRUNCATE')")).one()
    assert tuple(privileges) == (True, False, False, False)
    for statement in ("UPDATE audit_log SET action = 'tampered'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with app_engine.connect() as conn, conn.begin():
            _bind(conn, populated.tenants["alpha"])
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() > 0
            with pytest.raises(DBAPIError) as err:
                conn.execute(text(statement))
            assert "permission denied" in str(err.value.orig)


def test_the_owner_is_stopped_by_the_append_only_trigger(populated, owner):
    """Even a role that may write the table (its owner) cannot rewrite history."""
    for statement in ("UPDATE audit_log SET action = 'tampered'", "DELETE FROM audit_log"):
        with owner.connect() as conn, conn.begin():
            with pytest.raises(DBAPIError) as err:
                conn.execute(text(statement))
            assert "append-only" in str(err.value.orig)
