"""/api/v1/tickets: intake (numbers, first responder, due times, routing, validation), idempotent
creation, stale writes (If-Match), comments, attachments, the append-only timeline, manual
escalation, the list (filters, sorting, offset and keyset pagination) and its statement count."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import DBAPIError

from servicehub.db import bind_tenant
from servicehub.escalations.models import Escalation
from servicehub.extensions import db
from servicehub.sla.defaults import DEFAULT_TARGETS
from servicehub.tickets.enums import Channel, Priority, TicketType
from servicehub.tickets.models import Ticket, TicketAttachment
from tests.scope_tools import api, assert_error, ids_of, pagination
from tests.tickets.states import called_back

TICKETS = api("/tickets")
CUSTOMERS = api("/customers")
PROPERTIES = api("/properties")
SHANGHAI = ZoneInfo("Asia/Shanghai")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 2
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(range(255, -1, -1)) * 2 + b"\xff\xd9"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def ticket_url(ticket_id: int, suffix: str = "") -> str:
    return f"{TICKETS}/{ticket_id}{suffix}"


def body_for(world, unit="P-EAST-1", tenant="alpha", **fields) -> dict:
    return {"type": "complaint", "channel": "phone", "org_unit_id": world.unit(unit, tenant), "title": "卫生间漏水",
            "description": "业主来电：主卫天花渗水。", **fields}


def create(client, world, who="pa1", unit="P-EAST-1", tenant="alpha", headers=None, **fields):
    return client.post(TICKETS, json=body_for(world, unit, tenant, **fields),
                       headers={**world.headers(who, tenant), **(headers or {})})


def created(client, world, who="pa1", unit="P-EAST-1", tenant="alpha", **fields) -> dict:
    response = create(client, world, who, unit, tenant, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def get(client, world, ticket_id, who="pa1", tenant="alpha"):
    return client.get(ticket_url(ticket_id), headers=world.headers(who, tenant))


def current(client, world, ticket_id, who="hq_crm") -> dict:
    response = get(client, world, ticket_id, who)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def patch(client, world, ticket_id, body, who="pm1", if_match=None):
    headers = world.headers(who)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.patch(ticket_url(ticket_id), json=body, headers=headers)


def move(client, world, ticket_id, to, who="pm1", if_match=None, reason=None):
    headers = world.headers(who)
    if if_match is not None:
        headers["If-Match"] = if_match
    body = {"to": to, **({"reason": reason} if reason else {})}
    return client.post(ticket_url(ticket_id, "/transitions"), json=body, headers=headers)


def moved(client, world, ticket_id, to, who="pm1", reason=None) -> dict:
    response = move(client, world, ticket_id, to, who, reason=reason)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def events(client, world, ticket_id, who="hq_crm") -> list[dict]:
    response = client.get(ticket_url(ticket_id, "/events?page_size=100"), headers=world.headers(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def new_customer(client, world, who="pa1", unit="P-EAST-1", name="张伟明", phone="13812341234") -> int:
    response = client.post(CUSTOMERS, headers=world.headers(who),
                           json={"org_unit_id": world.unit(unit), "name": name, "phone": phone})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def new_property(client, world, who="pa1", unit="P-EAST-1", room="1201") -> int:
    response = client.post(PROPERTIES, headers=world.headers(who),
                           json={"org_unit_id": world.unit(unit), "building": "3", "unit": "2", "room": room})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def period_now() -> set[str]:
    """The month of the group's calendar (around a request: both sides of a month's end)."""
    now = datetime.now(SHANGHAI)
    return {now.strftime("%Y%m"), (now + timedelta(seconds=30)).strftime("%Y%m")}


def set_columns(app, world, ticket_id: int, tenant="alpha", **values) -> None:
    """Change a ticket in the database directly (due times, creation time): the clock stays put."""
    with app.app_context():
        session = db.session
        bind_tenant(session, world.tenants[tenant])
        assert session.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values)).rowcount == 1
        session.commit()


def upload(client, world, ticket_id, content: bytes, filename="photo.png", who="pa1"):
    return client.post(ticket_url(ticket_id, "/attachments"), headers=world.headers(who),
                       data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


# --- intake ------------------------------------------------------------------------------------------------


def test_create_answers_201_with_etag_number_first_responder_and_due_times(client, world):
    response = create(client, world, priority="high")
    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    assert response.headers["ETag"] == '"1"' and ticket["version"] == 1
    assert ticket["number"][:6] == "ALPHA-" and ticket["number"][6:12] in period_now()
    assert ticket["number"].endswith("-000001") and len(ticket["number"]) == len("ALPHA-202601-000001")
    assert ticket["first_responder_id"] == world.user("pa1") and ticket["first_responder_name"] == "PA1"
    assert (ticket["status"], ticket["escalation_level"], ticket["assignee_id"]) == ("new", "project", None)
    assert ticket["org_unit_id"] == world.unit("P-EAST-1") and ticket["org_unit_name"] == "上海·滨江壹号"
    assert ticket["function"] == "customer_service"  # a complaint without a category
    response_minutes, resolve_minutes = DEFAULT_TARGETS[(TicketType.complaint, Priority.high)]
    created_at = moment(ticket["created_at"])
    assert abs(created_at - datetime.now(timezone.utc)) < timedelta(minutes=1)
    assert moment(ticket["response_due_at"]) == created_at + timedelta(minutes=response_minutes)
    assert moment(ticket["resolve_due_at"]) == created_at + timedelta(minutes=resolve_minutes)
    assert ticket["responded_at"] is None and ticket["is_overdue"] is False and ticket["sla_breached"] is False
    assert ticket["logged_late"] is False and ticket["contacted_at"] is None
    # What was answered is what is stored.
    stored = get(client, world, ticket["id"])
    assert stored.get_json() == ticket and stored.headers["ETag"] == '"1"'


def test_numbers_increment_per_group_and_each_group_counts_on_its_own(client, world):
    first = created(client, world)["number"]
    second = created(client, world, who="pa2", unit="P-EAST-2")["number"]
    beta = created(client, world, who="pa_b", unit="B-PROJECT", tenant="beta")["number"]
    third = created(client, world, who="pa3", unit="P-SOUTH-1")["number"]
    assert [n[-6:] for n in (first, second, third)] == ["000001", "000002", "000003"]
    assert first[:13] == second[:13] == third[:13]
    assert beta.startswith("BETA-") and beta.endswith("-000001")


def test_the_category_routes_the_ticket_to_its_function(client, world):
    categories = world.categories()
    assert created(client, world, category_id=categories["leakage"])["function"] == "engineering"
    assert created(client, world, category_id=categories["title_deed"])["function"] == "sales"
    assert created(client, world, category_id=categories["parking"])["function"] == "property"
    assert created(client, world, type="repair")["function"] == "engineering"  # no category: repairs
    # An explicit function wins over the category's.
    assert created(client, world, category_id=categories["leakage"], function="design")["function"] == "design"
    ticket = created(client, world, category_id=categories["leakage"])
    assert (ticket["category_id"], ticket["category_name"]) == (categories["leakage"], "渗漏")


def test_assigning_at_intake_starts_the_ticket_assigned(client, world):
    ticket = created(client, world, who="pm1", assignee_id=world.user("eng1"))
    assert (ticket["status"], ticket["assignee_id"], ticket["assignee_name"]) == ("assigned", world.user("eng1"), "ENG1")
    assert ticket["responded_at"] is not None
    assert [e["kind"] for e in events(client, world, ticket["id"])] == ["created", "assigned"]


INVALID_BODIES = [
    {"title": None},  # missing: removed below
    {"type": "complaint_x"},
    {"channel": "pigeon"},
    {"priority": "whenever"},
    {"title": ""},
    {"households_affected": 0},
    {"org_unit_id": "4"},
    {"is_major": "yes"},
    {"unexpected": 1},
    {"number": "ALPHA-202601-000009"},  # read-only fields are unknown fields on input
    {"status": "closed"},
    {"first_responder_id": 1},
    {"description": "x" * 5001},
    {"title": "漏\u0000水"},
    {"contacted_at": "yesterday"},
]


def test_invalid_bodies_answer_422_and_create_nothing(client, world):
    for change in INVALID_BODIES:
        body = body_for(world)
        for key, value in change.items():
            if value is None:
                body.pop(key)
            else:
                body[key] = value
        body_error = assert_error(client.post(TICKETS, json=body, headers=world.headers("pa1")), 422)
        assert set(body_error["errors"]["json"]) == set(change), change
    assert_error(client.post(TICKETS, data="{not json", content_type="application/json",
                             headers=world.headers("pa1")), 400)
    assert_error(client.post(TICKETS, json=[body_for(world)], headers=world.headers("pa1")), 422)
    assert pagination(client.get(TICKETS, headers=world.headers("pa1")))["total"] == 0


def test_a_ticket_belongs_to_a_project(client, world):
    for unit in ("EAST", "HQ"):
        error = assert_error(create(client, world, who="hq_crm", unit=unit), 422)
        assert "org_unit_id" in error["errors"]
    # A unit the caller cannot see does not exist for them.
    assert_error(create(client, world, who="pa1", unit="P-EAST-2"), 404)
    assert_error(create(client, world, who="pa1", unit="EAST"), 404)
    assert_error(client.post(TICKETS, json={**body_for(world), "org_unit_id": 999999},
                             headers=world.headers("pa1")), 404)


def test_customer_and_unit_must_be_in_reach_and_the_unit_in_the_project(client, world):
    own_customer = new_customer(client, world)
    own_room = new_property(client, world)
    other_customer = new_customer(client, world, who="pa2", unit="P-EAST-2", name="李娜", phone="13900001111")
    other_room = new_property(client, world, who="pa2", unit="P-EAST-2", room="0801")
    ticket = created(client, world, customer_id=own_customer, property_id=own_room)
    assert (ticket["customer_id"], ticket["customer_name"], ticket["property_id"]) == (own_customer, "张伟明", own_room)
    # Outside the caller's scope: as if it did not exist.
    assert_error(create(client, world, customer_id=other_customer), 404)
    assert_error(create(client, world, property_id=other_room), 404)
    assert_error(create(client, world, customer_id=999999), 404)
    # In reach (a region manager) but a unit of another project: refused as invalid.
    error = assert_error(create(client, world, who="rm_east", property_id=other_room), 422)
    assert "property_id" in error["errors"]
    # A customer of a sibling project is in the region manager's reach.
    assert created(client, world, who="rm_east", customer_id=other_customer)["customer_id"] == other_customer
    # Another group's ids are unknown.
    assert_error(create(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", customer_id=own_customer), 404)
    assert_error(create(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", property_id=own_room), 404)


def test_an_unknown_or_foreign_category_is_refused(client, world):
    alpha = world.categories()
    world.categories("beta")
    error = assert_error(create(client, world, who="pa_b", unit="B-PROJECT", tenant="beta",
                                category_id=alpha["leakage"]), 422)
    assert "category_id" in error["errors"]
    assert_error(create(client, world, category_id=999999), 422)


def test_contact_time_in_the_future_is_refused_and_a_late_log_is_flagged(client, world):
    now = datetime.now(timezone.utc)
    error = assert_error(create(client, world, contacted_at=(now + timedelta(hours=1)).isoformat()), 422)
    assert "contacted_at" in error["errors"]
    assert_error(create(client, world, contacted_at=(now - timedelta(days=40)).isoformat()), 422)
    assert_error(create(client, world, contacted_at="2026-01-01T10:00:00"), 422)  # no offset
    on_time = created(client, world, contacted_at=(now - timedelta(minutes=5)).isoformat())
    assert on_time["logged_late"] is False
    late_contact = (now - timedelta(minutes=11)).astimezone(SHANGHAI)
    late = created(client, world, contacted_at=late_contact.isoformat())
    assert late["logged_late"] is True
    assert moment(late["contacted_at"]) == late_contact
    # The SLA clock runs from the logging, not from the contact.
    response_minutes, _ = DEFAULT_TARGETS[(TicketType.complaint, Priority.normal)]
    assert moment(late["response_due_at"]) == moment(late["created_at"]) + timedelta(minutes=response_minutes)


def test_creating_needs_ticket_write_in_the_project(client, world):
    assert_error(create(client, world, who="viewer"), 403)
    assert_error(create(client, world, who="admin"), 403)
    assert_error(client.post(TICKETS, json=body_for(world), headers=world.headers("root")), 403)
    assert_error(client.post(TICKETS, json=body_for(world)), 401)
    assert pagination(client.get(TICKETS, headers=world.headers("hq_crm")))["total"] == 0


# --- idempotent creation ----------------------------------------------------------------------------------------


def test_the_same_idempotency_key_twice_creates_one_ticket(client, world):
    key = {"Idempotency-Key": "form-7f3a9c"}
    first = create(client, world, headers=key)
    second = create(client, world, headers=key)
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json()["id"] == first.get_json()["id"]
    assert second.get_json()["number"] == first.get_json()["number"]
    assert second.headers["ETag"] == first.headers["ETag"]
    assert pagination(client.get(TICKETS, headers=world.headers("pa1")))["total"] == 1
    assert [e["kind"] for e in events(client, world, first.get_json()["id"])] == ["created"]
    # The replay answers the ticket as it is now.
    assert patch(client, world, first.get_json()["id"], {"priority": "urgent"}).status_code == 200
    third = create(client, world, headers=key)
    assert third.status_code == 201 and third.get_json()["priority"] == "urgent"
    version = current(client, world, first.get_json()["id"])["version"]
    assert version > 1 and third.headers["ETag"] == f'"{version}"' and third.get_json()["version"] == version
    # The counter did not move for the replays.
    assert created(client, world)["number"].endswith("-000002")


def test_the_same_key_with_another_body_is_refused(client, world):
    key = {"Idempotency-Key": "form-1"}
    first = create(client, world, headers=key)
    assert first.status_code == 201
    error = assert_error(create(client, world, headers=key, title="另一件事"), 422)
    assert "Idempotency-Key" in error["errors"]
    assert pagination(client.get(TICKETS, headers=world.headers("pa1")))["total"] == 1


def test_idempotency_keys_belong_to_their_user(client, world):
    key = {"Idempotency-Key": "same-key"}
    mine = create(client, world, who="pa1", headers=key)
    theirs = create(client, world, who="pm1", headers=key)
    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert "Idempotent-Replayed" not in theirs.headers
    beta = create(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", headers=key)
    assert beta.status_code == 201 and "Idempotent-Replayed" not in beta.headers
    assert pagination(client.get(TICKETS, headers=world.headers("hq_crm")))["total"] == 2


def test_an_unusable_idempotency_key_is_refused(client, world):
    for key in ("k" * 101, "   "):
        error = assert_error(create(client, world, headers={"Idempotency-Key": key}), 422)
        assert "Idempotency-Key" in error["errors"]
    assert pagination(client.get(TICKETS, headers=world.headers("pa1")))["total"] == 0


def test_a_key_of_100_characters_is_fine(client, world):
    key = {"Idempotency-Key": "k" * 100}
    first, second = create(client, world, headers=key), create(client, world, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]


def test_a_refused_create_does_not_burn_the_key(client, world):
    """A create refused by validation leaves the key unused: fixed and resent, it creates."""
    key = {"Idempotency-Key": "retry-after-fix"}
    assert_error(create(client, world, headers=key, customer_id=999999), 404)
    response = create(client, world, headers=key)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert response.get_json()["number"].endswith("-000001")


# --- stale writes ---------------------------------------------------------------------------------------------------


def test_a_stale_patch_answers_412_and_changes_nothing(client, world):
    ticket = created(client, world)
    fresh = patch(client, world, ticket["id"], {"title": "卫生间天花渗水"}, if_match='"1"')
    assert fresh.status_code == 200, fresh.get_json()
    assert fresh.headers["ETag"] == '"2"' and fresh.get_json()["version"] == 2
    stale = patch(client, world, ticket["id"], {"title": "旧的修改", "priority": "urgent"}, if_match='"1"')
    assert_error(stale, 412)
    now = current(client, world, ticket["id"])
    assert (now["title"], now["priority"], now["version"]) == ("卫生间天花渗水", "normal", 2)
    assert [e["kind"] for e in events(client, world, ticket["id"])] == ["created", "updated"]


def test_a_stale_transition_answers_412_and_changes_nothing(client, world):
    ticket = created(client, world)
    edited = patch(client, world, ticket["id"], {"priority": "high"})
    assert edited.status_code == 200
    etag = edited.headers["ETag"]
    assert etag != '"1"' and etag == f'"{edited.get_json()["version"]}"'
    assert_error(move(client, world, ticket["id"], "in_progress", if_match='"1"'), 412)
    now = current(client, world, ticket["id"])
    assert (now["status"], now["assignee_id"], now["version"]) == ("new", None, edited.get_json()["version"])
    assert [e["kind"] for e in events(client, world, ticket["id"])] == ["created", "updated", "due_changed"]
    response = move(client, world, ticket["id"], "in_progress", if_match=etag)
    assert response.status_code == 200 and response.get_json()["status"] == "in_progress"
    assert response.headers["ETag"] == f'"{response.get_json()["version"]}"' != etag


def test_a_stale_escalation_answers_412(client, world):
    ticket = created(client, world)
    assert patch(client, world, ticket["id"], {"priority": "high"}).status_code == 200
    assert_error(client.post(ticket_url(ticket["id"], "/escalate"), json={"reason": "业主情绪激动"},
                             headers={**world.headers("pm1"), "If-Match": '"1"'}), 412)
    assert current(client, world, ticket["id"])["escalation_level"] == "project"


def test_a_malformed_if_match_answers_412(client, world):
    ticket = created(client, world)
    for if_match in ('"abc"', "abc", '"1", "2"', '"-1"', '"99999999999"', '""', ",", '"\u00b2"', '"1.0"'):
        assert_error(patch(client, world, ticket["id"], {"title": "x"}, if_match=if_match), 412)
        assert_error(move(client, world, ticket["id"], "in_progress", if_match=if_match), 412)
    assert current(client, world, ticket["id"])["version"] == 1


def test_writes_without_a_version_or_with_any_are_accepted(client, world):
    for if_match in (None, "*", 'W/"1"'):
        ticket = created(client, world)
        response = patch(client, world, ticket["id"], {"title": "改了"}, if_match=if_match)
        assert response.status_code == 200 and response.headers["ETag"] == '"2"', if_match
        response = move(client, world, ticket["id"], "in_progress", if_match=None if if_match is None else "*")
        assert response.status_code == 200 and response.headers["ETag"] == '"3"', if_match


def test_every_write_moves_the_version(client, world):
    ticket = created(client, world, who="pm1")
    steps = [
        patch(client, world, ticket["id"], {"assignee_id": world.user("pa1")}),
        move(client, world, ticket["id"], "in_progress", who="pa1"),
        client.post(ticket_url(ticket["id"], "/escalate"), json={"reason": "x"}, headers=world.headers("pm1")),
        move(client, world, ticket["id"], "resolved", who="pa1"),
        called_back(world, ticket["id"]),
        move(client, world, ticket["id"], "closed"),
    ]
    steps.remove(None)
    assert [s.status_code for s in steps] == [200, 200, 201, 200, 200]
    assert current(client, world, ticket["id"])["version"] == 6


# --- comments -------------------------------------------------------------------------------------------------------


def test_comments_internal_and_reply(client, world):
    ticket = created(client, world)
    note = client.post(ticket_url(ticket["id"], "/comments"), json={"body": "已通知工程部"}, headers=world.headers("pa1"))
    assert note.status_code == 201
    assert (note.get_json()["kind"], note.get_json()["author_id"]) == ("internal", world.user("pa1"))
    assert current(client, world, ticket["id"])["responded_at"] is None  # an internal note is no response
    reply = client.post(ticket_url(ticket["id"], "/comments"), json={"body": "您好，明天上午上门查看。", "kind": "reply"},
                        headers=world.headers("pm1"))
    assert reply.status_code == 201
    after = current(client, world, ticket["id"])
    assert after["responded_at"] is not None
    assert moment(after["responded_at"]) == moment(reply.get_json()["created_at"])
    assert after["status"] == "new"  # a reply is no assignment
    listed = client.get(ticket_url(ticket["id"], "/comments"), headers=world.headers("viewer"))
    assert listed.status_code == 200
    assert [(c["kind"], c["body"], c["author_name"]) for c in listed.get_json()] == [
        ("internal", "已通知工程部", "PA1"), ("reply", "您好，明天上午上门查看。", "PM1")]
    assert pagination(listed)["total"] == 2
    # A second reply does not move the first response.
    client.post(ticket_url(ticket["id"], "/comments"), json={"body": "已修好", "kind": "reply"}, headers=world.headers("pa1"))
    assert current(client, world, ticket["id"])["responded_at"] == after["responded_at"]
    assert [e["kind"] for e in events(client, world, ticket["id"])] == ["created", "commented", "commented", "commented"]


def test_comment_validation_and_access(client, world):
    ticket = created(client, world)
    url = ticket_url(ticket["id"], "/comments")
    assert_error(client.post(url, json={"body": ""}, headers=world.headers("pa1")), 422)
    assert_error(client.post(url, json={"body": "x", "kind": "public"}, headers=world.headers("pa1")), 422)
    assert_error(client.post(url, json={}, headers=world.headers("pa1")), 422)
    assert_error(client.post(url, json={"body": "x"}, headers=world.headers("viewer")), 403)
    assert_error(client.post(url, json={"body": "x"}, headers=world.headers("pa2")), 404)
    assert_error(client.get(url, headers=world.headers("pa2")), 404)
    assert_error(client.get(url, headers=world.headers("eng1")), 404)  # not routed to engineering
    assert client.get(url, headers=world.headers("pa1")).get_json() == []


# --- attachments ----------------------------------------------------------------------------------------------------


def stored_files(app) -> set:
    root = app.extensions["servicehub.storage"].root
    return {p for p in root.rglob("*") if p.is_file()}


def attachment_rows(app, world) -> int:
    with app.app_context():
        session = db.session
        bind_tenant(session, world.tenants["alpha"])
        return len(session.scalars(select(TicketAttachment)).all())


PHOTOS = [
    (PNG, "漏水照片.png", "image/png"),
    (JPEG, "crack.jpeg", "image/jpeg"),
    (PNG, "photo.txt", "image/png"),  # the type is read from the bytes, not from the name
    (JPEG, "../../etc/passwd", "image/jpeg"),  # the name is kept without its folders
]


def test_photos_are_accepted_and_come_back_as_sent(client, world):
    for content, filename, mime in PHOTOS:
        check_photo(client, world, content, filename, mime)


def check_photo(client, world, content, filename, mime):
    ticket = created(client, world)
    response = upload(client, world, ticket["id"], content, filename)
    assert response.status_code == 201, response.get_json()
    attachment = response.get_json()
    assert attachment["content_type"] == mime and attachment["size"] == len(content)
    assert attachment["sha256"] == hashlib.sha256(content).hexdigest()
    assert attachment["filename"] == filename.rsplit("/", 1)[-1]
    assert attachment["uploaded_by_id"] == world.user("pa1") and attachment["ticket_id"] == ticket["id"]
    download = client.get(ticket_url(ticket["id"], f"/attachments/{attachment['id']}"), headers=world.headers("rm_east"))
    assert download.status_code == 200
    assert download.data == content
    assert download.mimetype == mime
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    listed = client.get(ticket_url(ticket["id"], "/attachments"), headers=world.headers("viewer"))
    assert [a["id"] for a in listed.get_json()] == [attachment["id"]]
    kinds = [(e["kind"], e["data"].get("attachment_id")) for e in events(client, world, ticket["id"])]
    assert kinds == [("created", None), ("attachment_added", attachment["id"])]


def test_an_attachment_is_read_only_through_its_ticket(client, world):
    ticket = created(client, world)
    other = created(client, world)
    attachment = upload(client, world, ticket["id"], PNG).get_json()
    url = ticket_url(ticket["id"], f"/attachments/{attachment['id']}")
    for who in ("pa2", "rm_south", "eng1"):
        assert_error(client.get(url, headers=world.headers(who)), 404)
    assert_error(client.get(url, headers=world.headers("pa_b", "beta")), 404)
    assert_error(client.get(url, headers=world.headers("admin")), 403)
    # Through another ticket (even a visible one) the attachment does not exist.
    assert_error(client.get(ticket_url(other["id"], f"/attachments/{attachment['id']}"), headers=world.headers("pa1")), 404)
    assert_error(client.get(ticket_url(ticket["id"], f"/attachments/{attachment['id'] + 1}"),
                            headers=world.headers("pa1")), 404)
    assert_error(upload(client, world, ticket["id"], PNG, who="pa2"), 404)
    assert_error(upload(client, world, ticket["id"], PNG, who="viewer"), 403)


REFUSED_UPLOADS = [
    (ELF, "photo.jpg", 415),
    (EXE, "setup.exe", 415),
    ("这不是图片，只是一段文字。\n".encode() * 20, "photo.jpg", 415),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "a.png", 415),
    (b"", "empty.png", 422),
    (PNG + b"\x00" * 1024, "big.png", 413),
]


def test_refused_uploads_store_nothing(app_factory, world):
    small = app_factory(attachment_max_bytes=1024)
    client = small.test_client()
    ticket = created(client, world)
    before = stored_files(small)
    for content, filename, status in REFUSED_UPLOADS:
        response = upload(client, world, ticket["id"], content, filename)
        error = assert_error(response, status)
        assert "file" in error["errors"], filename
    assert stored_files(small) == before
    assert attachment_rows(small, world) == 0
    assert [e["kind"] for e in events(client, world, ticket["id"])] == ["created"]
    assert client.get(ticket_url(ticket["id"], "/attachments"), headers=world.headers("pa1")).get_json() == []


def test_a_failure_after_storing_removes_the_file(app, client, world, monkeypatch):
    """The bytes are stored before the row is written: if the write fails, the file goes too."""
    from servicehub.tickets import service

    ticket = created(client, world)
    before = stored_files(app)
    real_event = service._event

    def failing(session, ticket, actor, what, /, **data):
        if what == "attachment_added":
            raise RuntimeError("database went away")
        return real_event(session, ticket, actor, what, **data)

    monkeypatch.setattr(service, "_event", failing)
    with pytest.raises(RuntimeError, match="database went away"):
        upload(client, world, ticket["id"], PNG)
    monkeypatch.undo()
    assert stored_files(app) == before
    assert attachment_rows(app, world) == 0
    assert upload(client, world, ticket["id"], PNG).status_code == 201
    assert len(stored_files(app) - before) == 1


def test_a_file_at_the_limit_is_accepted(app_factory, world):
    small = app_factory(attachment_max_bytes=1024)
    client = small.test_client()
    ticket = created(client, world)
    content = PNG + b"\x00" * (1024 - len(PNG))
    response = upload(client, world, ticket["id"], content)
    assert response.status_code == 201 and response.get_json()["size"] == 1024


def test_an_upload_without_a_file_part_is_refused(client, world):
    ticket = created(client, world)
    for data in ({}, {"file": "not a file"}, {"document": (io.BytesIO(PNG), "a.png")}):
        response = client.post(ticket_url(ticket["id"], "/attachments"), headers=world.headers("pa1"), data=data,
                               content_type="multipart/form-data")
        assert_error(response, 422)
    assert_error(client.post(ticket_url(ticket["id"], "/attachments"), headers=world.headers("pa1"),
                             json={"file": "iVBORw0KGgo="}), 422)
    assert client.get(ticket_url(ticket["id"], "/attachments"), headers=world.headers("pa1")).get_json() == []


# --- the timeline ---------------------------------------------------------------------------------------------------


def test_the_timeline_records_each_change_with_actor_and_time(client, world):
    start = datetime.now(timezone.utc) - timedelta(seconds=5)
    ticket = created(client, world)
    tid = ticket["id"]
    assert patch(client, world, tid, {"priority": "urgent"}).status_code == 200
    assert patch(client, world, tid, {"assignee_id": world.user("pa1")}).status_code == 200
    assert patch(client, world, tid, {"assignee_id": world.user("pm1"), "reason": "换人"}).status_code == 200
    moved(client, world, tid, "in_progress", who="pm1")
    client.post(ticket_url(tid, "/comments"), json={"body": "已上门"}, headers=world.headers("pm1"))
    assert upload(client, world, tid, PNG).status_code == 201
    assert client.post(ticket_url(tid, "/escalate"), json={"reason": "业主投诉升级"},
                       headers=world.headers("pm1")).status_code == 201
    moved(client, world, tid, "resolved", who="pm1")
    called_back(world, tid)
    moved(client, world, tid, "closed", who="pm1")
    moved(client, world, tid, "in_progress", who="pm1", reason="业主反映仍渗水")
    timeline = events(client, world, tid, who="viewer")
    assert [(e["kind"], e["actor_id"]) for e in timeline] == [
        ("created", world.user("pa1")),
        ("updated", world.user("pm1")),
        ("due_changed", world.user("pm1")),
        ("assigned", world.user("pm1")),
        ("reassigned", world.user("pm1")),
        ("status_changed", world.user("pm1")),
        ("commented", world.user("pm1")),
        ("attachment_added", world.user("pa1")),
        ("escalated", world.user("pm1")),
        ("status_changed", world.user("pm1")),
        ("status_changed", world.user("pm1")),
        ("reopened", world.user("pm1")),
    ]
    assert {e["actor_name"] for e in timeline} == {"PA1", "PM1"}
    times = [moment(e["at"]) for e in timeline]
    assert times == sorted(times) and start <= times[0] and times[-1] <= datetime.now(timezone.utc)
    assert timeline[0]["data"]["number"] == ticket["number"]
    assert timeline[1]["data"]["changes"]["priority"] == {"from": "normal", "to": "urgent"}
    assert timeline[3]["data"] == {"to": world.user("pa1"), "to_name": "PA1"}
    assert timeline[4]["data"] == {"from": world.user("pa1"), "from_name": "PA1", "to": world.user("pm1"),
                                   "to_name": "PM1", "reason": "换人"}
    assert timeline[8]["data"]["from"] == "project" and timeline[8]["data"]["to"] == "region"
    assert timeline[11]["data"]["reason"] == "业主反映仍渗水"
    assert pagination(client.get(ticket_url(tid, "/events?page_size=5"), headers=world.headers("pa1")))["total"] == 12


def test_assignments_keep_the_names_as_they_were(client, world):
    """`assigned` and `reassigned` name the people (as they were called then) beside their ids: at
    intake, by PATCH, and when work starts on an unassigned ticket (the worker takes it)."""
    at_intake = created(client, world, who="pm1", assignee_id=world.user("pa1"))
    (assigned,) = [e for e in events(client, world, at_intake["id"]) if e["kind"] == "assigned"]
    assert assigned["data"] == {"to": world.user("pa1"), "to_name": "PA1"}

    taken = created(client, world)
    moved(client, world, taken["id"], "in_progress", who="pa1")
    (assigned,) = [e for e in events(client, world, taken["id"]) if e["kind"] == "assigned"]
    assert assigned["data"] == {"to": world.user("pa1"), "to_name": "PA1"}

    renamed = client.patch(api(f"/users/{world.user('pa1')}"), json={"name": "李娜"}, headers=world.headers("admin"))
    assert renamed.status_code == 200, renamed.get_json()
    assert patch(client, world, taken["id"], {"assignee_id": world.user("eng1"), "reason": "需要工程"}).status_code == 200
    reassigned = events(client, world, taken["id"])[-1]
    assert reassigned["kind"] == "reassigned"
    assert reassigned["data"] == {"from": world.user("pa1"), "from_name": "李娜", "to": world.user("eng1"),
                                  "to_name": "ENG1", "reason": "需要工程"}
    # The intake's event keeps the name of its time.
    (assigned,) = [e for e in events(client, world, at_intake["id"]) if e["kind"] == "assigned"]
    assert assigned["data"]["to_name"] == "PA1"


def test_the_timeline_is_append_only(app, client, world, database):
    """Neither the app's database role nor the owner can change or delete an event (on PostgreSQL
    the app role has no UPDATE/DELETE grant, and a trigger refuses it for every role)."""
    ticket = created(client, world)
    moved(client, world, ticket["id"], "in_progress", who="pa1")
    engines = [app.extensions["servicehub.db"].engine]
    if database["owner"] is not None:
        engines.append(database["owner"])
    for engine in engines:
        for statement in ("UPDATE ticket_events SET kind = 'forged', actor_name = 'nobody'",
                          "DELETE FROM ticket_events"):
            with engine.connect() as conn:
                with pytest.raises(DBAPIError, match="append-only|permission denied") as refused:
                    with conn.begin():
                        if engine.dialect.name == "postgresql":
                            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                                         {"t": str(world.tenants["alpha"])})
                        conn.execute(text(statement))
                if engine is not engines[0] or engine.dialect.name == "sqlite":
                    assert "append-only" in str(refused.value)
    timeline = events(client, world, ticket["id"])
    assert [e["kind"] for e in timeline] == ["created", "assigned", "status_changed"]
    assert {e["actor_name"] for e in timeline} == {"PA1"}


# --- manual escalation ---------------------------------------------------------------------------------------------


def escalate(client, world, ticket_id, who="pm1", reason="业主要求区域介入", tenant="alpha"):
    body = {} if reason is None else {"reason": reason}
    return client.post(ticket_url(ticket_id, "/escalate"), json=body, headers=world.headers(who, tenant))


def escalation_rows(app, world, ticket_id) -> list[tuple]:
    with app.app_context():
        session = db.session
        bind_tenant(session, world.tenants["alpha"])
        rows = session.scalars(select(Escalation).where(Escalation.ticket_id == ticket_id).order_by(Escalation.id))
        return [(r.from_level.value, r.to_level.value, r.rule.value, r.reason, r.created_by_id, r.org_unit_id)
                for r in rows]


def test_escalation_climbs_project_region_hq_then_stops(app, client, world):
    ticket = created(client, world)
    first = escalate(client, world, ticket["id"])
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert (body["ticket_id"], body["from_level"], body["to_level"], body["rule"]) == (ticket["id"], "project", "region", "manual")
    assert body["acknowledged_at"] is None and body["created_by_id"] == world.user("pm1")
    assert current(client, world, ticket["id"])["escalation_level"] == "region"
    second = escalate(client, world, ticket["id"], who="rm_east", reason="区域无法协调，上报集团")
    assert second.status_code == 201 and (second.get_json()["from_level"], second.get_json()["to_level"]) == ("region", "hq")
    assert current(client, world, ticket["id"])["escalation_level"] == "hq"
    error = assert_error(escalate(client, world, ticket["id"], who="hq_crm"), 409)
    assert "escalation_level" in error["errors"]
    p1 = world.unit("P-EAST-1")
    assert escalation_rows(app, world, ticket["id"]) == [
        ("project", "region", "manual", "业主要求区域介入", world.user("pm1"), p1),
        ("region", "hq", "manual", "区域无法协调，上报集团", world.user("rm_east"), p1),
    ]
    assert [e["kind"] for e in events(client, world, ticket["id"])] == ["created", "escalated", "escalated"]


def test_escalation_needs_a_reason_a_manager_and_an_open_ticket(app, client, world):
    ticket = created(client, world)
    assert_error(escalate(client, world, ticket["id"], reason=None), 422)
    assert_error(escalate(client, world, ticket["id"], reason=""), 422)
    assert_error(escalate(client, world, ticket["id"], who="pa1"), 403)
    assert_error(escalate(client, world, ticket["id"], who="viewer"), 403)
    assert_error(escalate(client, world, ticket["id"], who="pa2"), 403)  # no escalate permission anywhere
    assert_error(escalate(client, world, ticket["id"], who="rm_south"), 404)
    assert_error(escalate(client, world, ticket["id"], who="admin", tenant="beta"), 403)
    assert current(client, world, ticket["id"])["escalation_level"] == "project"
    for to in ("in_progress", "resolved", "closed"):
        if to == "closed":
            called_back(world, ticket["id"])
        moved(client, world, ticket["id"], to)
    error = assert_error(escalate(client, world, ticket["id"]), 409)
    assert error["errors"]["status"] == ["closed"]
    cancelled = created(client, world)
    moved(client, world, cancelled["id"], "cancelled", reason="重复登记")
    assert_error(escalate(client, world, cancelled["id"]), 409)
    assert escalation_rows(app, world, ticket["id"]) == []


# --- the list: filters -------------------------------------------------------------------------------------------------


@pytest.fixture
def listed(app, client, world):
    """Five tickets across the group (numbers 1..5 in this order), with one beta ticket beside them.

    A  P-EAST-1  complaint  leakage (工程质量)  high    customer 张伟明 13812341234   new
    B  P-EAST-1  repair     cracks (工程质量)   urgent  assignee eng1, major          assigned
    C  P-EAST-2  inquiry    —                  normal                                in_progress
    D  P-SOUTH-1 suggestion parking (物业管理)  low                                   resolved
    E  P-EAST-1  praise     front_desk_service normal  customer 李娜 13900001111      new
    """
    categories = world.categories()
    zhang = new_customer(client, world)
    li = new_customer(client, world, name="李娜", phone="13900001111")
    tickets = {
        "A": created(client, world, title="卫生间漏水", category_id=categories["leakage"], priority="high",
                     customer_id=zhang),
        "B": created(client, world, who="pm1", type="repair", title="外墙开裂", description="东立面裂缝",
                     category_id=categories["cracks"], priority="urgent", assignee_id=world.user("eng1"),
                     is_major=True, households_affected=12),
        "C": created(client, world, who="pa2", unit="P-EAST-2", type="inquiry", title="物业费咨询",
                     description="物业费标准"),
        "D": created(client, world, who="pa3", unit="P-SOUTH-1", type="suggestion", title="停车位建议",
                     description="增加访客车位", category_id=categories["parking"], priority="low"),
        "E": created(client, world, type="praise", title="表扬前台", description="前台服务热情",
                     category_id=categories["front_desk_service"], customer_id=li),
    }
    moved(client, world, tickets["C"]["id"], "in_progress", who="pa2")
    moved(client, world, tickets["D"]["id"], "in_progress", who="pa3")
    moved(client, world, tickets["D"]["id"], "resolved", who="pa3")
    created(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", title="卫生间漏水")
    return {name: t["id"] for name, t in tickets.items()}, {name: t["number"] for name, t in tickets.items()}


def find(client, world, who="hq_crm", tenant="alpha", **query) -> set[int]:
    return ids_of(client.get(TICKETS, query_string={"page_size": 100, **query}, headers=world.headers(who, tenant)))


def named(ids: dict, *names) -> set[int]:
    return {ids[n] for n in names}


def test_list_without_filters_is_newest_first(client, world, listed):
    ids, _numbers = listed
    response = client.get(TICKETS, headers=world.headers("hq_crm"))
    assert [t["id"] for t in response.get_json()] == [ids[n] for n in "EDCBA"]
    assert pagination(response)["total"] == 5


FILTERS = [
    ({"type": "complaint"}, "A"),
    ({"type": ["complaint", "repair"]}, "AB"),
    ({"status": "new"}, "AE"),
    ({"status": ["new", "in_progress"]}, "ACE"),
    ({"status": ["assigned", "resolved"]}, "BD"),
    ({"priority": "urgent"}, "B"),
    ({"priority": ["high", "urgent"]}, "AB"),
    ({"is_major": "true"}, "B"),
    ({"is_major": "false"}, "ACDE"),
    ({"type": "repair", "status": "new"}, ""),
]


def test_list_filters(client, world, listed):
    ids, _numbers = listed
    for query, expected in FILTERS:
        assert find(client, world, **query) == named(ids, *expected), query


def test_filter_by_category_includes_its_children(client, world, listed):
    ids, _numbers = listed
    categories = world.categories()
    assert find(client, world, category_id=categories["construction_quality"]) == named(ids, "A", "B")
    assert find(client, world, category_id=categories["leakage"]) == named(ids, "A")
    assert find(client, world, category_id=categories["property_management"]) == named(ids, "D")
    assert find(client, world, category_id=categories["sales_promise"]) == set()
    assert find(client, world, category_id=999999) == set()
    beta = world.categories("beta")
    assert find(client, world, category_id=beta["construction_quality"]) == set()


def test_filter_by_org_unit_includes_the_units_below(client, world, listed):
    ids, _numbers = listed
    assert find(client, world, org_unit_id=world.unit("HQ")) == named(ids, *"ABCDE")
    assert find(client, world, org_unit_id=world.unit("EAST")) == named(ids, "A", "B", "C", "E")
    assert find(client, world, org_unit_id=world.unit("SOUTH")) == named(ids, "D")
    assert find(client, world, org_unit_id=world.unit("P-EAST-1")) == named(ids, "A", "B", "E")
    # A unit outside the caller's reach narrows to nothing; it never widens the scope.
    assert find(client, world, who="pa1", org_unit_id=world.unit("P-EAST-2")) == set()
    assert find(client, world, who="rm_south", org_unit_id=world.unit("EAST")) == set()
    assert find(client, world, who="rm_east", org_unit_id=world.unit("HQ")) == named(ids, "A", "B", "C", "E")
    assert find(client, world, who="pa_b", tenant="beta", org_unit_id=world.unit("P-EAST-1")) == set()


def test_filter_by_people(client, world, listed):
    ids, _numbers = listed
    assert find(client, world, assignee_id=world.user("eng1")) == named(ids, "B")
    assert find(client, world, assignee_id=world.user("pa2")) == named(ids, "C")  # picked it up
    assert find(client, world, first_responder_id=world.user("pa1")) == named(ids, "A", "E")
    assert find(client, world, assignee_id=world.user("viewer")) == set()


def test_filter_overdue(app, client, world, listed):
    ids, _numbers = listed
    assert find(client, world, overdue="true") == set()
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    set_columns(app, world, ids["A"], resolve_due_at=past)  # open, past its resolution time
    set_columns(app, world, ids["E"], response_due_at=past)  # open, nobody responded in time
    set_columns(app, world, ids["C"], response_due_at=past)  # responded (in progress): not overdue
    set_columns(app, world, ids["D"], resolve_due_at=past, response_due_at=past)  # resolved: not overdue
    assert find(client, world, overdue="true") == named(ids, "A", "E")
    assert find(client, world, overdue="false") == named(ids, "B", "C", "D")
    flags = {t["id"]: t["is_overdue"] for t in client.get(TICKETS, headers=world.headers("hq_crm")).get_json()}
    assert flags == {ids[n]: n in "AE" for n in "ABCDE"}
    assert find(client, world, overdue="true", org_unit_id=world.unit("P-EAST-1"), type="praise") == named(ids, "E")


def test_search_by_number_words_and_customer(client, world, listed):
    ids, numbers = listed
    assert find(client, world, q=numbers["C"]) == named(ids, "C")
    assert find(client, world, q=numbers["C"].lower()) == named(ids, "C")
    assert find(client, world, q="000002") == named(ids, "B")
    assert find(client, world, q="4") == named(ids, "D")
    assert find(client, world, q="漏水") == named(ids, "A")
    assert find(client, world, q="裂缝") == named(ids, "B")  # description words
    assert find(client, world, q="张伟明") == named(ids, "A")
    assert find(client, world, q="李娜") == named(ids, "E")
    assert find(client, world, q="13812341234") == named(ids, "A")
    assert find(client, world, q="138-1234-1234") == named(ids, "A")
    assert find(client, world, q="1111") == named(ids, "E")  # the last four digits of the phone
    assert find(client, world, q="不存在的词") == set()
    assert find(client, world, q="100%_") == set()
    # The search stays inside the caller's scope.
    assert find(client, world, who="pa2", q="漏水") == set()
    assert find(client, world, who="pa_b", tenant="beta", q=numbers["A"]) == set()


def test_filter_by_creation_time(app, client, world, listed):
    ids, _numbers = listed
    now = datetime.now(timezone.utc)
    set_columns(app, world, ids["D"], created_at=now - timedelta(days=10))
    set_columns(app, world, ids["C"], created_at=now - timedelta(days=3))
    five_days_ago = (now - timedelta(days=5)).astimezone(SHANGHAI).isoformat()
    two_days_ago = (now - timedelta(days=2)).isoformat()
    assert find(client, world, created_to=five_days_ago) == named(ids, "D")
    assert find(client, world, created_from=five_days_ago) == named(ids, "A", "B", "C", "E")
    assert find(client, world, created_from=five_days_ago, created_to=two_days_ago) == named(ids, "C")
    assert_error(client.get(TICKETS, query_string={"created_from": "2026-01-01T00:00:00"},
                            headers=world.headers("hq_crm")), 422)


def test_filter_by_resolution_time(app, client, world, listed):
    """resolved_from / resolved_to read `resolved_at` (the dashboard's 已解决): created at any time, and
    a reopened ticket is not resolved any more."""
    ids, _numbers = listed
    now = datetime.now(timezone.utc)
    moved(client, world, ids["C"], "resolved", who="pa2")
    moved(client, world, ids["B"], "in_progress", who="eng1")
    moved(client, world, ids["B"], "resolved", who="eng1")
    set_columns(app, world, ids["D"], resolved_at=now - timedelta(days=10), created_at=now - timedelta(days=20))
    set_columns(app, world, ids["C"], resolved_at=now - timedelta(days=3))
    five_days_ago = (now - timedelta(days=5)).astimezone(SHANGHAI).isoformat()
    two_days_ago = (now - timedelta(days=2)).isoformat()
    assert find(client, world, resolved_to=five_days_ago) == named(ids, "D")
    assert find(client, world, resolved_from=five_days_ago) == named(ids, "B", "C")
    assert find(client, world, resolved_from=five_days_ago, resolved_to=two_days_ago) == named(ids, "C")
    # With the creation time: resolved in the period, created before it.
    assert find(client, world, resolved_from=(now - timedelta(days=15)).isoformat(),
                created_to=(now - timedelta(days=15)).isoformat()) == named(ids, "D")
    called_back(world, ids["B"])
    moved(client, world, ids["B"], "closed", who="pm1")
    moved(client, world, ids["B"], "in_progress", who="pm1", reason="业主反映仍开裂")  # reopened
    assert find(client, world, resolved_from=five_days_ago) == named(ids, "C")
    # Inside the caller's scope only.
    assert find(client, world, who="pa1", resolved_from=(now - timedelta(days=30)).isoformat()) == set()
    assert find(client, world, who="rm_east", resolved_from=(now - timedelta(days=30)).isoformat()) == named(ids, "C")


def test_filter_by_channel(client, world, listed):
    ids, _numbers = listed
    walk_in = created(client, world, channel="walk_in", title="来访")["id"]
    wechat = created(client, world, who="pa3", unit="P-SOUTH-1", channel="wechat", title="微信")["id"]
    assert find(client, world, channel="walk_in") == {walk_in}
    assert find(client, world, channel=["walk_in", "wechat"]) == {walk_in, wechat}
    assert find(client, world, channel="phone") == named(ids, *"ABCDE")
    assert find(client, world, channel="email") == set()
    assert find(client, world, who="pa1", channel=["walk_in", "wechat"]) == {walk_in}
    assert find(client, world, channel="wechat", org_unit_id=world.unit("EAST")) == set()


def test_the_new_filters_keep_the_count_and_the_keyset_pages(app, client, world, many):
    """channel and resolved_* narrow the count and every keyset page alike."""
    now = datetime.now(timezone.utc)
    for ticket_id in many[::2]:  # six of eleven, resolved a day ago
        set_columns(app, world, ticket_id, status="resolved", resolved_at=now - timedelta(days=1))
    visits = [created(client, world, channel="walk_in", title=f"来访{i}")["id"] for i in range(3)]
    query = {"resolved_from": (now - timedelta(days=2)).isoformat(), "resolved_to": now.isoformat()}
    found, metas = walk(client, world, 4, **query)
    assert sorted(found) == sorted(many[::2]) and len(found) == 6
    assert [m["total"] for m in metas] == [6, 6]
    assert found == offset_order(client, world, **query)
    found, metas = walk(client, world, 2, channel="walk_in")
    assert found == list(reversed(visits)) and [m["total"] for m in metas] == [3, 3]
    response = client.get(TICKETS, query_string={"channel": "walk_in", "page": 2, "page_size": 2},
                          headers=world.headers("pa1"))
    assert [t["id"] for t in response.get_json()] == [visits[0]]
    assert pagination(response)["total"] == 3 and pagination(response)["total_pages"] == 2


INVALID_QUERIES = [
    {"type": "nonsense"}, {"status": "open"}, {"priority": "p1"}, {"is_major": "maybe"}, {"overdue": "x"},
    {"org_unit_id": "0"}, {"org_unit_id": "abc"}, {"category_id": "-1"}, {"assignee_id": "99999999999"},
    {"sort": "title"}, {"sort": "-number"}, {"created_from": "yesterday"}, {"q": "x" * 65},
    {"page_size": "101"}, {"page": "0"}, {"after": "x" * 201},
    {"channel": "fax"}, {"channel": ["phone", "pigeon"]}, {"channel": ""},
    {"resolved_from": "yesterday"}, {"resolved_to": "2026-13-01T00:00:00+08:00"},
    {"resolved_from": "2026-01-01T00:00:00"},  # no offset
    {"resolved_to": "2026-01-01"},
]


def test_invalid_list_queries_answer_422(client, world):
    for query in INVALID_QUERIES:
        assert_error(client.get(TICKETS, query_string=query, headers=world.headers("hq_crm")), 422)


# --- the list: sorting and pagination ------------------------------------------------------------------------------


def test_sorting(app, client, world, listed):
    ids, numbers = listed

    def order(sort):
        response = client.get(TICKETS, query_string={"sort": sort}, headers=world.headers("hq_crm"))
        assert response.status_code == 200
        return "".join(next(n for n, i in ids.items() if i == t["id"]) for t in response.get_json())

    assert order("number") == "ABCDE"
    assert order("created_at") == "ABCDE"
    assert order("-created_at") == "EDCBA"
    # Resolution due: B urgent repair (1 day), C normal inquiry (2 days), A high complaint and
    # E normal praise (3 days, A created first), D low suggestion (14 days).
    assert order("resolve_due_at") == "BCAED"
    assert order("-resolve_due_at") == "DEACB"
    assert patch(client, world, ids["A"], {"title": "卫生间漏水（复）"}).status_code == 200
    assert order("-updated_at")[0] == "A"
    assert order("updated_at")[-1] == "A"


def test_offset_pagination_with_the_header(client, world, listed):
    ids, _numbers = listed
    seen = []
    for page in (1, 2, 3):
        response = client.get(TICKETS, query_string={"page": page, "page_size": 2}, headers=world.headers("hq_crm"))
        assert response.status_code == 200
        meta = pagination(response)
        assert (meta["total"], meta["total_pages"], meta["page"]) == (5, 3, page)
        seen += [t["id"] for t in response.get_json()]
    assert seen == [ids[n] for n in "EDCBA"]
    beyond = client.get(TICKETS, query_string={"page": 4, "page_size": 2}, headers=world.headers("hq_crm"))
    assert beyond.status_code == 200 and beyond.get_json() == []


@pytest.fixture
def many(app, client, world):
    """Eleven tickets in P-EAST-1; four of them share one creation time (ties broken by id)."""
    ids = [created(client, world, title=f"工单{i}")["id"] for i in range(11)]
    same = datetime.now(timezone.utc) - timedelta(hours=1)
    for ticket_id in ids[3:7]:
        set_columns(app, world, ticket_id, created_at=same)
    return ids


def walk(client, world, page_size, **query) -> tuple[list[int], list[dict]]:
    found, metas, after = [], [], None
    for _ in range(20):
        params = {"page_size": page_size, **query, **({"after": after} if after else {})}
        response = client.get(TICKETS, query_string=params, headers=world.headers("pa1"))
        assert response.status_code == 200, response.get_json()
        found += [t["id"] for t in response.get_json()]
        meta = pagination(response)
        metas.append(meta)
        after = meta.get("next_cursor")
        if not after:
            return found, metas
    raise AssertionError("the cursor never ended")


def offset_order(client, world, **query) -> list[int]:
    response = client.get(TICKETS, query_string={"page_size": 100, **query}, headers=world.headers("pa1"))
    return [t["id"] for t in response.get_json()]


def test_keyset_pagination_walks_the_whole_list_once(client, world, many):
    for sort in ("-created_at", "created_at"):
        for page_size in (1, 3, 4, 11, 20):
            check_walk(client, world, many, sort, page_size)


def check_walk(client, world, many, sort, page_size):
    expected = offset_order(client, world, sort=sort)
    assert sorted(expected) == sorted(many)
    found, metas = walk(client, world, page_size, sort=sort)
    assert found == expected  # no duplicates, no gaps, the same order as the offset pages
    assert all(m["total"] == 11 for m in metas)
    assert len(metas) == -(-11 // page_size)  # the last page carries no cursor
    # Page by page, the keyset pages are the offset pages.
    for page, meta in enumerate(metas[:-1], start=1):
        offset_page = client.get(TICKETS, query_string={"page": page, "page_size": page_size, "sort": sort},
                                 headers=world.headers("pa1"))
        assert pagination(offset_page)["next_cursor"] == meta["next_cursor"]


def test_keyset_pagination_keeps_the_filters(client, world, many):
    urgent = [created(client, world, title=f"紧急{i}", priority="urgent")["id"] for i in range(5)]
    found, _metas = walk(client, world, 2, priority="urgent")
    assert found == list(reversed(urgent))


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


GARBAGE_CURSORS = [
    "garbage", "!!!", "%%%", "a", b64("2026"), b64("not-a-cursor"), "8J-Ygg",
    b64("2026-01-01T00:00:00|1"),  # no offset
    b64("2026-01-01T00:00:00+00:00|x"),  # an id that is not a number
    b64("2026-01-01T00:00:00+00:00|1|2"),  # three parts
    b64("yesterday|1"),
    base64.urlsafe_b64encode(b"\xff\xfe|1").decode(),  # not UTF-8
]


def test_a_garbage_cursor_answers_422(client, world, many):
    for cursor in GARBAGE_CURSORS:
        error = assert_error(client.get(TICKETS, query_string={"after": cursor}, headers=world.headers("pa1")), 422)
        assert "after" in json.dumps(error), cursor


def test_a_forged_cursor_never_fails_the_server(client, world, many):
    for raw in ("2026-01-01T00:00:00+00:00|99999999999999999999999", "2026-01-01T00:00:00+00:00|-5",
                "2026-01-01T00:00:00+00:00|0", "9999-12-31T23:59:59-14:00|1", "0001-01-01T00:00:00+14:00|1"):
        response = client.get(TICKETS, query_string={"after": b64(raw)}, headers=world.headers("pa1"))
        error = assert_error(response, 422)
        assert "after" in error["errors"], raw
    # A well-formed cursor from the future walks everything; one from the distant past, nothing.
    assert len(client.get(TICKETS, query_string={"after": b64("2999-01-01T00:00:00+00:00|1"), "page_size": 100},
                          headers=world.headers("pa1")).get_json()) == 11
    assert client.get(TICKETS, query_string={"after": b64("2000-01-01T00:00:00+08:00|1")},
                      headers=world.headers("pa1")).get_json() == []


def test_a_cursor_is_only_for_the_creation_order(client, world, many):
    cursor = pagination(client.get(TICKETS, query_string={"page_size": 2}, headers=world.headers("pa1")))["next_cursor"]
    for sort in ("number", "resolve_due_at", "-updated_at"):
        error = assert_error(client.get(TICKETS, query_string={"after": cursor, "sort": sort},
                                        headers=world.headers("pa1")), 422)
        assert "after" in error["errors"]["query"], sort
        # Lists sorted otherwise offer no cursor.
        assert "next_cursor" not in pagination(client.get(TICKETS, query_string={"page_size": 2, "sort": sort},
                                                          headers=world.headers("pa1")))


def test_a_cursor_does_not_widen_the_scope(client, world, many):
    """A cursor is a position, not a permission: another caller's cursor walks their own list only."""
    theirs = created(client, world, who="pa2", unit="P-EAST-2")["id"]
    oldest_first = {"page_size": 1, "sort": "created_at"}
    cursor = pagination(client.get(TICKETS, query_string=oldest_first, headers=world.headers("hq_crm")))["next_cursor"]
    rest = {"after": cursor, "page_size": 100, "sort": "created_at"}
    assert ids_of(client.get(TICKETS, query_string=rest, headers=world.headers("pa2"))) == {theirs}
    assert ids_of(client.get(TICKETS, query_string=rest, headers=world.headers("pa1"))) == set(many) - {many[3]}
    assert ids_of(client.get(TICKETS, query_string=rest, headers=world.headers("pa_b", "beta"))) == set()


# --- statement count -----------------------------------------------------------------------------------------------


def test_listing_tickets_does_not_grow_its_statements_with_the_page_size(app, client, world):
    categories = world.categories()
    category_ids = [categories[c] for c in ("leakage", "cracks", "front_desk_service", "parking", "other")]
    customers = [new_customer(client, world, name=f"客户{i:02d}", phone=f"1390000{i:04d}") for i in range(8)]
    assignees = [world.user(name) for name in ("pa1", "pm1", "eng1")]
    with app.test_request_context():
        from servicehub.auth.service import load_actor_for
        from servicehub.tenants.models import Tenant
        from servicehub.tickets import service
        from servicehub.users.models import User

        session = db.session
        bind_tenant(session, world.tenants["alpha"])
        tenant = session.get(Tenant, world.tenants["alpha"])
        actor = load_actor_for(session, account=session.get(User, world.user("pm1")), tenant=tenant)
        for i in range(105):
            service.create_ticket(session, actor=actor, org_unit_id=world.unit("P-EAST-1"), type=TicketType.repair,
                                  channel=Channel.phone, title=f"报修{i}", description="描述",
                                  category_id=category_ids[i % 5], customer_id=customers[i % 8],
                                  assignee_id=assignees[i % 3])
    engine = app.extensions["servicehub.db"].engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def run(who, page_size, **query):
        headers = world.headers(who)
        statements.clear()
        response = client.get(TICKETS, query_string={"page_size": page_size, **query}, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert all(t["customer_name"] and t["category_name"] and t["assignee_name"] and t["first_responder_name"]
                   for t in body)
        return len(body), len(statements)

    # eng1 reaches the tickets routed to engineering (leakage, cracks) and those assigned to them.
    engineering = sum(1 for i in range(105) if i % 5 in (0, 1) or i % 3 == 2)
    event.listen(engine, "before_cursor_execute", count)
    try:
        counts = {}
        for who, query in (("pm1", {}), ("rm_east", {"q": "报修"}), ("eng1", {}), ("hq_crm", {"sort": "number"})):
            small_rows, small = run(who, 10, **query)
            large_rows, large = run(who, 100, **query)
            assert small_rows == 10 and large_rows == min(100, engineering if who == "eng1" else 105), who
            assert small == large, (who, small, large)
            counts[who] = small
        cursor_rows, with_cursor = run("pm1", 100, after=_cursor(client, world))
        assert cursor_rows == 95 and with_cursor == counts["pm1"]
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _cursor(client, world) -> str:
    return pagination(client.get(TICKETS, query_string={"page_size": 10}, headers=world.headers("pm1")))["next_cursor"]
