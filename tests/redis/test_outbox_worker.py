"""The outbox on a real Redis with real RQ workers (DESIGN §4): a request writes its background work
down in its own transaction, RQ carries it, a worker makes it happen once, and neither a rolled-back
request, a killed worker nor a Redis outage changes that."""

from __future__ import annotations

import os
import signal
import time
import uuid
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select

from servicehub.audit.models import AuditEntry
from servicehub.db import bind_tenant
from servicehub.escalations.models import Escalation
from servicehub.extensions import db
from servicehub.jobs.outbox import MessageStatus, OutboxMessage, emit, new_session, relay, run_message
from servicehub.tickets import service as tickets_service
from servicehub.tickets.models import Ticket
from tests.conftest import BACKEND, REDIS_URL
from tests.redis.handlers import BLOCKING_HANDLER, EFFECT, EFFECT_HANDLER
from tests.redis.support import (TICKETS, count, dead, drain, forget_workers, free_port, major_complaint, messages,
                                 queued, wait_for, worker_env)

EVALUATE = "servicehub.escalations.service.evaluate"
RUN_MESSAGE = "servicehub.jobs.outbox.run_message"


def inbox(client, world, who: str) -> list[dict]:
    response = client.get("/api/v1/notifications", headers=world.headers(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def level_of(client, world, ticket_id: int) -> str:
    response = client.get(f"{TICKETS}/{ticket_id}", headers=world.headers("hq_crm"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["escalation_level"]


def effects(app, tenant_id: int, key: str) -> int:
    return count(app, tenant_id, AuditEntry, AuditEntry.action == EFFECT, AuditEntry.details["key"].as_string() == key)


def emit_now(app, tenant_id: int, handler: str, **args) -> int:
    """Emit a message from a session of its own (as a job does) and commit: it is dispatched at once."""
    with app.app_context():
        session = new_session(app)
        try:
            bind_tenant(session, tenant_id)
            message = emit(session, tenant_id=tenant_id, queue="default", handler=handler, **args)
            session.commit()
            return message.id
        finally:
            session.close()


def assert_escalated_to_hq(app, client, world, ticket: dict) -> None:
    assert level_of(client, world, ticket["id"]) == "hq"
    [note] = inbox(client, world, "hq_crm")
    assert (note["kind"], note["ticket_id"], note["ref_type"]) == ("escalation", ticket["id"], "escalation")
    assert ticket["number"] in note["title"] and "重大投诉" in note["title"]
    listed = client.get("/api/v1/escalations", headers=world.headers("hq_crm")).get_json()
    assert [(e["ticket_id"], e["rule"], e["from_level"], e["to_level"]) for e in listed] == [
        (ticket["id"], "major", "project", "hq")]


# --- through a worker ---------------------------------------------------------------------------------


def test_a_major_complaint_is_escalated_by_a_real_worker(app_factory, world, rq_redis):
    app = app_factory(jobs_inline=False)
    client = app.test_client()
    tenant = world.tenants["alpha"]

    response = major_complaint(client, world)

    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    assert ticket["escalation_level"] == "project"
    [message] = messages(app, tenant, EVALUATE)
    assert (message["status"], message["attempts"], message["args"]) == (
        MessageStatus.dispatched, 0, {"ticket_id": ticket["id"]})
    assert message["dispatched_at"] is not None
    [job] = queued(rq_redis, "escalations")
    assert (job.func_name, job.args) == (RUN_MESSAGE, (tenant, message["id"]))
    # Nothing happened yet: the request only wrote the work down.
    assert level_of(client, world, ticket["id"]) == "project"
    assert inbox(client, world, "hq_crm") == []

    drain(app, rq_redis)

    job.refresh()
    assert (job.get_status(), job.return_value()) == ("finished", "major")
    assert_escalated_to_hq(app, client, world, ticket)
    [message] = messages(app, tenant, EVALUATE)
    assert (message["status"], message["attempts"], message["last_error"]) == (MessageStatus.done, 1, None)
    assert all(Queue(name, connection=rq_redis).count == 0 for name in ("escalations", "notifications"))
    assert Queue("escalations", connection=rq_redis).failed_job_registry.count == 0
    # The worker that runs it again (a relay that thought it lost) changes nothing.
    with app.app_context():
        assert run_message(tenant, message["id"]) == "done"
    assert count(app, tenant, Escalation) == 1
    assert len(inbox(client, world, "hq_crm")) == 1


def test_the_worker_command_escalates_as_well(app_factory, world, rq_redis, db_url, monkeypatch):
    """`servicehub worker --burst`, configured by the environment only, as in production."""
    from click.testing import CliRunner

    from servicehub.cli import main

    app = app_factory(jobs_inline=False)
    client = app.test_client()
    ticket = major_complaint(client, world).get_json()
    for name, value in worker_env(db_url).items():
        if name in ("DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY"):
            monkeypatch.setenv(name, value)

    result = CliRunner().invoke(main, ["worker", "--burst"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert_escalated_to_hq(app, client, world, ticket)
    [message] = messages(app, world.tenants["alpha"], EVALUATE)
    assert message["status"] == MessageStatus.done


# --- a rolled-back request ----------------------------------------------------------------------------


def test_a_rolled_back_request_escalates_nothing(app_factory, world, rq_redis, monkeypatch):
    app = app_factory(jobs_inline=False)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500, as in production
    client = app.test_client()
    tenant = world.tenants["alpha"]
    evaluate_later = tickets_service._evaluate_later

    def emit_then_fail(session, actor, ticket):
        evaluate_later(session, actor, ticket)
        raise RuntimeError("the request fails after asking for the escalation")

    monkeypatch.setattr(tickets_service, "_evaluate_later", emit_then_fail)
    assert major_complaint(client, world).status_code == 500

    assert messages(app, tenant) == []
    assert count(app, tenant, Ticket) == 0
    assert Queue("escalations", connection=rq_redis).count == 0

    # The next request of the same process sends its own message, and nothing of the failed one.
    monkeypatch.undo()
    ticket = major_complaint(client, world).get_json()
    [message] = messages(app, tenant)
    assert message["args"] == {"ticket_id": ticket["id"]}
    assert [job.args for job in queued(rq_redis, "escalations")] == [(tenant, message["id"])]
    drain(app, rq_redis)
    assert_escalated_to_hq(app, client, world, ticket)


# --- effect once --------------------------------------------------------------------------------------


def test_a_message_delivered_again_takes_effect_once(app_factory, world, rq_redis):
    app = app_factory(jobs_inline=False)
    tenant = world.tenants["alpha"]
    key = uuid.uuid4().hex
    message_id = emit_now(app, tenant, EFFECT_HANDLER, key=key)
    [job] = queued(rq_redis, "default")

    with app.app_context():
        assert run_message(tenant, message_id) == "effect"
        assert run_message(tenant, message_id) == "done"
    drain(app, rq_redis)  # and RQ's copy, a third delivery

    job.refresh()
    assert job.return_value() == "done"
    assert effects(app, tenant, key) == 1
    [message] = messages(app, tenant)
    assert (message["status"], message["attempts"]) == (MessageStatus.done, 1)
    with app.app_context():
        assert relay(stale_after=timedelta(0)) == 0  # a done message is never sent again


def test_a_commit_outside_a_request_dispatches_at_once(app_factory, world, rq_redis):
    """A command or a job that works in an app context with `db.session` (no request whose end would
    send the messages) hands them to RQ when it commits."""
    app = app_factory(jobs_inline=False)
    tenant = world.tenants["alpha"]
    with app.app_context():
        session = db.session
        bind_tenant(session, tenant)
        message = emit(session, tenant_id=tenant, queue="default", handler=EFFECT_HANDLER, key="cli")
        session.commit()
        assert [job.args for job in queued(rq_redis, "default")] == [(tenant, message.id)]
    [row] = messages(app, tenant)
    assert row["status"] == MessageStatus.dispatched


# --- a worker killed in the middle of a job -----------------------------------------------------------


def _lockable(app, tenant_id: int, message_id: int) -> bool:
    """Nobody holds the message's row lock any more (the killed job's transaction is over)."""
    session = new_session(app)
    try:
        bind_tenant(session, tenant_id)
        return session.scalar(select(OutboxMessage.id).where(OutboxMessage.id == message_id)
                              .with_for_update(skip_locked=True)) is not None
    finally:
        session.rollback()
        session.close()


@pytest.mark.parametrize("fork", [False, True], ids=["in-process", "forked-work-horse"])
def test_a_worker_killed_mid_job_is_relayed_and_takes_effect_once(app_factory, world, db_url, rq_redis,
                                                                     worker_processes, fork):
    app = app_factory(jobs_inline=False)
    tenant = world.tenants["alpha"]
    key = uuid.uuid4().hex
    started, release = f"test:started:{key}", f"test:release:{key}"
    env = worker_env(db_url)
    worker = worker_processes(env, *(["--fork"] if fork else []))
    try:
        message_id = emit_now(app, tenant, BLOCKING_HANDLER, key=key, redis_url=REDIS_URL, started=started,
                              release=release)
        horse = int(wait_for(lambda: rq_redis.lindex(started, 0), timeout=60, what="the job to start"))
        worker_processes.pids.append(horse)
        # The job runs in the worker itself (the default), or in a forked work horse (--fork).
        assert (horse != worker.pid) == fork

        # In flight: RQ handed it out, the worker's transaction holds it.
        [message] = messages(app, tenant)
        assert message["status"] == MessageStatus.dispatched
        assert Queue("default", connection=rq_redis).count == 0
        if BACKEND == "postgres":
            with app.app_context():  # a second delivery meanwhile skips the locked message
                assert run_message(tenant, message_id) == "busy-or-missing"

        os.killpg(worker.pid, signal.SIGKILL)
        if fork:
            os.killpg(horse, signal.SIGKILL)  # RQ puts the horse in a process group of its own
        assert worker.wait(10) == -signal.SIGKILL
        wait_for(lambda: dead(horse), timeout=10, what="the work horse to die")
        if BACKEND == "postgres":
            wait_for(lambda: _lockable(app, tenant, message_id), timeout=30,
                     what="the killed job's transaction to end")

        # Its effect died with its transaction; the message is still in flight and RQ will not retry it.
        assert effects(app, tenant, key) == 0
        [message] = messages(app, tenant)
        assert (message["status"], message["attempts"], message["done_at"]) == (MessageStatus.dispatched, 0, None)
        assert Queue("default", connection=rq_redis).count == 0

        with app.app_context():
            assert relay() == 0  # not stale yet
            assert relay(stale_after=timedelta(0)) == 1
        [message] = messages(app, tenant)
        assert message["status"] == MessageStatus.dispatched
        [job] = queued(rq_redis, "default")
        assert job.args == (tenant, message_id)

        rq_redis.rpush(release, "go")
        second = worker_processes(env, "--burst")
        assert second.wait(60) == 0, worker_processes.logs()
        assert rq_redis.llen(started) == 2  # it ran twice ...
    except BaseException:
        print(worker_processes.logs())
        raise
    finally:
        forget_workers(rq_redis, worker.pid)
        rq_redis.delete(started, release)

    assert effects(app, tenant, key) == 1  # ... and took effect once
    [message] = messages(app, tenant)
    assert (message["status"], message["attempts"], message["last_error"]) == (MessageStatus.done, 1, None)


# --- Redis down -----------------------------------------------------------------------------------------


def test_a_major_complaint_during_a_redis_outage_is_escalated_when_redis_is_back(app_factory, world, rq_redis):
    down = app_factory(jobs_inline=False, redis_url=f"redis://127.0.0.1:{free_port()}/15")
    tenant = world.tenants["alpha"]

    began = time.monotonic()
    response = major_complaint(down.test_client(), world)
    took = time.monotonic() - began

    assert response.status_code == 201, response.get_json()  # the complaint is not lost
    assert took < 5, f"the request waited {took:.1f} s for Redis"
    ticket = response.get_json()
    [message] = messages(down, tenant, EVALUATE)
    assert (message["status"], message["attempts"], message["dispatched_at"]) == (MessageStatus.pending, 0, None)
    assert Queue("escalations", connection=rq_redis).count == 0

    # Redis is back: the relay (a periodic job) sends it, a worker escalates it.
    up = app_factory(jobs_inline=False)
    with up.app_context():
        assert relay() == 1
    [message] = messages(up, tenant, EVALUATE)
    assert message["status"] == MessageStatus.dispatched
    assert [job.args for job in queued(rq_redis, "escalations")] == [(tenant, message["id"])]
    client = up.test_client()
    assert inbox(client, world, "hq_crm") == []

    drain(up, rq_redis)

    assert_escalated_to_hq(up, client, world, ticket)
    [message] = messages(up, tenant, EVALUATE)
    assert message["status"] == MessageStatus.done
    with up.app_context():
        assert relay() == 0


# --- a failing handler --------------------------------------------------------------------------------


def test_a_worker_faster_than_the_dispatcher_runs_its_message_and_a_failure_keeps_its_backoff(
        app_factory, world, rq_redis, monkeypatch):
    """A worker can take a job the moment it is queued, before the process that queued it has
    returned. The message is claimed (marked dispatched and committed) before it is queued, so the
    worker finds it free (not locked by a late marking, which it would skip), and nothing written
    after the queueing overwrites what the worker did: a failed attempt keeps its backoff instead of
    waiting for the relay's stale window."""
    from servicehub.db import utcnow
    from servicehub.jobs import outbox
    from tests.redis.handlers import FAILING_HANDLER

    app = app_factory(jobs_inline=False)
    tenant = world.tenants["alpha"]
    enqueue = outbox._enqueue

    def a_fast_worker(connection, refs):
        sent = enqueue(connection, refs)
        drain(app, rq_redis)  # the job runs before dispatch() returns
        return sent

    monkeypatch.setattr(outbox, "_enqueue", a_fast_worker)
    before = utcnow()
    message_id = emit_now(app, tenant, FAILING_HANDLER, why="the provider is down")
    monkeypatch.undo()

    [message] = messages(app, tenant)
    assert (message["id"], message["status"], message["attempts"]) == (message_id, MessageStatus.pending, 1)
    assert "RuntimeError: the provider is down" in message["last_error"]
    assert message["available_at"] >= before + timedelta(seconds=10)
    with app.app_context():
        assert relay() == 0  # not before its backoff ...
        assert relay(now=utcnow() + timedelta(seconds=11)) == 1  # ... then again
    drain(app, rq_redis)
    [message] = messages(app, tenant)
    assert (message["status"], message["attempts"]) == (MessageStatus.pending, 2)
    assert message["available_at"] >= before + timedelta(seconds=40)


def test_a_handler_that_keeps_failing_ends_failed_with_its_error(app_factory, world, rq_redis):
    from servicehub.db import utcnow
    from servicehub.jobs.outbox import MAX_ATTEMPTS
    from tests.redis.handlers import FAILING_HANDLER

    app = app_factory(jobs_inline=False)
    tenant = world.tenants["alpha"]
    emit_now(app, tenant, FAILING_HANDLER, why="broken for good")
    drain(app, rq_redis)
    later = utcnow()
    for attempt in range(2, MAX_ATTEMPTS + 1):
        later += timedelta(days=1)
        with app.app_context():
            assert relay(now=later) == 1
        drain(app, rq_redis)
    [message] = messages(app, tenant)
    assert (message["status"], message["attempts"]) == (MessageStatus.failed, MAX_ATTEMPTS)
    assert "broken for good" in message["last_error"]
    with app.app_context():
        assert relay(now=later + timedelta(days=30)) == 0
    # The group's administrators see it, with its error.
    client = app.test_client()
    [job] = client.get("/api/v1/background-jobs", query_string={"status": "failed"},
                       headers=world.headers("admin")).get_json()
    assert (job["handler"], job["attempts"]) == (FAILING_HANDLER, MAX_ATTEMPTS)
    assert "broken for good" in job["last_error"]
    # RQ itself saw every run succeed: the outbox, not RQ, owns retries.
    assert Queue("default", connection=rq_redis).failed_job_registry.count == 0
