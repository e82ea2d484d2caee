"""The delivery channels on their real code paths, driven by real RQ workers: email over SMTP to a
local SMTP server, the signed webhook to a local HTTP server, SMS through the log backend. A failed
send is recorded on the delivery and retried by a later outbox message."""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from servicehub.db import utcnow
from servicehub.jobs.outbox import MessageStatus, relay
from servicehub.notifications.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from servicehub.notifications.service import DELIVER
from tests.redis.support import drain, free_port, major_complaint, messages, set_contact

HQ_EMAIL = "hq.crm@alpha.example"
HQ_PHONE = "13800138000"
SECRET = "webhook-secret-of-the-group-0123456789"


def deliveries(client, world, **query) -> list[dict]:
    response = client.get("/api/v1/deliveries", query_string=query, headers=world.headers("admin"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def created(client, world, **fields) -> dict:
    response = major_complaint(client, world, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def retry_of(app, world, delivery_id: int) -> dict:
    """The pending outbox message that sends a delivery again, after its backoff."""
    [retry] = [m for m in messages(app, world.tenants["alpha"], DELIVER)
               if m["args"] == {"delivery_id": delivery_id} and m["status"] == MessageStatus.pending]
    return retry


def assert_retry_scheduled(app, world, delivery_id: int, before) -> None:
    retry = retry_of(app, world, delivery_id)
    assert retry["attempts"] == 0 and retry["dispatched_at"] is None
    assert before + timedelta(seconds=9) <= retry["available_at"] <= utcnow() + timedelta(seconds=11)


def send_retries(app, rq_redis) -> None:
    """Once the backoff is over, the relay sends the retry and a worker runs it."""
    with app.app_context():
        assert relay(now=utcnow() + timedelta(seconds=11)) >= 1
    drain(app, rq_redis)


# --- SMTP -------------------------------------------------------------------------------------------------


class SmtpInbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.controller = controller
    try:
        yield inbox
    finally:
        if getattr(controller, "_thread", None) is not None:
            controller.stop()


def test_escalation_email_goes_out_over_smtp_and_a_failure_is_retried(app_factory, world, rq_redis, smtp_server):
    port = smtp_server.controller.port
    app = app_factory(jobs_inline=False, email_backend="smtp", smtp_host="127.0.0.1", smtp_port=port)
    client = app.test_client()
    set_contact(app, world.tenants["alpha"], world.user("hq_crm"), email=HQ_EMAIL)

    ticket = created(client, world)
    drain(app, rq_redis)

    [(recipients, email)] = smtp_server.messages
    assert recipients == [HQ_EMAIL] and email["To"] == HQ_EMAIL
    assert ticket["number"] in email["Subject"] and "重大投诉" in email["Subject"]
    assert "请确认处理" in email.get_content()
    [delivery] = deliveries(client, world, channel="email")
    assert (delivery["recipient"], delivery["status"], delivery["attempts"], delivery["last_error"]) == (
        HQ_EMAIL, "sent", 1, None)
    assert delivery["sent_at"] is not None

    # The SMTP server is down: the attempt is recorded and a retry waits for its backoff.
    smtp_server.controller.stop()
    before = utcnow()
    second = created(client, world, title="电梯困人")
    drain(app, rq_redis)

    failed = [d for d in deliveries(client, world, channel="email") if second["number"] in d["subject"]]
    [delivery] = failed
    assert (delivery["status"], delivery["attempts"], delivery["sent_at"]) == ("pending", 1, None)
    assert "ConnectionRefusedError" in delivery["last_error"]
    assert_retry_scheduled(app, world, delivery["id"], before)
    assert len(smtp_server.messages) == 1

    # Back up (same port): the retry goes out, on the second attempt.
    smtp_server.controller = Controller(smtp_server, hostname="127.0.0.1", port=port)
    smtp_server.controller.start()
    send_retries(app, rq_redis)
    [(recipients, email)] = smtp_server.messages[1:]
    assert second["number"] in email["Subject"]
    [delivery] = [d for d in deliveries(client, world, channel="email") if d["id"] == delivery["id"]]
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == ("sent", 2, None)


# --- the webhook --------------------------------------------------------------------------------------------


class WebhookReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.calls: list[tuple[dict, bytes]] = []
        self.answer = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.answer)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode": 0}' if receiver.answer == 200 else b'{"errcode": 500}')

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook?key=group-bot"


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join(10)


def test_escalation_is_posted_to_the_signed_webhook_and_a_failure_is_retried(app_factory, world, rq_redis,
                                                                             webhook_receiver):
    app = app_factory(jobs_inline=False)
    client = app.test_client()
    response = client.patch("/api/v1/service-settings", headers=world.headers("admin"),
                            json={"webhook_url": webhook_receiver.url, "webhook_secret": SECRET})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["webhook_url"], response.get_json()["webhook_secret_set"]) == (webhook_receiver.url, True)

    ticket = created(client, world)
    drain(app, rq_redis)

    [(headers, body)] = webhook_receiver.calls
    assert headers["content-type"].startswith("application/json")
    timestamp = headers[TIMESTAMP_HEADER.lower()]
    assert headers[SIGNATURE_HEADER.lower()] == sign(SECRET, timestamp, body)
    assert headers[SIGNATURE_HEADER.lower()] != sign("another-secret-0123456789", timestamp, body)
    payload = json.loads(body)
    assert payload["msgtype"] == "text"
    assert ticket["number"] in payload["text"]["content"] and "重大投诉" in payload["text"]["content"]
    event = payload["event"]
    escalation_id = client.get("/api/v1/escalations", headers=world.headers("hq_crm")).get_json()[0]["id"]
    assert event == {"type": "escalation", "escalation_id": escalation_id, "ticket_id": ticket["id"],
                     "number": ticket["number"], "rule": "major", "to_level": "hq", "reminder": 0}
    [delivery] = deliveries(client, world, channel="webhook")
    assert headers["x-servicehub-delivery"] == str(delivery["id"])
    assert (delivery["recipient"], delivery["status"], delivery["attempts"]) == (webhook_receiver.url, "sent", 1)

    # The receiver fails: the attempt is recorded and retried after its backoff.
    webhook_receiver.answer = 500
    before = utcnow()
    second = created(client, world, title="消防通道被占用")
    drain(app, rq_redis)

    assert len(webhook_receiver.calls) == 2
    [delivery] = [d for d in deliveries(client, world, channel="webhook") if second["number"] in d["subject"]]
    assert (delivery["status"], delivery["attempts"], delivery["sent_at"]) == ("pending", 1, None)
    assert "500" in delivery["last_error"]
    assert_retry_scheduled(app, world, delivery["id"], before)

    webhook_receiver.answer = 200
    send_retries(app, rq_redis)
    assert len(webhook_receiver.calls) == 3
    retried_headers, retried_body = webhook_receiver.calls[2]
    assert json.loads(retried_body)["event"]["number"] == second["number"]
    assert retried_headers[SIGNATURE_HEADER.lower()] == sign(SECRET, retried_headers[TIMESTAMP_HEADER.lower()],
                                                             retried_body)
    [delivery] = [d for d in deliveries(client, world, channel="webhook") if d["id"] == delivery["id"]]
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == ("sent", 2, None)


# --- SMS --------------------------------------------------------------------------------------------------


def test_a_major_complaint_texts_headquarters(app_factory, world, rq_redis, caplog):
    app = app_factory(jobs_inline=False)
    client = app.test_client()
    set_contact(app, world.tenants["alpha"], world.user("hq_crm"), phone=HQ_PHONE)

    ticket = created(client, world)
    with caplog.at_level(logging.INFO, logger="servicehub.notifications"):
        drain(app, rq_redis)

    texts = [r.getMessage() for r in caplog.records if r.name == "servicehub.notifications" and "sms" in r.getMessage()]
    [text] = texts
    assert text.startswith(f"sms (log backend) to {HQ_PHONE}: ") and ticket["number"] in text
    [delivery] = deliveries(client, world, channel="sms")
    assert (delivery["recipient"], delivery["status"], delivery["attempts"]) == (HQ_PHONE, "sent", 1)

    # Only a major complaint texts: a group complaint of many households does not ...
    caplog.clear()
    group = created(client, world, is_major=False, households_affected=12, title="地库积水")
    # ... nor a major one once the group switched the texts off.
    assert client.patch("/api/v1/service-settings", headers=world.headers("admin"),
                        json={"sms_on_major": False}).status_code == 200
    quiet = created(client, world, title="外立面脱落")
    with caplog.at_level(logging.INFO, logger="servicehub.notifications"):
        drain(app, rq_redis)

    assert not [r for r in caplog.records if "sms (log backend)" in r.getMessage()]
    assert len(deliveries(client, world, channel="sms")) == 1
    notes = client.get("/api/v1/notifications", headers=world.headers("hq_crm")).get_json()
    assert {n["ticket_id"] for n in notes} == {ticket["id"], group["id"], quiet["id"]}
