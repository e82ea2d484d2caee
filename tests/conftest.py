"""Test set-up: PostgreSQL (with row-level security, the app as a non-bypassing role) and Redis
when they are reachable on localhost, SQLite and in-process jobs otherwise.

`SERVICEHUB_TEST_DB=sqlite|postgres` and `SERVICEHUB_TEST_REDIS=0|1` force a choice.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from servicehub.config import Settings

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
APP_ROLE = "servicehub_app"


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


def _redis_reachable() -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


def _choose_db() -> str:
    forced = os.environ.get("SERVICEHUB_TEST_DB")
    if forced:
        return forced
    return "postgres" if _postgres_reachable() else "sqlite"


def _choose_redis() -> bool:
    forced = os.environ.get("SERVICEHUB_TEST_REDIS")
    if forced is not None and forced != "":
        return forced == "1"
    return _redis_reachable()


BACKEND = _choose_db()
USE_REDIS = _choose_redis()
if os.environ.get("SERVICEHUB_REQUIRE_SERVICES") == "1" and (BACKEND != "postgres" or not USE_REDIS):
    raise RuntimeError("SERVICEHUB_REQUIRE_SERVICES=1 but PostgreSQL or Redis is not reachable on localhost")

# Tests that need a real server live in their own folders and are collected only where it exists.
collect_ignore_glob = []
if BACKEND != "postgres":
    collect_ignore_glob.append("postgres/*")
if not USE_REDIS:
    collect_ignore_glob.append("redis/*")


def pytest_report_header(config, start_path):
    lines = [f"servicehub: database={BACKEND}, redis={'yes' if USE_REDIS else 'no (in-process jobs)'}"]
    # tests/e2e/conftest.py says it itself when it is on the command line.
    if not any(Path(arg).resolve().is_relative_to(Path(__file__).parent / "e2e") for arg in config.args):
        from tests.e2e.conftest import e2e_header

        lines.append(e2e_header())
    return lines


TABLES = ("audit_log", "memberships", "users", "org_units", "tenants", "platform_admins", "revoked_sessions",
          "customers", "customer_phones", "customer_scopes", "properties", "ownerships", "customer_imports",
          "categories", "ticket_counters", "idempotency_keys", "sla_targets", "tickets", "escalations",
          "ticket_attachments", "ticket_comments", "ticket_events",
          "service_settings", "alerts", "deliveries", "outbox", "callbacks", "notifications",
          "contractors", "contractor_units", "warranty_terms", "work_orders", "callback_attempts")


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """Migrate a fresh database once; yields (owner_url, app_url, reset)."""
    from servicehub.migrate import upgrade

    if BACKEND == "postgres":
        name = f"servicehub_test_{os.getpid()}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        owner_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        app_url = owner_url.replace("postgres@", f"{APP_ROLE}:{APP_ROLE}@", 1)
        upgrade(Settings(database_url=app_url, migration_database_url=owner_url, jwt_secret_key="x"))
        owner = create_engine(owner_url)

        def reset(_per_test_url):
            with owner.begin() as conn:
                conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))

        yield {"owner_url": owner_url, "app_url": lambda: app_url, "reset": reset, "owner": owner,
               "files": tmp_path_factory.mktemp("files")}
        owner.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        folder = tmp_path_factory.mktemp("db")
        template = folder / "template.db"
        url = f"sqlite:///{template}"
        upgrade(Settings(database_url=url, migration_database_url=url, jwt_secret_key="x"))
        current = folder / "current.db"

        def fresh_url():
            shutil.copyfile(template, current)
            return f"sqlite:///{current}"

        def reset(_per_test_url):
            # Every engine on the file is disposed by now; drop the file with its WAL.
            for suffix in ("", "-wal", "-shm"):
                Path(f"{current}{suffix}").unlink(missing_ok=True)

        yield {"owner_url": None, "app_url": fresh_url, "reset": reset, "owner": None,
               "files": tmp_path_factory.mktemp("files")}


def make_settings(database, db_url: str, **overrides) -> Settings:
    values = dict(
        env="test",
        database_url=db_url,
        migration_database_url=database["owner_url"] or db_url,
        redis_url=REDIS_URL if USE_REDIS else "",
        jwt_secret_key="test-secret-key-that-is-long-enough-for-hs256",
        argon2_time_cost=1,
        argon2_memory_cost=1024,
        login_rate_limit="1000 per minute",
        storage_url=f"file://{database['files']}",
        # Jobs run in-process unless a test asks for RQ (`app_factory(jobs_inline=False)`, tests/redis/).
        jobs_inline=True,
        # The tests' webhook receivers listen on 127.0.0.1 (tests/notifications asserts the default).
        webhook_allow_private=True,
    )
    values.update(overrides)
    return Settings(**values)


_shared: dict = {}


def _shared_app(database, db_url):
    """One app for the whole session (building an app costs ~0.2 s); the database URL is the same
    for every test, and what a test leaves behind is reset after it."""
    from servicehub import create_app

    if "app" not in _shared:
        app = create_app(make_settings(database, db_url, rate_limit_prefix=f"test-{uuid.uuid4().hex[:8]}"))
        app.testing = True
        _shared["app"] = app
    return _shared["app"]


@pytest.fixture
def db_url(database):
    """The app's database URL for one test (the same each time); emptied afterwards."""
    url = database["app_url"]()
    yield url
    if "app" in _shared:
        _shared["app"].extensions["servicehub.db"].engine.dispose()
    database["reset"](url)


@pytest.fixture
def app_factory(database, db_url):
    """Build apps on the test database (several apps stand for several API processes)."""
    from servicehub import create_app

    apps = []
    prefix = f"test-{uuid.uuid4().hex[:8]}"

    def factory(**overrides):
        overrides.setdefault("rate_limit_prefix", prefix)
        app = create_app(make_settings(database, db_url, **overrides))
        app.testing = True
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["servicehub.db"].engine.dispose()


@pytest.fixture
def app(database, db_url):
    app = _shared_app(database, db_url)
    yield app
    app.extensions["servicehub.limiter"].storage.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    from tests.factories import build_world

    return build_world(app)
