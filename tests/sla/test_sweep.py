"""The SLA sweep: a ticket past its response or resolution due time is marked breached once, its
timeline says so, its assignee (or first responder) and the project's managers are told, and it
climbs one level per breach (project → region → hq) unless the group switched that off.

The clock is moved by passing `now=` to `sweep`, or by moving due times in the database for the
periodic job, which reads the real clock. These tickets are not repairs (their dispatch clock runs
besides: test_dispatch.py)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from servicehub.db import utcnow
from servicehub.escalations.models import Escalation
from servicehub.notifications.models import Notification
from servicehub.sla import sweep as sla_sweep
from servicehub.tickets.enums import TicketType
from servicehub.tickets.models import Ticket, TicketEvent
from tests.background import TICKETS, count, events, inbox, log, patch_settings, rows, set_rows, tenant_session
from tests.tickets.states import ticket_in

MINUTE = timedelta(minutes=1)


def sweep(world, now, tenant: str = "alpha", **kwargs) -> dict:
    with tenant_session(world, tenant) as session:
        return sla_sweep.sweep(session, world.tenants[tenant], now=now, **kwargs)


def load(world, ticket_id: int) -> Ticket:
    (row,) = rows(world, Ticket, Ticket.id == ticket_id)
    return row


def breach_events(client, world, ticket_id: int) -> list[dict]:
    return [e for e in events(client, world, ticket_id) if e["kind"] == "sla_breached"]


def notes(client, world, who: str, kind: str) -> list[dict]:
    return [n for n in inbox(client, world, who) if n["kind"] == kind]


def snapshot(world) -> dict:
    tickets = [(t.id, t.version, t.escalation_level, t.response_breached_at, t.resolve_breached_at, t.sla_breached)
               for t in rows(world, Ticket)]
    return {"tickets": tickets, "escalations": count(world, Escalation), "events": count(world, TicketEvent),
            "notifications": count(world, Notification)}


def test_a_response_breach_then_a_resolution_breach_climb_a_level_each(client, world):
    ticket_id = log(client, world, type="inquiry", title="物业费标准")["id"]
    logged = load(world, ticket_id)
    assert sweep(world, logged.response_due_at - MINUTE) == {"response": 0, "resolution": 0, "dispatch": 0}

    now = logged.response_due_at + MINUTE
    assert sweep(world, now) == {"response": 1, "resolution": 0, "dispatch": 0}
    marked = load(world, ticket_id)
    assert (marked.response_breached_at, marked.resolve_breached_at, marked.sla_breached) == (now, None, True)
    assert marked.escalation_level.value == "region" and marked.version == logged.version + 1
    (escalation,) = rows(world, Escalation)
    assert (escalation.rule.value, escalation.from_level.value, escalation.to_level.value) == (
        "sla_response", "project", "region")
    assert escalation.created_by_id is None and escalation.org_unit_id == world.unit("P-EAST-1")
    # The due time as the group reads it (Beijing time, to the minute).
    beijing = logged.response_due_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert escalation.reason == f"响应超时（应于 {beijing:%Y-%m-%d %H:%M} 前）"
    (event,) = breach_events(client, world, ticket_id)
    assert (event["actor_name"], event["actor_id"]) == ("system", None)
    assert event["data"] == {"which": "response", "due_at": logged.response_due_at.isoformat(),
                             "escalated_to": "region"}
    answer = client.get(f"{TICKETS}/{ticket_id}", headers=world.headers("pm1")).get_json()
    assert (answer["sla_breached"], answer["escalation_level"]) == (True, "region")

    # Who is told: the first responder (no assignee yet) about the ticket, the project manager and
    # the region it climbed to in a digest; nobody else.
    (own,) = notes(client, world, "pa1", "sla_breached")
    assert (own["ticket_id"], own["ref_type"], own["ref_id"]) == (ticket_id, "ticket", ticket_id)
    assert own["title"].startswith("响应超时：") and logged.number in own["title"]
    (digest,) = notes(client, world, "pm1", "sla_digest")
    assert digest["title"] == "响应超时：1 张工单" and digest["ticket_id"] is None
    (region,) = notes(client, world, "rm_east", "sla_digest")
    assert region["title"] == "响应超时升级至区域：1 张工单"
    for nobody in ("rm_south", "hq_crm", "ra_east", "pa2", "eng1"):
        assert inbox(client, world, nobody) == [], nobody

    # Idempotent: the same sweep again does nothing more.
    before = snapshot(world)
    assert sweep(world, now) == {"response": 0, "resolution": 0, "dispatch": 0}
    assert sweep(world, now + timedelta(hours=1)) == {"response": 0, "resolution": 0, "dispatch": 0}
    assert snapshot(world) == before

    # The resolution due time passes: a second breach, region → hq.
    later = logged.resolve_due_at + MINUTE
    assert sweep(world, later) == {"response": 0, "resolution": 1, "dispatch": 0}
    marked = load(world, ticket_id)
    assert marked.resolve_breached_at == later and marked.escalation_level.value == "hq"
    second = rows(world, Escalation, Escalation.rule == "sla_resolution")
    assert [(e.from_level.value, e.to_level.value) for e in second] == [("region", "hq")]
    assert breach_events(client, world, ticket_id)[-1]["data"]["escalated_to"] == "hq"
    (hq,) = notes(client, world, "hq_crm", "sla_digest")
    assert hq["title"] == "处理超时升级至集团：1 张工单"
    assert [n["title"][:5] for n in notes(client, world, "pa1", "sla_breached")] == ["处理超时：", "响应超时："]
    before = snapshot(world)
    assert sweep(world, later + timedelta(days=30)) == {"response": 0, "resolution": 0, "dispatch": 0}
    assert snapshot(world) == before


def test_with_sla_escalation_off_a_breach_is_marked_but_does_not_climb(client, world):
    assert patch_settings(client, world, sla_escalation=False)["sla_escalation"] is False
    ticket_id = log(client, world, type="inquiry")["id"]
    logged = load(world, ticket_id)
    assert sweep(world, logged.resolve_due_at + MINUTE) == {"response": 1, "resolution": 1, "dispatch": 0}
    marked = load(world, ticket_id)
    assert marked.sla_breached and marked.response_breached_at and marked.resolve_breached_at
    assert marked.escalation_level.value == "project"
    assert count(world, Escalation) == 0
    assert [e["data"]["escalated_to"] for e in breach_events(client, world, ticket_id)] == [None, None]
    assert len(notes(client, world, "pm1", "sla_digest")) == 2
    assert inbox(client, world, "rm_east") == [] and inbox(client, world, "hq_crm") == []


def test_both_breaches_in_one_sweep_climb_two_levels(client, world):
    ticket_id = log(client, world, type="inquiry")["id"]
    assert sweep(world, load(world, ticket_id).resolve_due_at + MINUTE) == {"response": 1, "resolution": 1, "dispatch": 0}
    assert [(e.rule.value, e.from_level.value, e.to_level.value) for e in rows(world, Escalation)] == [
        ("sla_response", "project", "region"), ("sla_resolution", "region", "hq")]
    assert load(world, ticket_id).escalation_level.value == "hq"


def test_a_ticket_at_hq_is_marked_and_stays_there(client, world):
    ticket_id = log(client, world, is_major=True)["id"]  # the major rule took it to hq
    assert sweep(world, load(world, ticket_id).response_due_at + MINUTE) == {"response": 1, "resolution": 0, "dispatch": 0}
    assert load(world, ticket_id).escalation_level.value == "hq" and load(world, ticket_id).sla_breached
    assert [e.rule.value for e in rows(world, Escalation)] == ["major"]


def test_a_ticket_responded_to_is_not_response_breached(client, world):
    ticket_id = ticket_in(world, "assigned", assignee="eng1", type=TicketType.inquiry)
    logged = load(world, ticket_id)
    assert logged.responded_at is not None
    assert sweep(world, logged.resolve_due_at - MINUTE) == {"response": 0, "resolution": 0, "dispatch": 0}
    assert sweep(world, logged.resolve_due_at + MINUTE) == {"response": 0, "resolution": 1, "dispatch": 0}
    marked = load(world, ticket_id)
    assert marked.response_breached_at is None and marked.resolve_breached_at is not None
    (escalation,) = rows(world, Escalation)
    assert (escalation.rule.value, escalation.to_level.value) == ("sla_resolution", "region")
    # The assignee is told about the ticket, not the first responder; the manager gets the digest.
    (own,) = notes(client, world, "eng1", "sla_breached")
    assert own["ticket_id"] == ticket_id and own["title"].startswith("处理超时：")
    assert notes(client, world, "pa1", "sla_breached") == []
    assert [n["title"] for n in notes(client, world, "pm1", "sla_digest")] == ["处理超时：1 张工单"]


@pytest.mark.parametrize("status", ["resolved", "closed", "cancelled"])
def test_tickets_no_longer_open_are_left_alone(client, world, status):
    ticket_in(world, status)  # a repair: no clock of any kind runs once it is no longer open
    before = snapshot(world)
    assert sweep(world, utcnow() + timedelta(days=365)) == {"response": 0, "resolution": 0, "dispatch": 0}
    assert snapshot(world) == before


def test_batches_cover_every_due_ticket(client, world):
    ids = [log(client, world, type="inquiry", title=f"咨询 {i}")["id"] for i in range(5)]
    latest = max(load(world, i).response_due_at for i in ids)
    assert sweep(world, latest + MINUTE, batch=2) == {"response": 5, "resolution": 0, "dispatch": 0}
    assert all(load(world, i).response_breached_at is not None for i in ids)
    # The first responder hears of every ticket, in one note per batch (naming a batch's one ticket).
    own = notes(client, world, "pa1", "sla_breached")
    assert len(own) == 3
    told = " ".join(n["title"] + n["body"] for n in own)
    assert all(load(world, i).number in told for i in ids)
    # One digest per batch for the manager and the region.
    for who, title in (("pm1", "响应超时"), ("rm_east", "响应超时升级至区域")):
        assert sorted(n["title"] for n in notes(client, world, who, "sla_digest")) == [
            f"{title}：1 张工单", f"{title}：2 张工单", f"{title}：2 张工单"]
    assert count(world, Escalation) == 5


def test_the_periodic_job_sweeps_each_active_group_by_the_real_clock(client, world):
    alpha = log(client, world, type="inquiry")["id"]
    beta = log(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", type="inquiry")["id"]
    not_due = log(client, world, type="inquiry")["id"]
    past = utcnow() - timedelta(minutes=5)
    set_rows(world, Ticket, Ticket.id == alpha, response_due_at=past)
    set_rows(world, Ticket, Ticket.id == beta, response_due_at=past, tenant="beta")
    with world.app.app_context():
        assert sla_sweep.sweep_all() == 2
    assert load(world, alpha).response_breached_at is not None
    assert load(world, not_due).response_breached_at is None
    (beta_row,) = rows(world, Ticket, Ticket.id == beta, tenant="beta")
    assert beta_row.response_breached_at is not None and beta_row.escalation_level.value == "region"
    # A suspended group is not swept.
    suspend = client.patch(f"/api/v1/tenants/{world.tenants['beta']}", headers=world.headers("root"),
                           json={"status": "suspended"})
    assert suspend.status_code == 200, suspend.get_json()
    other = rows(world, Ticket, Ticket.id == beta, tenant="beta")[0]
    set_rows(world, Ticket, Ticket.id == beta, resolve_due_at=past, tenant="beta")
    with world.app.app_context():
        assert sla_sweep.sweep_all() == 1
    (beta_row,) = rows(world, Ticket, Ticket.id == beta, tenant="beta")
    assert beta_row.resolve_breached_at is None and beta_row.version == other.version


def test_a_sweep_of_one_group_leaves_the_other_alone(client, world):
    alpha = log(client, world, type="inquiry")["id"]
    beta = log(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", type="inquiry")["id"]
    far = utcnow() + timedelta(days=365)
    assert sweep(world, far) == {"response": 1, "resolution": 1, "dispatch": 0}
    (beta_row,) = rows(world, Ticket, Ticket.id == beta, tenant="beta")
    assert (beta_row.sla_breached, beta_row.response_breached_at, beta_row.escalation_level.value) == (
        False, None, "project")
    assert count(world, Escalation, tenant="beta") == 0 and count(world, Notification, tenant="beta") == 0
    assert load(world, alpha).sla_breached
