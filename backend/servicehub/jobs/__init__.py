"""Background work on RQ.

Queues by purpose; a job is given ids and the tenant, never ORM objects. When REDIS_URL is not set
(the quick local run) jobs run in-process, right after the request that asked for them.
"""

from __future__ import annotations

import logging

from flask import Flask

from servicehub.config import Settings

QUEUES = ("escalations", "notifications", "default", "scheduled")

log = logging.getLogger(__name__)


def init_jobs(app: Flask, settings: Settings) -> None:
    if settings.redis_url:
        from redis import Redis

        app.extensions["servicehub.redis"] = Redis.from_url(
            settings.redis_url, socket_connect_timeout=2, socket_timeout=5
        )
    else:
        app.extensions["servicehub.redis"] = None


def run_worker(app: Flask, *, with_scheduler: bool, burst: bool = False) -> None:
    """Run an RQ worker over every queue (and, on one worker, RQ's scheduler)."""
    from rq import Queue, Worker

    connection = app.extensions["servicehub.redis"]
    if connection is None:
        raise SystemExit("REDIS_URL is not set: jobs run in-process inside `servicehub serve`.")
    queues = [Queue(name, connection=connection) for name in QUEUES]
    with app.app_context():
        worker = Worker(queues, connection=connection, name=None)
        log.info("worker listening on %s (scheduler: %s)", ", ".join(QUEUES), with_scheduler)
        worker.work(with_scheduler=with_scheduler, burst=burst)


def heartbeat(queue: str) -> str:
    """A job that proves a worker serves `queue`: records the time in Redis and returns it."""
    from datetime import datetime, timezone

    from rq import get_current_job

    stamp = datetime.now(timezone.utc).isoformat()
    get_current_job().connection.set(f"servicehub:heartbeat:{queue}", stamp, ex=3600)
    return stamp
