"""Shared pieces of the benchmarks in `bench/`: the benchmark database (created, migrated and
dropped as `postgres`; the app connects as the runtime role `servicehub_app`, so row-level security
applies), the organisation every benchmark seeds (one tenant, an hq, 3 regions, 60 projects), COPY
buffers, the app built on the runtime role with a statement counter, real JWTs, percentiles and the
`docs/benchmarks.md` writer.

Not a benchmark itself: `bench/customers_search.py`, `bench/tickets.py` and `bench/background.py` import it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "backend") not in sys.path:
    sys.path.insert(0, str(REPO / "backend"))

from sqlalchemy import create_engine, event, text  # noqa: E402

from servicehub.config import Settings  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
APP_ROLE = "servicehub_app"
JWT_SECRET = "bench-secret-key-that-is-long-enough-for-hs256"
TENANT_SLUG = "bench"
ORG_SEED = 20261125

CITIES = "上海 杭州 苏州 南京 宁波 无锡 合肥 深圳 广州 佛山 东莞 厦门 福州 长沙 北京 天津 青岛 济南 郑州 西安".split()
ESTATES = ("滨江壹号 西溪云庐 金鸡湖府 前海湾 珠江悦府 千灯湖 望京府 海河湾 东海岸 翡翠城 御景园 星河湾 锦绣华庭 "
           "云栖里 湖畔花园 世纪城 中央公园 书香府 江山樾 春风里 桃李园 枫丹白露 天玺 观澜 龙湖郡 紫云台 水岸新城 "
           "玖珑府 悦澜山 长安府").split()
REGIONS = (("EAST", "华东区域公司"), ("SOUTH", "华南区域公司"), ("NORTH", "华北区域公司"))


# --- database ----------------------------------------------------------------------------------------


def urls(name: str) -> tuple[str, str]:
    owner = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    app = owner.replace("postgres@", f"{APP_ROLE}:{APP_ROLE}@", 1)
    return owner, app


def raw(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (psycopg.connect does not take the +psycopg driver)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def schema_fingerprint() -> str:
    """The migrations the database was built from: a changed index means seeding again."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def database_state(name: str) -> dict | None:
    admin = create_engine(ADMIN_URL)
    with admin.connect() as conn:
        row = conn.execute(text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"),
                           {"n": name}).first()
    admin.dispose()
    if row is None:
        return None
    try:
        return json.loads(row[0] or "{}")
    except ValueError:
        return {}


