"""Background work: from the POST of a major complaint to the hq's inbox through real RQ workers, and
the SLA sweep over 2,000,000 tickets.

    .venv/bin/python bench/background.py [--tickets 2000000] [--due 10000] [--workers 2] [--rate 8]
                                         [--complaints 300] [--burst 100] [--sweeps 5] [--only latency|sweep]
                                         [--keep] [--reseed] [--no-write]
    .venv/bin/python bench/background.py --smoke    # the same steps on 20,000 tickets, under a minute
    make bench-background                           # the full run, figures into docs/benchmarks.md
    .venv/bin/python bench/background.py --only latency --worker-variant simple --keep   # compare workers
    .venv/bin/python bench/background.py --only sweep --sweep-func variant.py:sweep --keep   # compare a sweep

1. Creates the database `servicehub_bench_background` (`_small` below 500,000 tickets) and seeds it
   exactly as `bench/tickets.py` does (its `ensure_seeded`: migrations as the owner, one tenant, an
   hq with `hq_crm`, 3 regions, 60 projects with agents, managers and engineers, the default
   categories, the tickets by COPY). The hq user gets an email address and a phone, so that an
   escalation also queues its email and its text, as in production.
2. Escalation latency. Flushes a Redis database of its own (`--redis`, default db 14), starts
   `--workers` real worker processes (`.venv/bin/servicehub worker`, DATABASE_URL = the runtime
   role `servicehub_app`, no scheduler), builds the app in this process with
   `Settings(redis_url=..., jobs_inline=False)` and, as the `project_agent` of P01 through
   `app.test_client()` with a real JWT, POSTs major complaints (`is_major: true`, the complaint
   categories in turn): a few untimed warm-up ones, `--complaints` at a steady `--rate` per second,
   then `--burst` back to back. For each it records the wall-clock time the POST started and ended;
   a watcher thread polls, as the owner every 10 ms, the hq user's `escalation` notification of the
   tickets posted (and samples the RQ queue lengths every 50 ms). Reported per phase: POST
   latency, POST start → the inbox row (`notifications.created_at`, written by the worker, same
   clock), POST start → the row seen committed by the poll, the queue depth, and from RQ's own
   timestamps of the escalation jobs where the time goes (request, queue wait + fork, the job).
   Then the outbox's statuses and the jobs' results (any message left behind is reported).
   The workers are stopped (SIGTERM to their process groups, by pid) at the end, whatever happens.
3. The SLA sweep. Makes exactly `--due` open tickets due for response (`responded_at` NULL,
   `response_due_at` 1–60 minutes ago, no breach marks, `resolve_due_at` hours ahead) and moves the
   due times of every other open ticket at least two hours ahead (so the partial indexes hold all
   open tickets and exactly `--due` of them are due); their prior values are kept in a side table
   `bench_sweep_due`. Then `--sweeps` times: reset (marks and levels restored, the sweep's events,
   escalations and notifications deleted, VACUUM ANALYZE, CHECKPOINT), and time
   `servicehub.sla.sweep.sweep(session, tenant_id)` on a session of the app (the runtime role, row-level
   security on), with every statement and commit timed. EXPLAIN (ANALYZE, BUFFERS) of the sweep's
   SELECT (and, rolled back, of its first UPDATE) as `servicehub_app` with
   `set_config('app.tenant_id', …, false)`.
4. Prints everything and writes the section "Background work: escalation latency and the SLA sweep"
   of docs/benchmarks.md (full-size runs only, unless --no-write; smoke runs only with --write).

Targets (the issue): with 2 workers, POST → the hq's inbox p99 < 2 s; one sweep over 2,000,000
tickets of which 10,000 are due < 1 s, through the partial index (no sequential scan). The database
is dropped at the end unless --keep (a kept database is reused by the next run of the same size).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from _common import (  # noqa: E402 - also puts backend/ on sys.path
    JWT_SECRET,
    REPO,
    bearer,
    build_app,
    drop_database,
    machine,
    percentile,
    raw,
    server_facts,
    urls,
    CpuPressure,
    publish,
)
from sqlalchemy import event  # noqa: E402

SMALL = 500_000
TITLE = "## Background work: escalation latency and the SLA sweep"
OPEN = "('new', 'assigned', 'in_progress')"
QUEUES = ("escalations", "notifications", "default", "scheduled")
COMPLAINT_CATEGORIES = ("leakage", "cracks", "doors_windows", "plumbing_electrical", "decoration", "heating_cooling",
                        "structure", "front_desk_service", "repair_service", "delivery_standard", "amenities",
                        "title_deed", "advertising", "security", "cleaning_greening", "parking", "fees")
LATENCY_TARGET_S = 2.0
SWEEP_TARGET_S = 1.0
POLL_S = 0.010


def _load_tickets_bench():
    """bench/tickets.py as a module (its seeding is reused as it is)."""
    spec = importlib.util.spec_from_file_location("bench_tickets", Path(__file__).resolve().parent / "tickets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan"),
                "mean": float("nan")}
    return {"n": len(values), "p50": statistics.median(values), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "max": max(values), "mean": statistics.fmean(values)}


def _utc_ts(value) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


# --- the organisation ------------------------------------------------------------------------------------


def org_facts(owner_url: str, state: dict) -> dict:
    """Ids the benchmark needs beyond the seed's state; gives the hq user an email and a phone."""
    with psycopg.connect(raw(owner_url), autocommit=True) as conn:
        tenant = state["tenant_id"]
        hq = conn.execute("SELECT id FROM org_units WHERE tenant_id = %s AND kind = 'hq'", (tenant,)).fetchone()[0]
        categories = dict(conn.execute("SELECT code, id FROM categories WHERE tenant_id = %s", (tenant,)).fetchall())
        hq_user = state["users"]["hq_crm"]
        conn.execute("UPDATE users SET email = 'hq.crm@bench.example', phone = '13800000000' WHERE id = %s", (hq_user,))
    return {"hq_id": hq, "hq_user": hq_user, "categories": [categories[c] for c in COMPLAINT_CATEGORIES]}


# --- part 1: escalation latency through real workers -------------------------------------------------------


