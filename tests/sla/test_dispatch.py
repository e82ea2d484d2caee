"""The dispatch clock (派工) of repair tickets: someone is sent by `dispatch_due_at` — the repair's
response target — else the SLA sweep marks the ticket once (`dispatch_breached_at`, rule
`sla_dispatch`, 派工超时), writes its timeline, tells the same people and climbs as for the other
breaches. The first work order dispatched stops the clock; other tickets have no dispatch clock.

The clock is moved by passing `now=` to `sweep`, as in test_sweep.py."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from servicehub.db import utcnow
from servicehub.escalations.models import Escalation
from servicehub.tickets.models import Ticket
from tests.background import TICKETS, count, log, rows, set_rows
from tests.repairs import dispatch, new_contractor, repair_ticket
from tests.sla.test_sweep import MINUTE, breach_events, load, notes, snapshot, sweep
from tests.tickets.states import ticket_in

NOTHING = {"response": 0, "resolution": 0, "dispatch": 0}
DISPATCH_FIELDS = ("dispatch_due_at", "dispatched_at", "dispatch_breached_at")


def answered(client, world, ticket_id: int, who: str = "pm1") -> dict:
    response = client.get(f"{TICKETS}/{ticket_id}", headers=world.headers(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def listed(client, world, ticket_id: int, who: str = "pm1") -> dict:
    response = client.get(TICKETS, headers=world.headers(who), query_string={"page_size": 100})
    assert response.status_code == 200, response.get_json()
    (found,) = [t for t in response.get_json() if t["id"] == ticket_id]
    return found


def test_a_repair_is_due_for_dispatch_with_its_response_and_other_tickets_have_no_clock(client, world):
    repair = repair_ticket(client, world)
    assert repair["dispatch_due_at"] == repair["response_due_at"]
    assert (repair["dispatched_at"], repair["dispatch_breached_at"]) == (None, None)
    for shown in (answered(client, world, repair["id"]), listed(client, world, repair["id"])):
        assert [shown[f] for f in DISPATCH_FIELDS] == [repair["response_due_at"], None, None]
    created = client.get(f"{TICKETS}/{repair['id']}/events", headers=world.headers("pm1")).get_json()[0]
    assert created["kind"] == "created" and created["data"]["dispatch_due_at"] == repair["response_due_at"]

    inquiry = log(client, world, type="inquiry")
    for shown in (inquiry, answered(client, world, inquiry["id"]), listed(client, world, inquiry["id"])):
        assert [shown[f] for f in DISPATCH_FIELDS] == [None, None, None]
    # Far past every due time: the inquiry breaches response and resolution, never dispatch.
    assert sweep(world, utcnow() + timedelta(days=365)) == {"response": 2, "resolution": 2, "dispatch": 1}
    assert load(world, inquiry["id"]).dispatch_breached_at is None
    assert [e["data"]["which"] for e in breach_events(client, world, inquiry["id"])] == ["response", "resolution"]


def test_an_undispatched_repair_is_marked_once_told_and_climbs(client, world):
    # Assigned: the response clock stopped, the dispatch clock runs on.
    ticket_id = ticket_in(world, "assigned", assignee="eng1")
    logged = load(world, ticket_id)
    assert logged.responded_at is not None and logged.dispatch_due_at == logged.response_due_at
    assert sweep(world, logged.dispatch_due_at - MINUTE) == NOTHING

    now = logged.dispatch_due_at + MINUTE
    assert sweep(world, now) == {"response": 0, "resolution": 0, "dispatch": 1}
    marked = load(world, ticket_id)
    assert (marked.dispatch_breached_at, marked.response_breached_at, marked.sla_breached) == (now, None, True)
    assert marked.escalation_level.value == "region" and marked.version == logged.version + 1
    (escalation,) = rows(world, Escalation)
    assert (escalation.rule.value, escalation.from_level.value, escalation.to_level.value) == (
        "sla_dispatch", "project", "region")
    beijing = logged.dispatch_due_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert escalation.reason == f"派工超时（应于 {beijing:%Y-%m-%d %H:%M} 前）"
    assert escalation.created_by_id is None
    (event,) = breach_events(client, world, ticket_id)
    assert (event["actor_name"], event["actor_id"]) == ("system", None)
    assert event["data"] == {"which": "dispatch", "due_at": logged.dispatch_due_at.isoformat(),
                             "escalated_to": "region"}
    shown = answered(client, world, ticket_id)
    assert shown["dispatch_breached_at"] == now.isoformat() and shown["escalation_level"] == "region"
    inbox_escalation = client.get("/api/v1/escalations", headers=world.headers("rm_east")).get_json()
    assert [e["rule"] for e in inbox_escalation] == ["sla_dispatch"]

    # Told: the assignee about the ticket, the project manager and the region in digests.
    (own,) = notes(client, world, "eng1", "sla_breached")
    assert own["ticket_id"] == ticket_id and own["title"].startswith("派工超时：") and logged.number in own["title"]
    assert [n["title"] for n in notes(client, world, "pm1", "sla_digest")] == ["派工超时：1 张工单"]
    assert [n["title"] for n in notes(client, world, "rm_east", "sla_digest")] == ["派工超时升级至区域：1 张工单"]
    assert notes(client, world, "pa1", "sla_breached") == []

    # Once: later sweeps leave it alone (until its resolution is due).
    before = snapshot(world)
    assert sweep(world, now) == NOTHING
    assert sweep(world, logged.resolve_due_at - MINUTE) == NOTHING
    assert snapshot(world) == before and load(world, ticket_id).dispatch_breached_at == now


def test_a_dispatched_repair_is_not_dispatch_breached(client, world):
    contractor = new_contractor(client, world, "EAST")["id"]
    ticket = repair_ticket(client, world)
    response = dispatch(client, world, ticket["id"], contractor)
    assert response.status_code == 201, response.get_json()
    work_order = response.get_json()
    shown = answered(client, world, ticket["id"])
    assert shown["dispatched_at"] == work_order["created_at"] and shown["sla_breached"] is False
    assert sweep(world, load(world, ticket["id"]).dispatch_due_at + timedelta(days=1)) == NOTHING
    assert load(world, ticket["id"]).dispatch_breached_at is None

    # Rejected and dispatched again: the clock stopped at the first dispatch.
    rejected = client.post(f"/api/v1/work-orders/{work_order['id']}/transitions", headers=world.headers("pm1"),
                           json={"to": "rejected", "reason": "工期排不开"})
    assert rejected.status_code == 200, rejected.get_json()
    assert dispatch(client, world, ticket["id"], contractor).status_code == 201
    assert answered(client, world, ticket["id"])["dispatched_at"] == work_order["created_at"]


def test_a_late_dispatch_stops_the_clock_and_counts_as_a_breach(client, world):
    contractor = new_contractor(client, world, "EAST")["id"]
    ticket = repair_ticket(client, world)
    past = utcnow() - timedelta(minutes=5)
    set_rows(world, Ticket, Ticket.id == ticket["id"], response_due_at=past, dispatch_due_at=past)
    assert dispatch(client, world, ticket["id"], contractor).status_code == 201
    shown = answered(client, world, ticket["id"])
    assert shown["dispatched_at"] is not None and shown["sla_breached"] is True
    assert shown["dispatch_breached_at"] is None  # the sweep came too late to mark it
    assert sweep(world, utcnow() + timedelta(minutes=1))["dispatch"] == 0


def test_tickets_no_longer_open_are_not_dispatch_breached(client, world):
    for status in ("resolved", "closed", "cancelled"):
        ticket_in(world, status)
    assert count(world, Ticket, Ticket.dispatch_due_at.is_not(None), Ticket.dispatched_at.is_(None)) == 3
    before = snapshot(world)
    assert sweep(world, utcnow() + timedelta(days=365)) == NOTHING
    assert snapshot(world) == before


def test_re_prioritising_moves_the_dispatch_clock_with_the_response(client, world):
    ticket = repair_ticket(client, world)
    response = client.patch(f"{TICKETS}/{ticket['id']}", headers=world.headers("pm1"), json={"priority": "urgent"})
    assert response.status_code == 200, response.get_json()
    moved = response.get_json()
    assert moved["dispatch_due_at"] == moved["response_due_at"] != ticket["response_due_at"]
    events = client.get(f"{TICKETS}/{ticket['id']}/events", headers=world.headers("pm1")).get_json()
    (changed,) = [e for e in events if e["kind"] == "due_changed"]
    assert changed["data"]["dispatch_due_at"] == {"from": ticket["dispatch_due_at"], "to": moved["dispatch_due_at"]}
    # The sweep reads the moved time: 30 minutes for an urgent repair.
    logged = load(world, ticket["id"])
    assert sweep(world, logged.dispatch_due_at + MINUTE)["dispatch"] == 1


def test_both_clocks_of_an_untouched_repair_breach_and_climb_a_level_each(client, world):
    ticket = repair_ticket(client, world)
    logged = load(world, ticket["id"])
    assert sweep(world, logged.response_due_at + MINUTE) == {"response": 1, "resolution": 0, "dispatch": 1}
    assert [(e.rule.value, e.from_level.value, e.to_level.value) for e in rows(world, Escalation)] == [
        ("sla_response", "project", "region"), ("sla_dispatch", "region", "hq")]
    assert [e["data"]["which"] for e in breach_events(client, world, ticket["id"])] == ["response", "dispatch"]
    assert load(world, ticket["id"]).escalation_level.value == "hq"


def test_a_beta_repair_is_not_swept_with_alpha(client, world):
    beta = log(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", type="repair")["id"]
    repair_ticket(client, world)
    assert sweep(world, utcnow() + timedelta(days=1))["dispatch"] == 1
    (row,) = rows(world, Ticket, Ticket.id == beta, tenant="beta")
    assert row.dispatch_due_at is not None and row.dispatch_breached_at is None
    assert count(world, Escalation, tenant="beta") == 0