def create_database(name: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_database(name: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- seeding -----------------------------------------------------------------------------------------

# The two users of the customer benchmark: (username, name, role, unit, function); the unit is "hq"
# or the index of a project (0: the first project).
DEFAULT_USERS = (("hq_crm", "林晓梅", "hq_crm", "hq", "customer_service"),
                 ("project_agent", "李娜", "project_agent", 0, "customer_service"))


def seed_org(owner_url: str, users=DEFAULT_USERS, *, categories: bool = False, seed: int = ORG_SEED) -> dict:
    """Tenant, hq, 3 regions, 60 projects and the benchmark users (as the owner, via the ORM); with
    `categories`, the default category tree too. Returns ids: tenant_id, hq_id, projects [(project
    id, region id)], users {username: id}, categories {code: id}."""
    from sqlalchemy.orm import Session

    from servicehub import models  # noqa: F401 - registers every table
    from servicehub.access import Role
    from servicehub.auth.passwords import configure, hash_password
    from servicehub.categories.models import Category
    from servicehub.categories.service import seed_default_categories
    from servicehub.db import bind_tenant
    from servicehub.orgs.models import OrgUnit, OrgUnitKind
    from servicehub.orgs.service import create_hq
    from servicehub.tenants.models import Tenant
    from servicehub.users.models import Function, Membership, User

    configure(time_cost=1, memory_cost=1024)
    rng = random.Random(seed)
    engine = create_engine(owner_url)
    with Session(engine) as session:
        tenant = Tenant(slug=TENANT_SLUG, name="基准测试置业集团")
        session.add(tenant)
        session.flush()
        bind_tenant(session, tenant.id)
        hq = create_hq(session, tenant_id=tenant.id, name="集团客户关系管理中心")
        projects = []
        for r, (code, name) in enumerate(REGIONS):
            region = OrgUnit(tenant_id=tenant.id, kind=OrgUnitKind.region, parent_id=hq.id, code=code, name=name)
            session.add(region)
            session.flush()
            region.path = f"{hq.path}{region.id}/"
            for p in range(20):
                n = r * 20 + p
                project = OrgUnit(tenant_id=tenant.id, kind=OrgUnitKind.project, parent_id=region.id,
                                  code=f"P{n + 1:02d}", name=f"{rng.choice(CITIES)}·{ESTATES[n % len(ESTATES)]}{n // len(ESTATES) + 1}期")
                session.add(project)
                session.flush()
                project.path = f"{region.path}{project.id}/"
                projects.append((project.id, region.id))
        password = hash_password("Bench@2026")
        made = []
        for username, name, role, unit, function in users:
            unit_id = hq.id if unit == "hq" else projects[unit][0]
            user = User(tenant_id=tenant.id, org_unit_id=unit_id, username=username, name=name, password_hash=password)
            user.memberships = [Membership(tenant_id=tenant.id, org_unit_id=unit_id, role=Role(role),
                                           function=Function(function) if function else None)]
            session.add(user)
            made.append(user)
        session.flush()
        found = {}
        if categories:
            seed_default_categories(session, tenant_id=tenant.id)
            session.flush()
            found = {c.code: c.id for c in session.query(Category).filter(Category.tenant_id == tenant.id)}
        session.commit()
        info = {"tenant_id": tenant.id, "hq_id": hq.id, "projects": projects,
                "users": {u.username: u.id for u in made}, "categories": found}
    engine.dispose()
    return info


class Rows:
    """Tab-separated COPY text, written to the server in chunks."""

    def __init__(self, copy, chunk: int = 1 << 20):
        self.copy, self.buffer, self.chunk = copy, io.StringIO(), chunk

    def add(self, line: str) -> None:
        self.buffer.write(line)
        if self.buffer.tell() >= self.chunk:
            self.flush()

    def flush(self) -> None:
        data = self.buffer.getvalue()
        if data:
            self.copy.write(data.encode())
        self.buffer = io.StringIO()

def save_state(name: str, state: dict) -> None:
    """Remember what a database was seeded with (sizes, ids, migrations) in its comment."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        literal = json.dumps(state, ensure_ascii=False).replace("'", "''")
        conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{literal}'"))
    admin.dispose()


# --- the app -----------------------------------------------------------------------------------------


def build_app(app_url: str, **overrides):
    """The app on the runtime role, with a statement counter; `overrides` are further Settings
    (e.g. `redis_url=..., jobs_inline=False` to hand jobs to RQ workers)."""
    from servicehub import create_app

    settings = Settings(**{"env": "bench", "database_url": app_url, "migration_database_url": "",
                           "jwt_secret_key": JWT_SECRET, "access_token_minutes": 24 * 60, "log_level": "WARNING",
                           "argon2_time_cost": 1, "argon2_memory_cost": 1024, **overrides})
    app = create_app(settings)
    engine = app.extensions["servicehub.db"].engine
    counter = {"n": 0, "log": None}

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, parameters, _context, _executemany):
        counter["n"] += 1
        if counter["log"] is not None:
            counter["log"].append((statement, parameters))

    return app, counter


def bearer(app, state: dict, username: str) -> dict:
    from servicehub.auth.service import issue_tokens
    from servicehub.db import bind_tenant
    from servicehub.extensions import db
    from servicehub.tenants.models import Tenant
    from servicehub.users.models import User

    with app.app_context():
        session = db.session
        tenant = session.get(Tenant, state["tenant_id"])
        bind_tenant(session, tenant.id)
        access, _refresh = issue_tokens(session.get(User, state["users"][username]), tenant)
    return {"Authorization": f"Bearer {access}"}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


# --- report -----------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}"


def server_facts(owner_url: str) -> str:
    engine = create_engine(owner_url)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
        settings = {k: conn.execute(text(f"SHOW {k}")).scalar_one()
                    for k in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost")}
    engine.dispose()
    return f"PostgreSQL {version} (" + ", ".join(f"{k} {v}" for k, v in settings.items()) + ")"


def write_doc(section: str, path: Path) -> None:
    header = ("# Benchmarks\n\nFigures measured with the scripts in `bench/`; each run replaces its own section.\n\n")
    marker = section.splitlines()[0]
    if path.exists():
        current = path.read_text()
        if marker in current:
            before, after = current.split(marker, 1)
            rest = after.split("\n## ", 1)
            current = before + section.rstrip("\n") + ("\n\n## " + rest[1] if len(rest) > 1 else "\n")
        else:
            current = current.rstrip("\n") + "\n\n" + section
    else:
        current = header + section
    path.write_text(current)


def cpu_stall() -> float | None:
    """Microseconds some runnable task waited for a CPU since boot (Linux PSI), or None."""
    try:
        return float(Path("/proc/pressure/cpu").read_text().splitlines()[0].rsplit("total=", 1)[1])
    except (OSError, IndexError, ValueError):
        return None


class CpuPressure:
    """Started when made: `percent()` is the share of the time since (%) in which a runnable task
    waited for a core (PSI `some`), or None where the kernel does not tell."""

    def __init__(self) -> None:
        self._stall, self._started = cpu_stall(), time.perf_counter()

    def percent(self) -> float | None:
        after = cpu_stall()
        if self._stall is None or after is None:
            return None
        return (after - self._stall) / ((time.perf_counter() - self._started) * 1e6) * 100


def publish(section: str, output: str, *, write: bool, smoke: bool) -> None:
    """Print a run's section and write it into the benchmark notes (`write`); a smoke run says it left
    them alone (`smoke`)."""
    print()
    print(section)
    if write:
        write_doc(section, Path(output))
        print(f"written to {output}")
    elif smoke:
        print("smoke mode: docs/benchmarks.md left alone (--write to update it)")