class Workers:
    """`servicehub worker` processes, each in a process group of its own (its work horses with it)."""

    def __init__(self, n: int, app_url: str, redis_url: str, logdir: Path):
        self.n, self.procs, self.logdir = n, [], logdir
        self.env = {**os.environ, "DATABASE_URL": app_url, "MIGRATION_DATABASE_URL": app_url, "REDIS_URL": redis_url,
                    "JWT_SECRET_KEY": JWT_SECRET, "SERVICEHUB_ENV": "bench", "LOG_LEVEL": "WARNING",
                    "PYTHONUNBUFFERED": "1"}
        self.command = [str(Path(sys.executable).parent / "servicehub"), "worker"]

    def start(self, connection) -> float:
        from rq import Worker

        t0 = time.perf_counter()
        for i in range(self.n):
            log = open(self.logdir / f"worker{i + 1}.log", "wb")
            self.procs.append(subprocess.Popen(self.command, env=self.env, cwd=REPO, stdout=log,
                                               stderr=subprocess.STDOUT, start_new_session=True))
        while len(Worker.all(connection=connection)) < self.n:
            for p in self.procs:
                if p.poll() is not None:
                    raise SystemExit(f"worker {p.pid} exited with {p.returncode}; see {self.logdir}")
            if time.perf_counter() - t0 > 60:
                raise SystemExit(f"workers did not register within 60 s; see {self.logdir}")
            time.sleep(0.1)
        return time.perf_counter() - t0

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)  # the group is the worker's own (start_new_session)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(5)
        self.procs = []


class Watcher(threading.Thread):
    """Polls the hq user's inbox for the escalation notifications of the tickets posted, and the RQ
    queue lengths."""

    def __init__(self, owner_url: str, tenant_id: int, user_id: int, connection, interval: float = POLL_S):
        super().__init__(daemon=True)
        self.owner_url, self.tenant_id, self.user_id, self.redis = owner_url, tenant_id, user_id, connection
        self.interval = interval
        self.pending: set[int] = set()
        self.seen: dict[int, tuple[float, float]] = {}  # ticket id -> (seen at, notification created_at)
        self.depth: list[tuple[float, list[int]]] = []
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.polls = 0
        self.error = None

    def expect(self, ticket_id: int) -> None:
        with self.lock:
            self.pending.add(ticket_id)

    def run(self) -> None:
        try:
            keys = [f"rq:queue:{q}" for q in QUEUES]
            with psycopg.connect(raw(self.owner_url), autocommit=True) as conn:
                while not self.halt.is_set():
                    with self.lock:
                        wanted = list(self.pending)
                    if wanted:
                        rows = conn.execute(
                            "SELECT ticket_id, created_at FROM notifications WHERE tenant_id = %s AND user_id = %s "
                            "AND kind = 'escalation' AND ticket_id = ANY(%s)",
                            (self.tenant_id, self.user_id, wanted)).fetchall()
                        now = time.time()
                        with self.lock:
                            for ticket_id, created_at in rows:
                                if ticket_id in self.pending:
                                    self.pending.discard(ticket_id)
                                    self.seen[ticket_id] = (now, created_at.timestamp())
                    if self.polls % 5 == 0:
                        pipe = self.redis.pipeline(transaction=False)
                        for key in keys:
                            pipe.llen(key)
                        self.depth.append((time.time(), pipe.execute()))
                    self.polls += 1
                    self.halt.wait(self.interval)
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            self.error = exc

    def wait_for(self, ids, timeout: float) -> list[int]:
        """Wait until every ticket of `ids` was seen; returns those that were not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                missing = [i for i in ids if i not in self.seen]
            if not missing or self.error:
                return missing
            time.sleep(0.05)
        with self.lock:
            return [i for i in ids if i not in self.seen]


def complaint(facts: dict, project: int, n: int) -> dict:
    return {"type": "complaint", "channel": "phone", "org_unit_id": project, "is_major": True,
            "category_id": facts["categories"][n % len(facts["categories"])],
            "title": f"投诉：3-2-{1201 + n % 30} 重大投诉（基准 {n}）",
            "description": "业主来电，多户业主反映同一问题已多次报修仍未解决，情绪激动，要求集团出面处理并书面答复。"}


def post(client, headers: dict, body: dict) -> tuple[int, float, float]:
    t_wall = time.time()
    t0 = time.perf_counter()
    response = client.post("/api/v1/tickets", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    elapsed = (time.perf_counter() - t0) * 1000
    if response.status_code != 201:
        raise SystemExit(f"POST /tickets: {response.status_code} {response.get_data(as_text=True)[:400]}")
    return response.get_json()["id"], t_wall, elapsed


def run_phase(name: str, client, headers, facts, project, watcher, samples, *, count: int, rate: float | None,
              start_n: int) -> dict:
    """POST `count` complaints, at `rate` a second (None: back to back), then wait for their inbox rows."""
    ids = []
    t0 = time.perf_counter()
    for i in range(count):
        if rate:
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        ticket_id, t_wall, ms = post(client, headers, complaint(facts, project, start_n + i))
        watcher.expect(ticket_id)
        samples[ticket_id] = {"phase": name, "t_post": t_wall, "post_ms": ms}
        ids.append(ticket_id)
    posting = time.perf_counter() - t0
    t_end = time.time()
    missing = watcher.wait_for(ids, timeout=60)
    return {"ids": ids, "posting_s": posting, "achieved_rate": count / posting if posting else 0, "missing": missing,
            "t_start": time.time() - (time.perf_counter() - t0), "t_end": t_end, "drained_at": time.time()}


def rq_jobs(connection) -> dict:
    """Every finished / failed job of the queues: return values, and timestamps of the escalation jobs
    by outbox message id."""
    from rq import Queue
    from rq.job import Job
    from rq.registry import FailedJobRegistry, FinishedJobRegistry

    results, timing, failed = Counter(), {}, 0
    for name in QUEUES:
        queue = Queue(name, connection=connection)
        ids = FinishedJobRegistry(queue=queue).get_job_ids()
        failed_ids = FailedJobRegistry(queue=queue).get_job_ids()
        failed += len(failed_ids)
        for job in Job.fetch_many(ids + failed_ids, connection=connection):
            if job is None:
                continue
            try:
                value = job.return_value()
            except Exception:  # noqa: BLE001
                value = None
            results[(name, str(value))] += 1
            if name == "escalations" and len(job.args) == 2:
                timing[job.args[1]] = (_utc_ts(job.enqueued_at), _utc_ts(job.started_at), _utc_ts(job.ended_at))
    return {"results": results, "timing": timing, "failed": failed}


def job_profile(app, counter, client, headers, facts, project, owner_url: str, tenant_id: int, n: int,
                start_n: int) -> dict:
    """The `evaluate` job run in this process (no fork, no queue), on complaints posted with nobody
    listening on the queues: with the pool's connection (warm) and, every other one, after the pool
    was emptied (a new connection and server backend, as a forked work horse has)."""
    from servicehub.jobs.outbox import run_message

    engine = app.extensions["servicehub.db"].engine
    out = {"warm": [], "cold": [], "statements": []}
    with psycopg.connect(raw(owner_url), autocommit=True) as owner:
        for i in range(n):
            ticket_id, _t, _ms = post(client, headers, complaint(facts, project, start_n + i))
            message_id = owner.execute(
                "SELECT id FROM outbox WHERE tenant_id = %s AND handler = 'servicehub.escalations.service.evaluate' "
                "AND (args->>'ticket_id')::int = %s", (tenant_id, ticket_id)).fetchone()[0]
            cold = i % 2 == 1
            if cold:
                engine.dispose()
            counter["n"] = 0
            with app.app_context():
                t0 = time.perf_counter()
                result = run_message(tenant_id, message_id)
                ms = (time.perf_counter() - t0) * 1000
            if not result.startswith("major"):
                raise SystemExit(f"evaluate in-process returned {result!r}")
            out["cold" if cold else "warm"].append(ms)
            out["statements"].append(counter["n"])
    return {"warm": stats(out["warm"]), "cold": stats(out["cold"]),
            "statements": statistics.median(out["statements"]) if out["statements"] else 0}


# Worker variants to compare with `servicehub worker` (experiments: not what the app ships).
WORKER_VARIANTS = {
    # RQ's SimpleWorker: every job in the worker process itself (no fork; the app, its pool, the
    # compiled-statement cache and the configured mappers stay warm from job to job).
    "simple": """
