"""Helpers of the real-Redis tests: clean RQ state, bounded waits, workers, and reading the outbox."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy import func, select

from servicehub.db import bind_tenant
from servicehub.jobs import QUEUES
from servicehub.jobs.outbox import OutboxMessage, new_session
from tests.conftest import REDIS_URL

REPO = Path(__file__).resolve().parents[2]
TICKETS = "/api/v1/tickets"


def clear_rq(connection: Redis) -> None:
    """Every queue of the app empty, with its registries (jobs included)."""
    for name in QUEUES:
        queue = Queue(name, connection=connection)
        queue.empty()
        for registry in (queue.started_job_registry, queue.finished_job_registry, queue.failed_job_registry,
                         queue.deferred_job_registry, queue.scheduled_job_registry, queue.canceled_job_registry):
            for job_id in registry.get_job_ids(cleanup=False):
                connection.delete(Job.key_for(job_id), f"{Job.key_for(job_id)}:dependents", f"rq:results:{job_id}")
            connection.delete(registry.key)


def wait_for(condition, *, timeout: float = 30, what: str = "condition"):
    """Poll `condition` until it returns something truthy (returned) or the deadline passes (fails)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def connection() -> Redis:
    return Redis.from_url(REDIS_URL)


def drain(app, redis: Redis | None = None) -> None:
    """A real RQ worker (in this process, inside the app's context) over every queue, until they are empty."""
    redis = redis or app.extensions["servicehub.redis"]
    with app.app_context():
        worker = SimpleWorker([Queue(name, connection=redis) for name in QUEUES], connection=redis)
        assert worker.work(burst=True) is True  # it did some work


def queued(redis: Redis, name: str) -> list[Job]:
    return Queue(name, connection=redis).get_jobs()


def messages(app, tenant_id: int, handler: str | None = None) -> list[dict]:
    """The tenant's outbox messages, oldest first, as plain dicts."""
    session = new_session(app)
    try:
        bind_tenant(session, tenant_id)
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if handler:
            stmt = stmt.where(OutboxMessage.handler == handler)
        return [{c: getattr(m, c) for c in ("id", "queue", "handler", "args", "status", "attempts", "available_at",
                                             "dispatched_at", "done_at", "last_error")}
                for m in session.scalars(stmt)]
    finally:
        session.close()


def count(app, tenant_id: int, model, *where) -> int:
    session = new_session(app)
    try:
        bind_tenant(session, tenant_id)
        return session.scalar(select(func.count()).select_from(model).where(*where))
    finally:
        session.close()


def set_contact(app, tenant_id: int, user_id: int, **values) -> None:
    """Give a user an email address or a phone number."""
    from servicehub.users.models import User

    session = new_session(app)
    try:
        bind_tenant(session, tenant_id)
        user = session.get(User, user_id)
        for name, value in values.items():
            setattr(user, name, value)
        session.commit()
    finally:
        session.close()


def major_complaint(client, world, **fields):
    body = {"type": "complaint", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": "外墙大面积渗水",
            "description": "多户业主联名投诉外墙渗水。", "is_major": True, **fields}
    return client.post(TICKETS, json=body, headers=world.headers("pa1"))


def worker_env(db_url: str, redis_url: str = REDIS_URL) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SERVICEHUB_", "PYTEST"))}
    env.update(DATABASE_URL=db_url, MIGRATION_DATABASE_URL=db_url, REDIS_URL=redis_url, LOG_LEVEL="WARNING",
               JWT_SECRET_KEY="worker-test-secret-key-long-enough-for-hs256", SERVICEHUB_ENV="test",
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
    return env


def dead(pid: int) -> bool:
    """The process is gone or a zombie (its parent was killed and nobody reaps it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def descendants(pid: int) -> list[int]:
    """Live descendants of a process (a worker's work horses, its cron process), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, of in parents.items() if of == parent]
        found.extend(children)
        frontier.extend(children)
    return [p for p in found if not dead(p)]


def kill_tree(pid: int) -> list[int]:
    """SIGKILL a process started in a session of its own, its group and every descendant's group (RQ
    runs a work horse in a process group of its own); returns the pids it aimed at."""
    import signal

    targets = [pid, *descendants(pid)]
    for target in targets:
        for kill in (os.killpg, os.kill):
            try:
                kill(target, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    return targets


def forget_workers(redis: Redis, *pids: int) -> None:
    """Drop the registrations a killed worker left in Redis."""
    from rq import Worker

    for worker in Worker.all(connection=redis):
        if worker.pid in pids:
            worker.register_death()
            redis.delete(worker.key)


def clear_cron(redis: Redis) -> None:
    """What RQ's cron scheduler keeps in Redis (its registrations, the jobs' histories)."""
    keys = list(redis.scan_iter("rq:cron*"))
    if keys:
        redis.delete(*keys)
