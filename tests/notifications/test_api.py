"""Notifications: the caller's own inbox (list, unread filter and count, mark read), deliveries by
email with their status and attempts (retried with backoff, then failed), and the outbox's own
retries; deliveries and background jobs are for the group's administrators."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests

from servicehub.db import utcnow
from servicehub.jobs import outbox
from servicehub.jobs.outbox import MessageStatus, OutboxMessage
from servicehub.notifications import channels
from servicehub.notifications.models import Channel, Delivery, DeliveryStatus, Notification
from servicehub.notifications.service import DELIVER, MAX_DELIVERY_ATTEMPTS
from tests.background import (
    NOTIFICATIONS,
    TICKETS,
    add_user,
    count,
    give_contact,
    inbox,
    log,
    patch_settings,
    rows,
    set_rows,
    tenant_session,
)
from tests.scope_tools import api, assert_error, pagination

DELIVERIES = api("/deliveries")
JOBS = api("/background-jobs")


# Outbox handlers for the tests (a handler is named by its dotted path).

def write_note(session, tenant_id, *, user_id, key):
    session.add(Notification(tenant_id=tenant_id, user_id=user_id, kind="test", title="t", key=key))
    return "written"


def write_then_fail(session, tenant_id, *, user_id, key):
    write_note(session, tenant_id, user_id=user_id, key=key)
    session.flush()
    raise RuntimeError("boom")


HERE = __name__


def emit(world, handler: str, **args) -> int:
    """Write one outbox message and commit: it runs at once (in-process), as after a request."""
    with tenant_session(world) as session:
        message = outbox.emit(session, tenant_id=world.tenants["alpha"], queue="default", handler=f"{HERE}.{handler}",
                              **args)
        session.commit()
        return message.id


def message(world, message_id: int) -> OutboxMessage:
    (row,) = rows(world, OutboxMessage, OutboxMessage.id == message_id)
    return row


def escalate_by_hand(client, world, who: str = "pm1") -> dict:
    """A repair escalated to the region by pm1: one note for rm_east."""
    logged = log(client, world, type="repair")
    response = client.post(f"{TICKETS}/{logged['id']}/escalate", headers=world.headers(who), json={"reason": "升级"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def get(client, world, path: str, who: str, tenant: str = "alpha", **query):
    return client.get(path, headers=world.headers(who, tenant), query_string={"page_size": 100, **query})


# --- the inbox ----------------------------------------------------------------------------------------------


def test_the_inbox_holds_the_callers_own_notifications_newest_first(client, world):
    majors = [log(client, world, is_major=True)["id"] for _ in range(3)]
    escalate_by_hand(client, world)
    log(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", is_major=True)  # beta has nobody to tell
    mine = inbox(client, world, "hq_crm")
    assert [n["ticket_id"] for n in mine] == majors[::-1]
    assert [n["id"] for n in mine] == sorted((n["id"] for n in mine), reverse=True)
    assert {n["kind"] for n in mine} == {"escalation"} and all(n["read_at"] is None for n in mine)
    assert set(mine[0]) == {"id", "kind", "title", "body", "ticket_id", "ref_type", "ref_id", "created_at", "read_at"}
    (region,) = inbox(client, world, "rm_east")
    assert region["id"] not in {n["id"] for n in mine}
    for nobody in ("pm1", "pa1", "admin", "rm_south"):
        assert inbox(client, world, nobody) == [], nobody
    assert inbox(client, world, "pa_b", "beta") == [] and inbox(client, world, "admin", "beta") == []
    paged = get(client, world, NOTIFICATIONS, "hq_crm", page_size=2)
    assert [n["id"] for n in paged.get_json()] == [n["id"] for n in mine[:2]]
    assert pagination(paged)["total"] == 3
    assert inbox(client, world, "hq_crm", kind="escalation_reminder") == []


def test_marking_read_one_and_all(client, world):
    for _ in range(3):
        log(client, world, is_major=True)
    region = escalate_by_hand(client, world)
    newest, middle, oldest = inbox(client, world, "hq_crm")
    (theirs,) = inbox(client, world, "rm_east")
    count_url = f"{NOTIFICATIONS}/unread-count"
    unread = lambda who="hq_crm": client.get(count_url, headers=world.headers(who)).get_json()  # noqa: E731
    assert unread() == {"unread": 3} and unread("rm_east") == {"unread": 1} and unread("pm1") == {"unread": 0}

    read = client.post(f"{NOTIFICATIONS}/{middle['id']}/read", headers=world.headers("hq_crm"))
    assert read.status_code == 200, read.get_json()
    read_at = read.get_json()["read_at"]
    assert read_at is not None and read.get_json()["id"] == middle["id"]
    again = client.post(f"{NOTIFICATIONS}/{middle['id']}/read", headers=world.headers("hq_crm"))
    assert again.status_code == 200 and again.get_json()["read_at"] == read_at  # the first read stands
    assert unread() == {"unread": 2}
    assert [n["id"] for n in inbox(client, world, "hq_crm", unread="true")] == [newest["id"], oldest["id"]]
    assert [n["id"] for n in inbox(client, world, "hq_crm", unread="false")] == [middle["id"]]

    # Someone else's notification does not exist for the caller.
    add_user(client, world, "crm_b", "hq_crm", "HQ", tenant="beta")
    for who, tenant in (("rm_east", "alpha"), ("pm1", "alpha"), ("crm_b", "beta")):
        assert_error(client.post(f"{NOTIFICATIONS}/{newest['id']}/read", headers=world.headers(who, tenant)), 404)
    assert_error(client.post(f"{NOTIFICATIONS}/999999/read", headers=world.headers("hq_crm")), 404)
    assert unread() == {"unread": 2}

    everything = client.post(f"{NOTIFICATIONS}/read-all", headers=world.headers("hq_crm"))
    assert everything.status_code == 200 and everything.get_json() == {"marked": 2}
    assert unread() == {"unread": 0} and inbox(client, world, "hq_crm", unread="true") == []
    assert client.post(f"{NOTIFICATIONS}/read-all", headers=world.headers("hq_crm")).get_json() == {"marked": 0}
    # rm_east's inbox is untouched.
    assert unread("rm_east") == {"unread": 1}
    assert inbox(client, world, "rm_east")[0] == theirs and theirs["ref_id"] == region["id"]


@pytest.mark.parametrize("method,path", [
    ("GET", NOTIFICATIONS), ("GET", f"{NOTIFICATIONS}/unread-count"), ("POST", f"{NOTIFICATIONS}/read-all"),
    ("POST", f"{NOTIFICATIONS}/1/read"),
])
def test_a_platform_admin_has_no_inbox(client, world, method, path):
    log(client, world, is_major=True)
    assert_error(client.open(path, method=method, headers=world.headers("root")), 403)
    assert_error(client.open(path, method=method), 401)


# --- deliveries ----------------------------------------------------------------------------------------------


def test_an_escalation_is_emailed_to_those_with_an_address(client, world):
    give_contact(client, world, "hq_crm", email="crm@alpha.example")
    escalation = log(client, world, households_affected=9)
    (delivery,) = rows(world, Delivery)
    assert (delivery.channel, delivery.recipient, delivery.user_id, delivery.status, delivery.attempts) == (
        Channel.email, "crm@alpha.example", world.user("hq_crm"), DeliveryStatus.sent, 1)
    assert delivery.sent_at is not None and delivery.last_error is None
    (note,) = inbox(client, world, "hq_crm")
    assert delivery.subject == note["title"] and delivery.body == note["body"]
    assert escalation["number"] in delivery.subject
    # Its outbox message is done; rm_east (no address) got the inbox note of the next one only.
    (sent,) = rows(world, OutboxMessage, OutboxMessage.handler == DELIVER)
    assert (sent.status, sent.attempts, sent.args) == (MessageStatus.done, 1, {"delivery_id": delivery.id})
    escalate_by_hand(client, world)
    assert count(world, Delivery) == 1

    listed = get(client, world, DELIVERIES, "admin")
    assert listed.status_code == 200, listed.get_json()
    (row,) = listed.get_json()
    assert {k: row[k] for k in ("id", "channel", "recipient", "user_id", "status", "attempts", "last_error")} == {
        "id": delivery.id, "channel": "email", "recipient": "crm@alpha.example", "user_id": world.user("hq_crm"),
        "status": "sent", "attempts": 1, "last_error": None}
    assert [d["id"] for d in get(client, world, DELIVERIES, "admin", status="sent", channel="email").get_json()] == [
        delivery.id]
    assert get(client, world, DELIVERIES, "admin", status="failed").get_json() == []
    assert get(client, world, DELIVERIES, "admin", channel="sms").get_json() == []


def test_a_failing_delivery_is_retried_with_backoff_then_failed(client, world, monkeypatch):
    give_contact(client, world, "hq_crm", email="crm@alpha.example")

    def refuse(self, *, to, subject, body):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(channels.LogEmail, "send", refuse)
    started = utcnow()
    log(client, world, is_major=True)
    (delivery,) = rows(world, Delivery)
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (DeliveryStatus.pending, 1, None)
    assert delivery.last_error == "ConnectionRefusedError: smtp down"
    first, retry = rows(world, OutboxMessage, OutboxMessage.handler == DELIVER)
    assert first.status == MessageStatus.done  # the delivery's failure is recorded on the delivery
    assert retry.status == MessageStatus.pending and retry.args == {"delivery_id": delivery.id}
    assert started + outbox.backoff(1) <= retry.available_at <= utcnow() + outbox.backoff(1)

    # Not due yet: the relay leaves it.
    with world.app.app_context():
        assert outbox.relay() == 0
    for attempt in range(2, MAX_DELIVERY_ATTEMPTS + 1):
        with world.app.app_context():
            assert outbox.relay(now=utcnow() + timedelta(days=1)) == 1
        (delivery,) = rows(world, Delivery)
        assert delivery.attempts == attempt
    assert delivery.status == DeliveryStatus.failed and delivery.last_error == "ConnectionRefusedError: smtp down"
    # Given up: nothing is left to send.
    assert count(world, OutboxMessage, OutboxMessage.status == MessageStatus.pending) == 0
    with world.app.app_context():
        assert outbox.relay(now=utcnow() + timedelta(days=30)) == 0
    (failed,) = get(client, world, DELIVERIES, "admin", status="failed").get_json()
    assert (failed["attempts"], failed["last_error"], failed["sent_at"]) == (
        MAX_DELIVERY_ATTEMPTS, "ConnectionRefusedError: smtp down", None)


def test_a_delivery_that_fails_once_is_sent_on_retry(client, world, monkeypatch):
    give_contact(client, world, "hq_crm", email="crm@alpha.example")
    with monkeypatch.context() as patch:
        patch.setattr(channels.LogEmail, "send", lambda self, **_: (_ for _ in ()).throw(TimeoutError("timed out")))
        log(client, world, is_major=True)
    (delivery,) = rows(world, Delivery)
    assert delivery.status == DeliveryStatus.pending and delivery.last_error == "TimeoutError: timed out"
    with world.app.app_context():
        assert outbox.relay(now=utcnow() + timedelta(minutes=5)) == 1
    (delivery,) = rows(world, Delivery)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.sent, 2, None)
    assert delivery.sent_at is not None


# --- the outbox's own retries ----------------------------------------------------------------------------------


def test_a_failing_job_is_retried_with_backoff_then_failed(client, world):
    key = "job:1"
    before = utcnow()
    message_id = emit(world, "write_then_fail", user_id=world.user("pm1"), key=key)
    failed_once = message(world, message_id)
    assert (failed_once.status, failed_once.attempts, failed_once.last_error) == (
        MessageStatus.pending, 1, "RuntimeError: boom")
    assert before + outbox.backoff(1) <= failed_once.available_at <= utcnow() + outbox.backoff(1)
    # What the handler wrote before failing was rolled back with it.
    assert count(world, Notification) == 0

    assert [outbox.backoff(n).total_seconds() for n in range(1, 5)] == [10, 40, 160, 640]
    for attempt in range(2, outbox.MAX_ATTEMPTS + 1):
        with world.app.app_context():
            assert outbox.run_message(world.tenants["alpha"], message_id) == "retry"
        row = message(world, message_id)
        assert row.attempts == attempt
        assert row.status == (MessageStatus.failed if attempt == outbox.MAX_ATTEMPTS else MessageStatus.pending)
    with world.app.app_context():
        assert outbox.run_message(world.tenants["alpha"], message_id) == "failed"  # given up: not run again
        assert outbox.relay(now=utcnow() + timedelta(days=30)) == 0
    assert message(world, message_id).attempts == outbox.MAX_ATTEMPTS
    assert count(world, Notification) == 0

    response = get(client, world, JOBS, "admin", status="failed")
    assert response.status_code == 200, response.get_json()
    (job,) = response.get_json()
    assert {k: job[k] for k in ("id", "queue", "handler", "status", "attempts", "last_error", "args", "done_at")} == {
        "id": message_id, "queue": "default", "handler": f"{HERE}.write_then_fail", "status": "failed",
        "attempts": outbox.MAX_ATTEMPTS, "last_error": "RuntimeError: boom",
        "args": {"user_id": world.user("pm1"), "key": key}, "done_at": None}
    assert get(client, world, JOBS, "admin", status="pending").get_json() == []


def test_a_job_runs_to_effect_once_however_often_it_is_delivered(client, world):
    message_id = emit(world, "write_note", user_id=world.user("pm1"), key="job:2")
    done = message(world, message_id)
    assert (done.status, done.attempts, done.last_error) == (MessageStatus.done, 1, None) and done.done_at
    with world.app.app_context():
        assert outbox.run_message(world.tenants["alpha"], message_id) == "done"
        assert outbox.run_message(world.tenants["beta"], message_id) == "busy-or-missing"  # another group's id
        assert outbox.relay(now=utcnow() + timedelta(days=1)) == 0
    assert count(world, Notification) == 1 and message(world, message_id).attempts == 1
    assert [j["id"] for j in get(client, world, JOBS, "admin", status="done").get_json()] == [message_id]


# --- deliveries and background jobs are the administrators' ------------------------------------------------------


def test_deliveries_and_jobs_are_for_each_groups_administrators(client, world):
    give_contact(client, world, "hq_crm", email="crm@alpha.example")
    add_user(client, world, "crm_b", "hq_crm", "HQ", tenant="beta", email="crm@beta.example")
    log(client, world, is_major=True)
    log(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", is_major=True)
    alpha_deliveries = {d.id for d in rows(world, Delivery)}
    beta_deliveries = {d.id for d in rows(world, Delivery, tenant="beta")}
    alpha_jobs = {m.id for m in rows(world, OutboxMessage)}
    beta_jobs = {m.id for m in rows(world, OutboxMessage, tenant="beta")}
    assert len(alpha_deliveries) == len(beta_deliveries) == 1 and len(alpha_jobs) == len(beta_jobs) == 2

    for path, alpha, beta in ((DELIVERIES, alpha_deliveries, beta_deliveries), (JOBS, alpha_jobs, beta_jobs)):
        assert {r["id"] for r in get(client, world, path, "admin").get_json()} == alpha
        assert {r["id"] for r in get(client, world, path, "admin", "beta").get_json()} == beta
        for who, tenant in (("hq_crm", "alpha"), ("pm1", "alpha"), ("rm_east", "alpha"), ("viewer", "alpha"),
                            ("pa1", "alpha"), ("crm_b", "beta"), ("pa_b", "beta"), ("root", "alpha")):
            assert_error(get(client, world, path, who, tenant), 403)


# --- the group's webhook ----------------------------------------------------------------------------------------


class Answer:
    def __init__(self, status_code: int, text: str = ""):
        self.status_code, self.text = status_code, text


def test_the_webhook_gets_a_signed_post_and_a_refusal_is_retried(client, world, monkeypatch):
    patch_settings(client, world, who="admin", webhook_url="https://hooks.alpha.example/servicehub",
                   webhook_secret="s" * 32)
    posts, answers = [], [Answer(502, "bad gateway"), Answer(200)]

    def post(url, *, data, headers, timeout, allow_redirects):
        posts.append((url, data, headers))
        return answers.pop(0)

    monkeypatch.setattr(requests, "post", post)
    logged = log(client, world, is_major=True)
    (delivery,) = rows(world, Delivery, Delivery.channel == Channel.webhook)
    assert (delivery.recipient, delivery.status, delivery.attempts) == (
        "https://hooks.alpha.example/servicehub", DeliveryStatus.pending, 1)
    assert delivery.last_error.startswith("RuntimeError: webhook answered") and "502" in delivery.last_error
    with world.app.app_context():
        assert outbox.relay(now=utcnow() + timedelta(minutes=1)) == 1
    (delivery,) = rows(world, Delivery, Delivery.channel == Channel.webhook)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.sent, 2, None)

    url, body, headers = posts[-1]
    assert url == "https://hooks.alpha.example/servicehub" and headers["X-ServiceHub-Delivery"] == str(delivery.id)
    assert headers[channels.SIGNATURE_HEADER] == channels.sign("s" * 32, headers[channels.TIMESTAMP_HEADER], body)
    payload = json.loads(body)
    assert payload["msgtype"] == "text" and logged["number"] in payload["text"]["content"]
    assert {k: payload["event"][k] for k in ("type", "ticket_id", "rule", "to_level")} == {
        "type": "escalation", "ticket_id": logged["id"], "rule": "major", "to_level": "hq"}


def test_the_relay_sends_again_what_stayed_in_flight_too_long(client, world):
    """A message handed to RQ whose worker died stays `dispatched`: the relay sends it again once it
    is older than STALE_AFTER; one in flight for less is left to its worker."""
    with tenant_session(world) as session:
        stuck, recent, later = (
            outbox.emit(session, tenant_id=world.tenants["alpha"], queue="default", handler=f"{HERE}.write_note",
                        user_id=world.user("pm1"), key=f"job:{name}", available_at=utcnow() + timedelta(hours=1))
            for name in ("stuck", "recent", "later"))
        session.commit()
        ids = {"stuck": stuck.id, "recent": recent.id, "later": later.id}
    now = utcnow()
    set_rows(world, OutboxMessage, OutboxMessage.id == ids["stuck"], status=MessageStatus.dispatched,
             dispatched_at=now - outbox.STALE_AFTER - timedelta(seconds=1))
    set_rows(world, OutboxMessage, OutboxMessage.id == ids["recent"], status=MessageStatus.dispatched,
             dispatched_at=now - timedelta(seconds=30))
    with world.app.app_context():
        assert outbox.relay(now=now) == 1
    status = {name: message(world, i).status for name, i in ids.items()}
    assert status == {"stuck": MessageStatus.done, "recent": MessageStatus.dispatched, "later": MessageStatus.pending}
    assert [n.key for n in rows(world, Notification)] == ["job:stuck"]
    with world.app.app_context():
        assert outbox.relay(now=now + timedelta(hours=2)) == 2
    assert sorted(n.key for n in rows(world, Notification)) == ["job:later", "job:recent", "job:stuck"]


def test_done_messages_are_pruned_after_two_weeks_and_failed_ones_stay(client, world):
    from datetime import timedelta

    from servicehub.db import utcnow
    from servicehub.jobs.outbox import MessageStatus, OutboxMessage, prune

    give_contact(client, world, "hq_crm", email="crm@alpha.example.com")  # so an email is queued too
    for group in ("alpha", "beta"):
        log(client, world, tenant=group, who="pa1" if group == "alpha" else "pa_b",
            unit="P-EAST-1" if group == "alpha" else "B-PROJECT", is_major=True)
    assert {m.status for m in rows(world, OutboxMessage)} == {MessageStatus.done}
    old = utcnow() - timedelta(days=15)
    for group in ("alpha", "beta"):
        set_rows(world, OutboxMessage, OutboxMessage.handler.like("%evaluate"), tenant=group, done_at=old)
    set_rows(world, OutboxMessage, OutboxMessage.handler.like("%deliver"), tenant="alpha",
             status=MessageStatus.failed, done_at=None)
    kept = {(m.handler, m.status) for m in rows(world, OutboxMessage)}
    assert ("servicehub.notifications.service.deliver", MessageStatus.failed) in kept

    with world.app.app_context():
        removed = prune()

    assert removed == 2  # the evaluate message of each group
    assert not rows(world, OutboxMessage, OutboxMessage.handler.like("%evaluate"))
    assert not rows(world, OutboxMessage, OutboxMessage.handler.like("%evaluate"), tenant="beta")
    assert {(m.handler, m.status) for m in rows(world, OutboxMessage)} == {k for k in kept if "evaluate" not in k[0]}