from rq import Queue, SimpleWorker
from servicehub import create_app
from servicehub.jobs import QUEUES
app = create_app()
connection = app.extensions["servicehub.redis"]
with app.app_context():
    SimpleWorker([Queue(q, connection=connection) for q in QUEUES], connection=connection).work()
""",
    # The forking worker of `servicehub worker`, with the mappers configured in the parent first
    # (otherwise every work horse configures them again on its first query).
    "fork-configured": """
from sqlalchemy.orm import configure_mappers
from servicehub import create_app
from servicehub.jobs import run_worker
import servicehub.escalations.service, servicehub.notifications.service, servicehub.alerts.service
app = create_app()
configure_mappers()
run_worker(app, with_scheduler=False)
""",
}


def latency(args, state: dict, facts: dict, owner_url: str, app_url: str) -> dict:
    from redis import Redis

    redis_url = args.redis
    since = datetime.now(timezone.utc)  # the outbox of this run only (a kept database has older messages)
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    logdir = Path(tempfile.mkdtemp(prefix="servicehub-bench-workers-"))
    workers = Workers(args.workers, app_url, redis_url, logdir)
    if args.worker_variant:
        workers.command = [sys.executable, "-c", WORKER_VARIANTS[args.worker_variant]]
    watcher = None
    try:
        started_in = workers.start(connection)
        print(f"{args.workers} workers registered in {started_in:.1f} s (logs in {logdir})")
        app, counter = build_app(app_url, redis_url=redis_url, jobs_inline=False)
        headers = bearer(app, state, "project_agent")
        client = app.test_client()
        project = state["big_project"]
        watcher = Watcher(owner_url, state["tenant_id"], facts["hq_user"], connection)
        watcher.start()
        samples: dict[int, dict] = {}
        phases = {}
        n = 0
        warm = run_phase("warm-up", client, headers, facts, project, watcher, samples, count=args.warm, rate=5,
                         start_n=n)
        n += args.warm
        print(f"warm-up: {args.warm} complaints, missing {len(warm['missing'])}")
        phases["steady"] = run_phase("steady", client, headers, facts, project, watcher, samples,
                                     count=args.complaints, rate=args.rate, start_n=n)
        n += args.complaints
        print(f"steady: {args.complaints} complaints at {phases['steady']['achieved_rate']:.1f}/s, "
              f"missing {len(phases['steady']['missing'])}")
        time.sleep(1)
        phases["burst"] = run_phase("burst", client, headers, facts, project, watcher, samples, count=args.burst,
                                    rate=None, start_n=n)
        print(f"burst: {args.burst} complaints at {phases['burst']['achieved_rate']:.1f}/s, "
              f"missing {len(phases['burst']['missing'])}")
        time.sleep(2)  # the email / SMS jobs behind the last escalations
        watcher.halt.set()
        watcher.join(5)
        if watcher.error:
            raise SystemExit(f"watcher failed: {watcher.error!r}")
        jobs = rq_jobs(connection)
        with psycopg.connect(raw(owner_url), autocommit=True) as conn:
            outbox = conn.execute(
                "SELECT handler, status, count(*) FROM outbox WHERE tenant_id = %s AND created_at >= %s "
                "GROUP BY 1, 2 ORDER BY 1, 2", (state["tenant_id"], since)).fetchall()
            message_ticket = dict(conn.execute(
                "SELECT id, (args->>'ticket_id')::int FROM outbox WHERE tenant_id = %s "
                "AND handler = 'servicehub.escalations.service.evaluate' AND created_at >= %s",
                (state["tenant_id"], since)).fetchall())
            stuck = conn.execute(
                "SELECT o.id, o.status, o.attempts, (o.args->>'ticket_id')::int FROM outbox o WHERE o.tenant_id = %s "
                "AND o.status <> 'done' AND o.created_at >= %s ORDER BY o.id", (state["tenant_id"], since)).fetchall()
            alerts = conn.execute("SELECT count(*) FROM alerts WHERE tenant_id = %s AND created_at >= %s",
                                  (state["tenant_id"], since)).fetchone()[0]
        workers.stop()
        profile = job_profile(app, counter, client, headers, facts, project, owner_url, state["tenant_id"],
                              args.profile_jobs, n + args.burst) if args.profile_jobs else None
        app.extensions["servicehub.db"].engine.dispose()
    finally:
        if watcher is not None:
            watcher.halt.set()
        workers.stop()
        try:
            connection.flushdb()
        except Exception:  # noqa: BLE001
            pass
    print("workers stopped")

    job_of_ticket = {ticket: jobs["timing"].get(message) for message, ticket in message_ticket.items()}
    out = {"workers": args.workers, "variant": args.worker_variant, "profile": profile, "phases": {}, "outbox": outbox,
           "stuck": stuck, "results": jobs["results"], "failed_jobs": jobs["failed"], "alerts": alerts,
           "warm": args.warm, "logdir": str(logdir)}
    for name, phase in phases.items():
        rows = [(tid, samples[tid]) for tid in phase["ids"]]
        post_ms = [s["post_ms"] for _tid, s in rows]
        created, seen, parts = [], [], defaultdict(list)
        for tid, s in rows:
            if tid in watcher.seen:
                seen_at, created_at = watcher.seen[tid]
                created.append(created_at - s["t_post"])
                seen.append(seen_at - s["t_post"])
                timing = job_of_ticket.get(tid)
                if timing and all(timing):
                    enq, start, end = timing
                    parts["request"].append((enq - s["t_post"]) * 1000)
                    parts["queue"].append((start - enq) * 1000)
                    parts["job"].append((created_at - start) * 1000)
                    parts["after"].append((end - created_at) * 1000)
        ends = sorted(t[2] for tid, _s in rows if (t := job_of_ticket.get(tid)) and all(t))
        served = (len(ends) - 1) / (ends[-1] - ends[0]) if len(ends) > 1 and ends[-1] > ends[0] else float("nan")
        depth = [(t, d) for t, d in watcher.depth if phase["t_start"] <= t <= phase["drained_at"]]
        waiting = [sum(d) for _t, d in depth]
        out["phases"][name] = {
            "n": len(rows), "rate": phase["achieved_rate"], "posting_s": phase["posting_s"],
            "missing": phase["missing"], "post": stats(post_ms), "created": stats(created), "seen": stats(seen),
            "parts": {k: stats(v) for k, v in parts.items()},
            "depth_max": max(waiting, default=0), "depth_mean": statistics.fmean(waiting) if waiting else 0,
            "depth_escalations_max": max((d[0] for _t, d in depth), default=0),
            "drain_s": phase["drained_at"] - phase["t_end"], "served_rate": served}
    return out


# --- part 2: the SLA sweep -----------------------------------------------------------------------------------


def prepare_due(owner_url: str, tenant_id: int, n_due: int) -> dict:
    """Exactly `n_due` open tickets due for response; every other open ticket due two hours ahead or
    later. Returns facts about the data."""
    with psycopg.connect(raw(owner_url), autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('bench_sweep_due') IS NOT NULL").fetchone()[0]
        if exists:
            reset(conn, restore_only=True)
            conn.execute("DROP TABLE bench_sweep_due")
        now = datetime.now(timezone.utc)
        horizon = now + timedelta(hours=2)
        conn.execute("SELECT setseed(0.2026)")
        open_before = conn.execute(f"SELECT count(*) FROM tickets WHERE tenant_id = %s AND status IN {OPEN}",
                                   (tenant_id,)).fetchone()[0]
        chosen = [r[0] for r in conn.execute(
            f"SELECT id FROM tickets WHERE tenant_id = %s AND status IN {OPEN} ORDER BY random() LIMIT %s",
            (tenant_id, n_due)).fetchall()]
        reopened = 0
        if len(chosen) < n_due:  # a small database: open up the most recent closed tickets
            extra = [r[0] for r in conn.execute(
                "SELECT id FROM tickets WHERE tenant_id = %s AND status = 'closed' ORDER BY created_at DESC LIMIT %s",
                (tenant_id, n_due - len(chosen))).fetchall()]
            conn.execute("UPDATE tickets SET status = 'in_progress', resolved_at = NULL, closed_at = NULL, "
                         "satisfaction = NULL WHERE id = ANY(%s)", (extra,))
            chosen += extra
            reopened = len(extra)
        with conn.transaction():
            conn.execute(
                "UPDATE tickets SET responded_at = NULL, response_breached_at = NULL, resolve_breached_at = NULL, "
                "response_due_at = %(now)s - (60 + random() * 3540) * interval '1 second', "
                "resolve_due_at = %(horizon)s + random() * interval '5 days' WHERE id = ANY(%(ids)s)",
                {"now": now, "horizon": horizon, "ids": chosen})
            others = conn.execute(
                f"UPDATE tickets SET response_breached_at = NULL, resolve_breached_at = NULL, "
                f"response_due_at = CASE WHEN responded_at IS NULL AND response_due_at < %(horizon)s "
                f"  THEN %(horizon)s + random() * interval '1 day' ELSE response_due_at END, "
                f"resolve_due_at = CASE WHEN resolve_due_at < %(horizon)s "
                f"  THEN %(horizon)s + interval '1 day' + random() * interval '5 days' ELSE resolve_due_at END "
                f"WHERE tenant_id = %(t)s AND status IN {OPEN} AND id <> ALL(%(ids)s) "
                f"AND (response_breached_at IS NOT NULL OR resolve_breached_at IS NOT NULL "
                f"  OR (responded_at IS NULL AND response_due_at < %(horizon)s) OR resolve_due_at < %(horizon)s)",
                {"horizon": horizon, "t": tenant_id, "ids": chosen}).rowcount
            conn.execute("CREATE TABLE bench_sweep_due AS SELECT id, sla_breached, escalation_level, version, updated_at "
                         "FROM tickets WHERE id = ANY(%s)", (chosen,))
            conn.execute("ALTER TABLE bench_sweep_due ADD PRIMARY KEY (id)")
        levels = dict(conn.execute("SELECT escalation_level, count(*) FROM bench_sweep_due GROUP BY 1").fetchall())
        conn.execute("VACUUM (ANALYZE) tickets")
        facts = conn.execute(
            f"SELECT count(*) FILTER (WHERE status IN {OPEN}), "
            f"count(*) FILTER (WHERE status IN {OPEN} AND responded_at IS NULL AND response_breached_at IS NULL), "
            f"count(*) FILTER (WHERE status IN {OPEN} AND resolve_breached_at IS NULL) FROM tickets WHERE tenant_id = %s",
            (tenant_id,)).fetchone()
        sizes = dict(conn.execute(
            "SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid)) FROM pg_class c "
            "WHERE c.relname IN ('ix_tickets_sweep_response', 'ix_tickets_sweep_resolve', 'tickets')").fetchall())
    return {"open_before": open_before, "open": facts[0], "response_index_rows": facts[1],
            "resolve_index_rows": facts[2], "reopened": reopened, "others_moved": others, "levels": levels,
            "sizes": sizes, "due": len(chosen)}


def reset(conn, restore_only: bool = False) -> None:
    """Undo a sweep: marks, levels and versions back, its events, escalations and notifications gone."""
    conn.execute("UPDATE tickets t SET response_breached_at = NULL, resolve_breached_at = NULL, "
                 "sla_breached = d.sla_breached, escalation_level = d.escalation_level, version = d.version, "
                 "updated_at = d.updated_at FROM bench_sweep_due d WHERE t.id = d.id")
    conn.execute("DELETE FROM notifications WHERE kind IN ('sla_breached', 'sla_digest')")
    conn.execute("DELETE FROM escalations WHERE rule IN ('sla_response', 'sla_resolution')")
    # The timeline is append-only (a trigger); the owner deletes the benchmark's own events past it.
    conn.execute("SET session_replication_role = replica")
    conn.execute("DELETE FROM ticket_events WHERE kind = 'sla_breached'")
    conn.execute("SET session_replication_role = origin")
    if restore_only:
        return
    for table in ("tickets", "notifications", "escalations", "ticket_events"):
        conn.execute(f"VACUUM (ANALYZE) {table}")
    conn.execute("CHECKPOINT")


def due_counts(conn, tenant_id: int) -> tuple[int, int]:
    return conn.execute(
        f"SELECT count(*) FILTER (WHERE responded_at IS NULL AND response_breached_at IS NULL AND response_due_at < now()), "
        f"count(*) FILTER (WHERE resolve_breached_at IS NULL AND resolve_due_at < now()) "
        f"FROM tickets WHERE tenant_id = %s AND status IN {OPEN}", (tenant_id,)).fetchone()


def label(statement: str) -> str:
    s = " ".join(statement.split())
    upper = s.upper()
    if upper.startswith("SELECT SET_CONFIG"):
        return "set_config (tenant for RLS, each transaction)"
    if upper.startswith("INSERT INTO"):
        return "INSERT " + s.split()[2]
    if upper.startswith("UPDATE TICKETS SET ESCALATION_LEVEL"):
        return "UPDATE tickets (escalation_level)"
    if upper.startswith("UPDATE"):
        return "UPDATE " + s.split()[1] + " (marks)"
    match = re.search(r"\bFROM (\w+)", s)
    table = match.group(1) if match else "?"
    if "FOR UPDATE" in upper:
        return f"SELECT {table} … FOR UPDATE SKIP LOCKED"
    return f"SELECT {table}"


class Profiler:
    """Times every statement (executemany counted once, with its rows) and every commit of a session."""

    def __init__(self, engine):
        self.engine, self.rows, self.log, self.commits = engine, [], [], []
        self._t = None
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn, _cursor, statement, parameters, _context, executemany):
        self._t = time.perf_counter()

    def _after(self, _conn, _cursor, statement, parameters, _context, executemany):
        ms = (time.perf_counter() - self._t) * 1000
        n = len(parameters) if executemany else 1
        self.rows.append((label(statement), ms, n))
        self.log.append((statement, parameters))

    def watch(self, session):
        marks = {}
        event.listen(session, "before_commit", lambda s: marks.__setitem__("t", time.perf_counter()))
        event.listen(session, "after_commit", lambda s: self.commits.append((time.perf_counter() - marks["t"]) * 1000))

    def clear(self):
        self.rows, self.log, self.commits = [], [], []

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def _nodes(node):
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def plan_summary(plan: dict) -> dict:
    chain, scans = [], []
    for node in _nodes(plan["Plan"]):
        chain.append(node["Node Type"])
        if "Relation Name" in node or "Index Name" in node:
            rows = node["Actual Rows"] * node["Actual Loops"]
            if node["Node Type"] == "ModifyTable":
                scans.append({"text": f"{node.get('Operation', 'Modify')} on `{node['Relation Name']}`",
                              "cond": None, "filter": None})
                continue
            text = node["Node Type"] + (f" using `{node['Index Name']}`" if "Index Name" in node else
                                        f" on `{node['Relation Name']}`") + f": {rows:,.0f} rows"
            if node.get("Rows Removed by Filter"):
                text += f", {node['Rows Removed by Filter'] * node['Actual Loops']:,.0f} removed by filter"
            scans.append({"text": text, "cond": node.get("Index Cond"), "filter": node.get("Filter")})
    root = plan["Plan"]
    return {"chain": " → ".join(chain), "scans": scans, "ms": plan["Execution Time"], "planning_ms": plan["Planning Time"],
            "hit": root.get("Shared Hit Blocks", 0), "read": root.get("Shared Read Blocks", 0),
            "seq_scan": any(n["Node Type"] == "Seq Scan" for n in _nodes(root))}


def explain(app_url: str, tenant_id: int, statement: str, params) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) as the runtime role with the tenant set for the session."""
    with psycopg.connect(raw(app_url)) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", (str(tenant_id),))
        conn.commit()
        text_plan = [r[0] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)]
        conn.rollback()
        json_plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, params).fetchone()[0][0]
        conn.rollback()
    return {"text": text_plan, **plan_summary(json_plan)}


