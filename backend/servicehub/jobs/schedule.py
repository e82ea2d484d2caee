"""Periodic work, in one declarative list, driven by RQ's cron scheduler (`servicehub worker --with-scheduler`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    func: str  # dotted path of the job function
    queue: str
    cron: str | None  # crontab, in the worker's time zone ...
    description: str
    interval: int | None = None  # ... or every so many seconds


PERIODIC: tuple[Periodic, ...] = (
    Periodic("servicehub.customers.jobs.refresh_all_lifecycle_stages", "scheduled", "10 2 * * *",
             "Every night: customers move break-in → stable → veteran by their handover dates."),
    Periodic("servicehub.jobs.outbox.relay", "scheduled", None,
             "Send again what is due: outbox messages left pending (Redis was down, a retry's backoff) or in "
             "flight too long (a killed worker).", interval=15),
    Periodic("servicehub.sla.sweep.sweep_all", "scheduled", None,
             "The SLA sweep: overdue tickets are marked breached, told and climb one level.", interval=60),
    Periodic("servicehub.escalations.jobs.remind_all", "scheduled", None,
             "Remind the escalations nobody acknowledged.", interval=300),
    Periodic("servicehub.jobs.outbox.prune", "scheduled", "40 3 * * *",
             "Every night: forget outbox messages done more than 14 days ago (failed ones stay)."),
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
        if job.cron:
            scheduler.register(_resolve(job.func), job.queue, cron=job.cron, name=job.func)
        else:
            scheduler.register(_resolve(job.func), job.queue, interval=job.interval, name=job.func)
    return scheduler


def run_cron(redis_url: str) -> None:
    """Entry point of the cron process started next to a worker."""
    from redis import Redis

    build_cron(Redis.from_url(redis_url)).start()
