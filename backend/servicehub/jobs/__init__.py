"""Background work on RQ.

Queues by purpose; a job is given ids and the tenant, never ORM objects. When REDIS_URL is not set
(the quick local run) jobs run in-process, right after the request that asked for them.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from flask import Flask

from servicehub.config import Settings

QUEUES = ("escalations", "notifications", "default", "scheduled")

log = logging.getLogger(__name__)


def init_jobs(app: Flask, settings: Settings) -> None:
    if settings.redis_url and not settings.jobs_inline:
        from redis import Redis

        app.extensions["servicehub.redis"] = Redis.from_url(
            settings.redis_url, socket_connect_timeout=2, socket_timeout=5
        )
    else:
        app.extensions["servicehub.redis"] = None


def run_worker(app: Flask, *, with_scheduler: bool, burst: bool = False, fork: bool = False) -> None:
    """Run an RQ worker over every queue (and, on one worker, RQ's scheduler).

    Jobs run in the worker process itself (RQ's SimpleWorker) unless `fork`: a forked work horse per
    job starts a process, opens a database connection and prepares its statements every time
    (250–300 ms for an escalation that takes 30 ms), which caps a worker at a few jobs a second.
    Every job opens its own session and app context, so nothing leaks from one job to the next; a
    job that crashes the interpreter takes the worker down and the process manager restarts it
    (the outbox relay re-sends what it was doing)."""
    from rq import Queue, SimpleWorker, Worker

    connection = app.extensions["servicehub.redis"]
    if connection is None:
        raise SystemExit("REDIS_URL is not set: jobs run in-process inside `servicehub serve`.")
    queues = [Queue(name, connection=connection) for name in QUEUES]
    cron = None
    if with_scheduler and not burst:
        import multiprocessing

        from servicehub.jobs.schedule import run_cron

        cron = multiprocessing.Process(target=run_cron, args=(app.config["SERVICEHUB"].redis_url,),
                                       name="servicehub-cron", daemon=True)
        cron.start()
    try:
        with app.app_context():
            worker = (Worker if fork else SimpleWorker)(queues, connection=connection, name=None)
            log.info("worker listening on %s (scheduler: %s)", ", ".join(QUEUES), with_scheduler)
            worker.work(with_scheduler=with_scheduler, burst=burst)
    finally:
        if cron is not None:
            cron.terminate()
            cron.join(5)


def heartbeat(queue: str) -> str:
    """A job that proves a worker serves `queue`: records the time in Redis and returns it."""
    from datetime import datetime, timezone

    from rq import get_current_job

    stamp = datetime.now(timezone.utc).isoformat()
    get_current_job().connection.set(f"servicehub:heartbeat:{queue}", stamp, ex=3600)
    return stamp


def enqueue(queue: str, func, /, *args, **kwargs) -> bool:
    """Run `func(*args, **kwargs)` on `queue`: on RQ when Redis is configured, else right here.

    Callers commit the row the job works on first, so that nothing is lost when Redis is down:
    the enqueue fails (False is returned and logged) and the row stays queued for a later run.
    """
    from flask import current_app

    connection = current_app.extensions.get("servicehub.redis")
    if connection is None:
        func(*args, **kwargs)
        return True
    from rq import Queue

    try:
        Queue(queue, connection=connection).enqueue(func, *args, **kwargs)
        return True
    except Exception:  # noqa: BLE001 - Redis down: the committed row is the source of truth
        log.warning("could not enqueue %s on %s", getattr(func, "__name__", func), queue, exc_info=True)
        return False


_app = None
_pid = None


def job_app():
    """The Flask app of this worker process (built once; its pool is renewed after a fork)."""
    import os

    global _app, _pid
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from servicehub import create_app

        _app, _pid = create_app(), os.getpid()
    elif _pid != os.getpid():
        _app.extensions["servicehub.db"].engine.dispose(close=False)
        _pid = os.getpid()
    return _app


@contextmanager
def tenant_session(tenant_id: int):
    """A session of its own, bound to one tenant, in the job's app context (periodic per-tenant jobs)."""
    from servicehub.db import bind_tenant

    app = job_app()
    with app.app_context():
        session = app.extensions["servicehub.db"].sessionmaker()
        try:
            bind_tenant(session, tenant_id)
            yield session
        finally:
            session.close()


def for_each_tenant(func, queue: str = "scheduled") -> int:
    """The periodic fan-out: `func(tenant_id)` as one job per active tenant; returns how many."""
    from sqlalchemy import select

    from servicehub.tenants.models import Tenant, TenantStatus

    app = job_app()
    with app.app_context():
        session = app.extensions["servicehub.db"].sessionmaker()
        try:
            tenant_ids = session.scalars(select(Tenant.id).where(Tenant.status == TenantStatus.active)).all()
        finally:
            session.close()
        for tenant_id in tenant_ids:
            enqueue(queue, func, tenant_id)
    return len(tenant_ids)
