"""The `servicehub` console command (DESIGN §7)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from servicehub.cli import main
from servicehub.seed import DEMO_PASSWORD, USERS


@pytest.fixture
def cli_env(database, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("MIGRATION_DATABASE_URL", database["owner_url"] or db_url)
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("JWT_SECRET_KEY", "cli-test-secret-key-long-enough-for-hs256")
    monkeypatch.setenv("ARGON2_TIME_COST", "1")
    monkeypatch.setenv("ARGON2_MEMORY_COST", "1024")
    return db_url


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def _count(db_url, table):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            tenant = conn.execute(text("SELECT id FROM tenants WHERE slug = 'demo'")).scalar()
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant or "")})
        n = conn.execute(select(func.count()).select_from(text(table))).scalar_one()
    engine.dispose()
    return n


def test_db_upgrade_is_idempotent(cli_env):
    assert run("db", "upgrade").exit_code == 0
    assert run("db", "upgrade").exit_code == 0


def test_seed_demo_is_idempotent_and_every_demo_user_signs_in(cli_env, app_factory):
    first = run("seed", "demo")
    assert first.exit_code == 0, first.output
    assert "Demo@2026" in first.output
    counts = {t: _count(cli_env, t) for t in ("org_units", "users", "memberships")}
    assert counts["org_units"] >= 1 + 3 + 8
    second = run("seed", "demo")
    assert second.exit_code == 0 and "created: nothing new" in second.output
    assert {t: _count(cli_env, t) for t in counts} == counts

    client = app_factory().test_client()
    for username, _name, role, _unit, _function in USERS:
        response = client.post("/api/v1/auth/login", json={"tenant": "demo", "username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 200, username
        roles = {r for s in response.json["user"]["scopes"] for r in s["roles"]}
        assert roles == {role.value}
    platform = client.post("/api/v1/auth/login", json={"username": "platform", "password": "Platform@2026"})
    assert platform.status_code == 200


def test_tenant_create_and_platform_admin_create(cli_env, app_factory):
    created = run("tenant", "create", "--slug", "acme", "--name", "示例集团", "--admin-username", "boss",
                  "--admin-password", "Long-enough-1")
    assert created.exit_code == 0, created.output
    duplicate = run("tenant", "create", "--slug", "acme", "--name", "x", "--admin-username", "boss",
                    "--admin-password", "Long-enough-1")
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    invalid = run("tenant", "create", "--slug", "Bad Slug", "--name", "x", "--admin-username", "b",
                  "--admin-password", "short")
    assert invalid.exit_code != 0
    assert run("platform-admin", "create", "--username", "ops", "--password", "Ops-password-1").exit_code == 0

    client = app_factory().test_client()
    login = client.post("/api/v1/auth/login", json={"tenant": "acme", "username": "boss", "password": "Long-enough-1"})
    assert login.status_code == 200
    token = {"Authorization": f"Bearer {login.json['access_token']}"}
    tree = client.get("/api/v1/org-units/tree", headers=token).json
    assert [node["kind"] for node in tree] == ["hq"]
    ops = client.post("/api/v1/auth/login", json={"username": "ops", "password": "Ops-password-1"})
    assert ops.status_code == 200


def test_openapi_check_passes_on_the_committed_spec(cli_env):
    result = run("openapi", "--check")
    assert result.exit_code == 0, result.output


def test_worker_refuses_to_start_without_redis(cli_env):
    result = CliRunner().invoke(main, ["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in str(result.exception) + result.output