def sweep_function(spec: str | None):
    """`servicehub.sla.sweep.sweep`, or `path/to/file.py:function` / `module:function` (a variant to compare)."""
    if not spec:
        from servicehub.sla.sweep import sweep

        return sweep
    where, name = spec.rsplit(":", 1)
    if where.endswith(".py"):
        module_spec = importlib.util.spec_from_file_location("sweep_variant", where)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    return getattr(module, name)


def sweep_bench(args, state: dict, owner_url: str, app_url: str) -> dict:
    from servicehub.sla.sweep import BATCH

    sweep = sweep_function(args.sweep_func)

    tenant_id = state["tenant_id"]
    t0 = time.perf_counter()
    data = prepare_due(owner_url, tenant_id, args.due)
    data["prepare_s"] = time.perf_counter() - t0
    print(f"due set prepared in {data['prepare_s']:.1f} s: {data['due']:,} due of {data['open']:,} open tickets "
          f"(response index {data['response_index_rows']:,} rows, resolve index {data['resolve_index_rows']:,}); "
          f"levels {data['levels']}")
    app, _counter = build_app(app_url)
    engine = app.extensions["servicehub.db"].engine
    profiler = Profiler(engine)
    runs = []
    select_stmt = update_stmt = None
    try:
        with psycopg.connect(raw(owner_url), autocommit=True) as owner:
            for k in range(args.sweeps):
                reset(owner)
                due = due_counts(owner, tenant_id)
                if due != (data["due"], 0):
                    raise SystemExit(f"expected {data['due']} tickets due for response and none for resolution, got {due}")
                profiler.clear()
                lsn = owner.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
                with app.app_context():
                    session = app.extensions["servicehub.db"].sessionmaker()
                    profiler.watch(session)
                    t = time.perf_counter()
                    done = sweep(session, tenant_id)
                    seconds = time.perf_counter() - t
                    session.close()
                wal = owner.execute("SELECT pg_current_wal_lsn() - %s::pg_lsn", (lsn,)).fetchone()[0]
                created = owner.execute(
                    "SELECT (SELECT count(*) FROM ticket_events WHERE kind = 'sla_breached'), "
                    "(SELECT count(*) FROM escalations WHERE rule = 'sla_response'), "
                    "(SELECT count(*) FROM notifications WHERE kind = 'sla_breached'), "
                    "(SELECT count(*) FROM notifications WHERE kind = 'sla_digest'), "
                    "(SELECT count(*) FROM tickets t JOIN bench_sweep_due d USING (id) "
                    " WHERE t.response_breached_at IS NOT NULL)").fetchone()
                by_label = defaultdict(lambda: [0, 0.0, 0])
                for name, ms, n in profiler.rows:
                    entry = by_label[name]
                    entry[0] += 1
                    entry[1] += ms
                    entry[2] += n
                run = {"seconds": seconds, "done": done, "statements": len(profiler.rows),
                       "server_rows": sum(n for _l, _ms, n in profiler.rows), "commits": list(profiler.commits),
                       "profile": {k2: tuple(v) for k2, v in by_label.items()},
                       "events": created[0], "escalations": created[1], "notes": created[2], "digests": created[3],
                       "marked": created[4], "wal_mb": float(wal) / 1e6}
                runs.append(run)
                sql_ms = sum(ms for _l, ms, _n in profiler.rows)
                print(f"sweep {k + 1}: {seconds * 1000:.0f} ms, {done}, {run['statements']} statements "
                      f"(SQL {sql_ms:.0f} ms, commits {sum(run['commits']):.0f} ms, WAL {run['wal_mb']:.0f} MB); "
                      f"events {created[0]:,}, "
                      f"escalations {created[1]:,}, notes {created[2]:,} + {created[3]:,} digests, marked {created[4]:,}")
                if select_stmt is None:
                    for statement, params in profiler.log:
                        upper = statement.upper()
                        if select_stmt is None and "FOR UPDATE" in upper and "RESPONSE_DUE_AT" in upper:
                            select_stmt = (statement, params)
                        if update_stmt is None and label(statement) == "UPDATE tickets (marks)":
                            update_stmt = (statement, params)
            plans = {}
            reset(owner)
            if select_stmt:
                plans["select"] = explain(app_url, tenant_id, *select_stmt)
            if update_stmt:
                plans["update"] = explain(app_url, tenant_id, *update_stmt)
            resolve_stmt = None
            for statement, params in profiler.log:
                if "FOR UPDATE" in statement.upper() and "RESOLVE_DUE_AT" in statement.upper():
                    resolve_stmt = (statement, params)
                    break
            if resolve_stmt:
                plans["select_resolve"] = explain(app_url, tenant_id, *resolve_stmt)
            for name, p in plans.items():
                print(f"\n--- EXPLAIN (ANALYZE, BUFFERS) of the sweep's {name} statement as servicehub_app")
                print("\n".join(p["text"]))
    finally:
        profiler.close()
        engine.dispose()
    times = [r["seconds"] for r in runs]
    return {"data": data, "runs": runs, "median": statistics.median(times), "max": max(times), "plans": plans,
            "func": args.sweep_func or "servicehub.sla.sweep.sweep",
            "batch": BATCH, "select_sql": select_stmt[0] if select_stmt else None}


