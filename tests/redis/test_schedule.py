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


def test_the_relay_the_sla_sweep_and_the_reminders_run_often():
    every = {p.func: (p.queue, p.cron, p.interval) for p in PERIODIC}
    assert every["servicehub.jobs.outbox.relay"] == ("scheduled", None, 15)
    assert every["servicehub.sla.sweep.sweep_all"] == ("scheduled", None, 60)
    assert every["servicehub.escalations.jobs.remind_all"] == ("scheduled", None, 300)
    assert every["servicehub.customers.jobs.refresh_all_lifecycle_stages"] == ("scheduled", "10 2 * * *", None)
    assert every["servicehub.jobs.outbox.prune"] == ("scheduled", "40 3 * * *", None)


def test_the_first_tick_of_the_schedule_relays_what_redis_missed(app_factory, world, rq_redis):
    """Redis was down when a major complaint came in; the cron scheduler's relay job sends it and a
    worker escalates it (the SLA sweep and the reminders run alongside, finding nothing to do)."""
    from rq import Queue, cron_job_registry

    from servicehub.jobs.outbox import MessageStatus
    from tests.redis.support import drain, free_port, major_complaint, messages

    down = app_factory(jobs_inline=False, redis_url=f"redis://127.0.0.1:{free_port()}/15")
    ticket = major_complaint(down.test_client(), world).get_json()
    [message] = messages(down, world.tenants["alpha"])
    assert message["status"] == MessageStatus.pending

    up = app_factory(jobs_inline=False)
    scheduler = build_cron(rq_redis)
    try:
        enqueued = scheduler.enqueue_jobs()  # interval jobs run at once, the nightly one waits for 02:10
        assert {f"{j.func.__module__}.{j.func.__name__}" for j in enqueued} == {
            p.func for p in PERIODIC if p.interval}
        assert Queue("scheduled", connection=rq_redis).count == 3
        drain(up, rq_redis)
    finally:
        rq_redis.delete(*[job.job_history_key for job in scheduler.get_jobs()], cron_job_registry.get_registry_key())

    [message] = messages(up, world.tenants["alpha"])
    assert message["status"] == MessageStatus.done
    client = up.test_client()
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=world.headers("hq_crm")).get_json()[
        "escalation_level"] == "hq"
    [note] = client.get("/api/v1/notifications", headers=world.headers("hq_crm")).get_json()
    assert note["ticket_id"] == ticket["id"]
    assert Queue("scheduled", connection=rq_redis).failed_job_registry.count == 0


def test_a_scheduler_worker_killed_hard_and_started_again_keeps_the_schedule(app_factory, world, db_url, rq_redis,
                                                                            worker_processes):
    """`servicehub worker --with-scheduler` as deployed. Its cron's first tick relays what Redis
    missed; killed hard (OOM, a lost node: nothing unregisters it) and started again, the schedule
    resumes; stopped with SIGTERM, it takes its cron process along."""
    import signal

    from rq import cron_scheduler_registry

    from servicehub.jobs.outbox import MessageStatus
    from tests.redis.support import (clear_cron, clear_rq, dead, descendants, forget_workers, free_port, kill_tree,
                                     major_complaint, messages, wait_for, worker_env)

    tenant = world.tenants["alpha"]
    down = app_factory(jobs_inline=False, redis_url=f"redis://127.0.0.1:{free_port()}/15").test_client()

    def done(ticket: dict) -> bool:
        return any(m["args"] == {"ticket_id": ticket["id"]} and m["status"] == MessageStatus.done
                   for m in messages(worker_app, tenant))

    worker_app = app_factory(jobs_inline=False)
    env = worker_env(db_url)
    clear_cron(rq_redis)
    pids = []
    try:
        first = major_complaint(down, world).get_json()
        worker = worker_processes(env, "--with-scheduler")
        pids.append(worker.pid)
        wait_for(lambda: done(first), timeout=60, what="the first relay of the schedule")

        kill_tree(worker.pid)
        assert worker.wait(10) == -signal.SIGKILL
        assert cron_scheduler_registry.get_keys(rq_redis) == ["servicehub-cron"]  # left behind
        clear_rq(rq_redis)  # what the dead cron enqueued: only the new one can relay now

        second = major_complaint(down, world).get_json()
        again = worker_processes(env, "--with-scheduler")
        pids.append(again.pid)
        wait_for(lambda: done(second), timeout=60, what="the schedule of the restarted worker")

        cron = wait_for(lambda: descendants(again.pid), timeout=10, what="the cron process")
        again.send_signal(signal.SIGTERM)  # what systemd, docker and kubernetes send first
        assert again.wait(30) == 0
        wait_for(lambda: all(dead(pid) for pid in cron), timeout=10, what="the cron process to stop")
        assert cron_scheduler_registry.get_keys(rq_redis) == []  # it unregistered
    except BaseException:
        print(worker_processes.logs())
        raise
    finally:
        forget_workers(rq_redis, *pids)
        clear_cron(rq_redis)
