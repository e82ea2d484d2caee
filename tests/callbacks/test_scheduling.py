"""Callback tasks (回访) the system schedules when a ticket is resolved: one 24 hours after, for the
first responder, in the ticket's project; a second two months after for a major repair; once per
ticket, kind and resolution (a reopen cancels the pending ones, the next resolution plans its own)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicehub.callbacks.models import Callback, CallbackKind, CallbackStatus
from servicehub.callbacks.service import MAJOR_REPAIR_DAYS, schedule_after_resolution
from servicehub.jobs.outbox import MessageStatus, OutboxMessage
from servicehub.tickets.models import Ticket
from tests.background import TICKETS, count, log, rows, tenant_session
from tests.tickets.states import called_back, ticket_in

HANDLER = "servicehub.callbacks.service.schedule_after_resolution"


def callbacks(world, ticket_id: int) -> list[Callback]:
    return rows(world, Callback, Callback.ticket_id == ticket_id, order_by=Callback.due_at)


def resolved_at(world, ticket_id: int):
    return rows(world, Ticket, Ticket.id == ticket_id)[0].resolved_at


def move(client, world, ticket_id: int, who: str, to: str, reason: str | None = None) -> None:
    body = {"to": to} if reason is None else {"to": to, "reason": reason}
    response = client.post(f"{TICKETS}/{ticket_id}/transitions", headers=world.headers(who), json=body)
    assert response.status_code == 200, response.get_json()


def test_a_resolved_ticket_gets_a_callback_24_hours_later_for_its_first_responder(client, world):
    ticket_id = ticket_in(world, "resolved", creator="pa1", assignee="eng1")
    (callback,) = callbacks(world, ticket_id)
    assert (callback.kind, callback.status) == (CallbackKind.resolution, CallbackStatus.pending)
    assert callback.due_at == resolved_at(world, ticket_id) + timedelta(hours=24)
    assert callback.assignee_id == world.user("pa1")  # the first responder, not the engineer who fixed it
    assert callback.org_unit_id == world.unit("P-EAST-1")
    (message,) = rows(world, OutboxMessage, OutboxMessage.handler == HANDLER)
    assert (message.status, message.args, message.created_by_id) == (
        MessageStatus.done, {"ticket_id": ticket_id}, world.user("eng1"))


def test_each_project_calls_back_its_own(client, world):
    ticket_id = log(client, world, who="pa2", unit="P-EAST-2", type="repair")["id"]
    move(client, world, ticket_id, "pa2", "in_progress")
    move(client, world, ticket_id, "pa2", "resolved")
    (callback,) = callbacks(world, ticket_id)
    assert (callback.org_unit_id, callback.assignee_id) == (world.unit("P-EAST-2"), world.user("pa2"))


def test_a_major_repair_gets_a_second_callback_two_months_later(client, world):
    ticket_id = ticket_in(world, "resolved", is_major=True)
    first, second = callbacks(world, ticket_id)
    done = resolved_at(world, ticket_id)
    assert (first.kind, first.due_at) == (CallbackKind.resolution, done + timedelta(hours=24))
    assert (second.kind, second.due_at) == (CallbackKind.major_repair, done + timedelta(days=MAJOR_REPAIR_DAYS))
    assert MAJOR_REPAIR_DAYS == 60
    assert second.assignee_id == world.user("pa1") and second.org_unit_id == world.unit("P-EAST-1")


@pytest.mark.parametrize("type", ["complaint", "inquiry"])
def test_only_a_repair_gets_the_two_month_callback(client, world, type):
    ticket_id = ticket_in(world, "resolved", type=type, is_major=True)
    assert [c.kind for c in callbacks(world, ticket_id)] == [CallbackKind.resolution]


def test_a_ticket_reopened_and_resolved_again_is_called_back_again(client, world):
    ticket_id = ticket_in(world, "resolved", is_major=True)
    first = callbacks(world, ticket_id)
    assert [(c.kind, c.round, c.status) for c in first] == [
        (CallbackKind.resolution, 1, CallbackStatus.pending), (CallbackKind.major_repair, 1, CallbackStatus.pending)]
    # Reopened: the calls about the resolution that no longer holds are cancelled, and the timeline says so.
    move(client, world, ticket_id, "pm1", "in_progress", "业主反馈仍漏水")
    assert [(c.id, c.status) for c in callbacks(world, ticket_id)] == [(c.id, CallbackStatus.cancelled) for c in first]
    timeline = client.get(f"{TICKETS}/{ticket_id}/events", headers=world.headers("pm1")).get_json()
    (reopened,) = [e for e in timeline if e["kind"] == "reopened"]
    assert reopened["data"]["cancelled_callbacks"] == [c.id for c in first]

    # Resolved again: a second round, due from the new resolution.
    move(client, world, ticket_id, "pa1", "resolved")
    done = resolved_at(world, ticket_id)
    second = [c for c in callbacks(world, ticket_id) if c.round == 2]
    assert [(c.kind, c.status, c.due_at) for c in second] == [
        (CallbackKind.resolution, CallbackStatus.pending, done + timedelta(hours=24)),
        (CallbackKind.major_repair, CallbackStatus.pending, done + timedelta(days=MAJOR_REPAIR_DAYS))]
    # The new first callback holds the close, as the first did.
    refused = client.post(f"{TICKETS}/{ticket_id}/transitions", headers=world.headers("pm1"), json={"to": "closed"})
    assert refused.status_code == 409 and str(second[0].id) in refused.get_json()["message"]
    called_back(world, ticket_id)
    move(client, world, ticket_id, "pm1", "closed")
    assert count(world, OutboxMessage, OutboxMessage.handler == HANDLER) == 2
    # The job run once more (a redelivery) adds nothing.
    with tenant_session(world) as session:
        assert schedule_after_resolution(session, world.tenants["alpha"], ticket_id=ticket_id) == "exists"
        session.commit()
    assert count(world, Callback) == 4


@pytest.mark.parametrize("status", ["new", "in_progress", "cancelled"])
def test_no_callback_for_a_ticket_that_was_not_resolved(client, world, status):
    ticket_id = ticket_in(world, status)
    assert callbacks(world, ticket_id) == []
    with tenant_session(world) as session:
        assert schedule_after_resolution(session, world.tenants["alpha"], ticket_id=ticket_id) == "skipped"
    assert count(world, Callback) == 0