# --- report ----------------------------------------------------------------------------------------------------



def _s(x: float) -> str:
    return f"{x:.2f}" if x == x else "–"


def render(args, state: dict, lat: dict | None, sw: dict | None, server: str, load: float,
           pressure: dict) -> str:
    lines = [TITLE, "",
             f"Run {datetime.now():%Y-%m-%d %H:%M} on {machine()}; {server}; Python {platform.python_version()}; "
             f"load average {load:.2f} before the run (client, app, workers, Redis and the database share the cores)."
             + "".join(f" CPU pressure during the {k} {v:.0f} % (PSI `some`)." for k, v in pressure.items()
                       if v is not None),
             f"Dataset: the database of `bench/tickets.py` ({state['tickets']:,} tickets in one tenant, 60 projects, "
             f"seeded with COPY in {state['seed_seconds']} s), the hq user with an email address and a phone.", ""]
    if lat:
        steady, burst = lat["phases"]["steady"], lat["phases"]["burst"]
        verdict = "met" if steady["created"]["p99"] < LATENCY_TARGET_S and not steady["missing"] else "**missed**"
        lines += [
            "### Escalation: POST of a major complaint → the hq's inbox",
            "",
            (f"{lat['workers']} worker processes (`servicehub worker`, RQ's forking worker: one work horse per job), "
             if not lat["variant"] else f"{lat['workers']} worker processes of the variant `{lat['variant']}` "
             "(an experiment, not `servicehub worker`), ") +
            "Redis on localhost, the app in the benchmark process (`Settings(redis_url=…, jobs_inline=False)`), "
            "`POST /api/v1/tickets` as the project agent of P01 through `app.test_client()` (a major complaint, "
            "the 17 complaint categories in turn). Each complaint makes three jobs: `escalations.evaluate` "
            "(the rule, the escalation, the hq's inbox row, the group-complaint watch) on queue `escalations`, "
            "then the email and the text to the hq user on `notifications` (log backends). "
            f"{lat['warm']} untimed warm-up complaints first. Latency = the worker's `notifications.created_at` − the "
            "wall-clock time the client started the POST (same machine, same clock); \"seen\" = when a poll "
            f"every {POLL_S * 1000:.0f} ms (as the owner) first saw the row committed. Queue depth = jobs waiting in "
            "the RQ lists, sampled every 50 ms. Seconds:",
            "",
            "| phase | complaints | posted /s | evaluated /s | POST p50 / p95 / p99 ms | POST → inbox row p50 | p95 | "
            "p99 | max | POST → seen p99 | queue depth max / mean | target (p99 < 2 s) |",
            "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---|"]
        for name, ph in lat["phases"].items():
            target = verdict if name == "steady" else "–"
            lines.append(
                f"| {name} | {ph['n']} | {ph['rate']:.1f} | {ph['served_rate']:.1f} | "
                f"{ph['post']['p50']:.0f} / {ph['post']['p95']:.0f} / "
                f"{ph['post']['p99']:.0f} | {_s(ph['created']['p50'])} | {_s(ph['created']['p95'])} | "
                f"{_s(ph['created']['p99'])} | {_s(ph['created']['max'])} | {_s(ph['seen']['p99'])} | "
                f"{ph['depth_max']} / {ph['depth_mean']:.1f} | {target}"
                + (f"; **{len(ph['missing'])} never arrived**" if ph["missing"] else "") + " |")
        lines += ["", "Where the time goes, from RQ's timestamps of the `evaluate` jobs (ms, p50 / p99): "
                  "request = POST start → enqueued (the request, its commit, the enqueue in the teardown); "
                  "queue = enqueued → the work horse started (waiting behind other jobs, the fork); job = started → the "
                  "inbox row written (connection, tenant, rules, escalation, inbox row, group-complaint watch):", "",
                  "| phase | request | queue | job | inbox row → job ended (commit) |", "|---|---:|---:|---:|---:|"]
        for name, ph in lat["phases"].items():
            p = ph["parts"]
            if not p:
                continue
            lines.append(f"| {name} | " + " | ".join(
                f"{p[k]['p50']:.0f} / {p[k]['p99']:.0f}" for k in ("request", "queue", "job", "after")) + " |")
        if lat["profile"]:
            pr = lat["profile"]
            lines += ["", f"The same `evaluate` job run in the benchmark process after the workers stopped (no fork, no "
                      f"queue; {pr['warm']['n'] + pr['cold']['n']} complaints): {pr['statements']:.0f} SQL statements, "
                      f"p50 {pr['warm']['p50']:.0f} ms (max {pr['warm']['max']:.0f}) on the pool's connection, "
                      f"p50 {pr['cold']['p50']:.0f} ms (max {pr['cold']['max']:.0f}) on a new connection (a new server "
                      "backend, as each forked work horse has)."]
        outbox = ", ".join(f"{h.rsplit('.', 1)[1]} {s} {n}" for h, s, n in lat["outbox"])
        results = ", ".join(f"{q}: {v} {n}" for (q, v), n in sorted(lat["results"].items()))
        lines += ["", f"Outbox after the run: {outbox}. Job results: {results}; failed jobs {lat['failed_jobs']}. "
                  f"Group-complaint alerts raised on the way: {lat['alerts']}."]
        if lat["stuck"]:
            kinds = Counter((handler.rsplit(".", 1)[1], status) for handler, status, n in lat["outbox"]
                            for _ in range(n) if status != "done")
            lines.append("Not done when the workers were stopped: "
                         + ", ".join(f"{n} `{h}` {st}" for (h, st), n in kinds.items())
                         + " (a `dispatched` message is in an RQ queue or was lost by a job; the escalations queue "
                         "is served first, so the emails and texts wait while escalations keep coming).")
        lines.append("")
    if sw:
        d = sw["data"]
        runs = sw["runs"]
        verdict = "met" if sw["max"] < SWEEP_TARGET_S else ("median met, max **missed**" if sw["median"] < SWEEP_TARGET_S
                                                             else "**missed**")
        first = runs[0]
        lines += [
            f"### The SLA sweep: {state['tickets']:,} tickets, {d['due']:,} due",
            "",
            f"Prepared as the owner: {d['due']:,} open tickets due for response (`responded_at` NULL, due 1–60 minutes "
            f"ago, no marks, resolution due hours ahead)"
            + (f", {d['reopened']:,} of them recent closed tickets reopened (the database has too few open ones)"
               if d["reopened"] else "")
            + f"; the {d['open'] - d['due']:,} other open tickets due two hours ahead or later ({d['others_moved']:,} "
            f"moved). The partial indexes then hold {d['response_index_rows']:,} (`ix_tickets_sweep_response`, "
            f"{d['sizes'].get('ix_tickets_sweep_response', '?')}) and {d['resolve_index_rows']:,} "
            f"(`ix_tickets_sweep_resolve`, {d['sizes'].get('ix_tickets_sweep_resolve', '?')}) entries; the table is "
            f"{d['sizes'].get('tickets', '?')}. Escalation levels of the due tickets: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(d["levels"].items())) + ". "
            f"Before each run: marks and levels restored, the sweep's rows deleted, VACUUM ANALYZE, CHECKPOINT (so "
            f"every page the sweep touches first writes a full-page image to the WAL, as it mostly does in production "
            f"with checkpoints every few minutes and a sweep every minute). "
            f"Timed: `{sw['func']}(session, tenant_id)` on a session of the app (runtime role, "
            f"row-level security), batches of {sw['batch']:,}, wall-clock.",
            "",
            "| run | seconds | marked | statements (server statements) | SQL ms | commits ms | WAL MB | events | "
            "escalations | notes + digests |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for i, r in enumerate(runs, 1):
            sql_ms = sum(v[1] for v in r["profile"].values())
            lines.append(f"| {i} | {r['seconds']:.3f} | {r['done']['response']:,} | {r['statements']} "
                         f"({r['server_rows']:,}) | {sql_ms:.0f} | {sum(r['commits']):.0f} | {r['wal_mb']:.0f} | "
                         f"{r['events']:,} | "
                         f"{r['escalations']:,} | {r['notes']:,} + {r['digests']:,} |")
        lines += ["", f"**Median {sw['median']:.3f} s, max {sw['max']:.3f} s** (target < 1 s: {verdict}).", "",
                  "Per statement kind, the median run's own numbers (an executemany is one execution and as many "
                  "server statements as rows):", "", "| statement | executions | server statements | ms |",
                  "|---|---:|---:|---:|"]
        median_run = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        for name, (count, ms, n) in sorted(median_run["profile"].items(), key=lambda kv: -kv[1][1]):
            lines.append(f"| {name} | {count} | {n:,} | {ms:.0f} |")
        sql_ms = sum(v[1] for v in median_run["profile"].values())
        lines.append(f"| commits | {len(median_run['commits'])} | | {sum(median_run['commits']):.0f} |")
        lines.append(f"| Python (the rest) | | | {median_run['seconds'] * 1000 - sql_ms - sum(median_run['commits']):.0f} |")
        if sw["plans"]:
            lines += ["", "`EXPLAIN (ANALYZE, BUFFERS)` as `servicehub_app` with `set_config('app.tenant_id', …, "
                      "false)`, the due set in place (the UPDATE rolled back):", "",
                      "| statement | plan | scans | buffers hit / read | ms | sequential scan |",
                      "|---|---|---|---:|---:|---|"]
            names = {"select": "sweep SELECT (response, first batch)", "select_resolve": "sweep SELECT (resolution)",
                     "update": "UPDATE tickets (marks, first batch)"}
            for key, p in sw["plans"].items():
                lines.append(f"| {names[key]} | {p['chain']} | " + "; ".join(s["text"] for s in p["scans"])
                             + f" | {p['hit']:,} / {p['read']:,} | {p['ms']:.1f} | {'**yes**' if p['seq_scan'] else 'no'} |")
            if "select" in sw["plans"]:
                lines += ["", "The response SELECT's plan:", "", "```", *sw["plans"]["select"]["text"], "```"]
    lines += ["", "Run it (PostgreSQL on 127.0.0.1:5432 as `postgres`, Redis on 127.0.0.1:6379):", "", "```bash",
              "make bench-background                               # seeds 2,000,000 tickets (~1 min), measures, drops",
              ".venv/bin/python bench/background.py --smoke        # 20,000 tickets, under a minute, writes nothing",
              ".venv/bin/python bench/background.py --only sweep --keep   # one part; keep the database for the next run",
              "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=2_000_000)
    parser.add_argument("--smoke", action="store_true", help="20,000 tickets and small counts: under a minute")
    parser.add_argument("--due", type=int, help="tickets due for the sweep (10,000; 1,000 in smoke mode)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, help="complaints per second in the steady phase (8; 10 in smoke mode)")
    parser.add_argument("--complaints", type=int, help="complaints in the steady phase (300; 30 in smoke mode)")
    parser.add_argument("--burst", type=int, help="complaints posted back to back (100; 20 in smoke mode)")
    parser.add_argument("--warm", type=int, default=10, help="untimed complaints first")
    parser.add_argument("--profile-jobs", type=int, help="evaluate jobs run in-process after the workers stopped "
                        "(20; 6 in smoke mode; 0: none)")
    parser.add_argument("--sweeps", type=int, help="timed sweeps (5; 2 in smoke mode)")
    parser.add_argument("--only", choices=("latency", "sweep"))
    parser.add_argument("--sweep-func", help="time another sweep (file.py:function or module:function) instead of "
                        "servicehub.sla.sweep.sweep, to compare a variant; implies --no-write")
    parser.add_argument("--worker-variant", choices=sorted(WORKER_VARIANTS),
                        help="run the workers as this variant instead of `servicehub worker`, to compare "
                        "(simple: RQ SimpleWorker, no fork per job; fork-configured: mappers configured before "
                        "forking); implies --no-write")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
                        help="a Redis database of the benchmark's own: it is flushed")
    parser.add_argument("--database", help="default servicehub_bench_background (_small in smoke mode)")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (default: drop it)")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md also in smoke mode")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--output", default=str(REPO / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    if args.smoke:
        args.tickets = min(args.tickets, 20_000)
    small = args.tickets < SMALL
    args.due = args.due or (1_000 if small else 10_000)
    args.rate = args.rate or (10.0 if small else 8.0)
    args.complaints = args.complaints or (30 if small else 300)
    args.burst = args.burst or (20 if small else 100)
    args.sweeps = args.sweeps or (2 if small else 5)
    args.profile_jobs = args.profile_jobs if args.profile_jobs is not None else (6 if small else 20)
    args.warm = min(args.warm, 5) if small else args.warm
    args.database = args.database or ("servicehub_bench_background_small" if small else "servicehub_bench_background")
    write = not args.no_write and (args.write or not small) and args.only is None and not args.sweep_func \
        and not args.worker_variant

    started = time.perf_counter()
    tickets_bench = _load_tickets_bench()
    try:
        state = tickets_bench.ensure_seeded(args.database, args.tickets, args.reseed)
        owner_url, app_url = urls(args.database)
        facts = org_facts(owner_url, state)
        load = os.getloadavg()[0]
        pressure = {}
        lat = sw = None
        if args.only in (None, "latency"):
            cpu = CpuPressure()
            lat = latency(args, state, facts, owner_url, app_url)
            pressure["latency runs"] = cpu.percent()
            for name, ph in lat["phases"].items():
                print(f"{name:7} n={ph['n']:4} rate {ph['rate']:5.1f}/s served {ph['served_rate']:5.1f}/s  POST p50 {ph['post']['p50']:6.1f} "
                      f"p99 {ph['post']['p99']:6.1f} ms | POST→inbox p50 {ph['created']['p50']:.3f} "
                      f"p95 {ph['created']['p95']:.3f} p99 {ph['created']['p99']:.3f} max {ph['created']['max']:.3f} s "
                      f"| seen p99 {ph['seen']['p99']:.3f} s | queue max {ph['depth_max']} mean {ph['depth_mean']:.1f}"
                      + (f" | MISSING {len(ph['missing'])}" if ph["missing"] else ""))
                for part, s in ph["parts"].items():
                    print(f"        {part:8} p50 {s['p50']:7.1f}  p99 {s['p99']:7.1f}  max {s['max']:7.1f} ms")
            if lat["profile"]:
                pr = lat["profile"]
                print(f"evaluate in-process: warm connection p50 {pr['warm']['p50']:.1f} max {pr['warm']['max']:.1f} ms, "
                      f"new connection p50 {pr['cold']['p50']:.1f} max {pr['cold']['max']:.1f} ms, "
                      f"{pr['statements']:.0f} statements")
            print("outbox:", lat["outbox"])
            print("job results:", dict(lat["results"]), "failed:", lat["failed_jobs"])
            if lat["stuck"]:
                print("NOT DONE:", lat["stuck"][:20])
        if args.only in (None, "sweep"):
            cpu = CpuPressure()
            sw = sweep_bench(args, state, owner_url, app_url)
            pressure["sweeps"] = cpu.percent()
            print(f"\nsweep of {sw['data']['due']:,} due among {args.tickets:,}: median {sw['median']:.3f} s, "
                  f"max {sw['max']:.3f} s")
        section = render(args, state, lat, sw, server_facts(owner_url), load, pressure)
        publish(section, args.output, write=write, smoke=small and not args.no_write)
    finally:
        if not args.keep:
            drop_database(args.database)
            print(f"dropped database {args.database}")
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
