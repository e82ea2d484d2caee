"""Periodic work, in one declarative list, driven by RQ's cron scheduler (`servicehub worker --with-scheduler`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    func: str  # dotted path of the job function
    queue: str
    cron: str  # crontab, in the worker's time zone
    description: str


PERIODIC: tuple[Periodic, ...] = (
    Periodic("servicehub.customers.jobs.refresh_all_lifecycle_stages", "scheduled", "10 2 * * *",
             "Every night: customers move break-in → stable → veteran by their handover dates."),
)


def _resolve(path: str):
    from importlib import import_module

    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


def build_cron(connection):
    """An RQ CronScheduler with every periodic job registered."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=connection, name="servicehub-cron")
    for job in PERIODIC:
        scheduler.register(_resolve(job.func), job.queue, cron=job.cron, name=job.func)
    return scheduler


def run_cron(redis_url: str) -> None:
    """Entry point of the cron process started next to a worker."""
    from redis import Redis

    build_cron(Redis.from_url(redis_url)).start()
