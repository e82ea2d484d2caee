"""The periodic schedule registers with RQ's cron scheduler."""

from redis import Redis

from servicehub.jobs.schedule import PERIODIC, build_cron
from tests.conftest import REDIS_URL


def test_cron_scheduler_carries_every_periodic_job():
    scheduler = build_cron(Redis.from_url(REDIS_URL))
    registered = {f"{job.func.__module__}.{job.func.__name__}": job for job in scheduler.get_jobs()}
    assert set(registered) == {p.func for p in PERIODIC}
    for periodic in PERIODIC:
        job = registered[periodic.func]
        assert job.queue_name == periodic.queue
        assert job.cron == periodic.cron
        assert job.interval == periodic.interval
        assert job.get_next_enqueue_time() is not None
