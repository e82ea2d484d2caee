"""The ticket state machine through the API: every legal move with its effects and its event, every
illegal move refused with the allowed ones named, who may make which move, assignment and
reassignment, and what an engineer sees."""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicehub.callbacks.models import Callback
from servicehub.db import utcnow
from servicehub.tickets.enums import Status, TicketType
from servicehub.tickets.workflow import TRANSITIONS
from tests.background import rows
from tests.scope_tools import assert_error, ids_of
from tests.tickets.states import TICKETS, called_back, events, moment, read, set_columns, ticket_in, ticket_url

S = Status
REASON = "客户来电要求"


def move(client, world, ticket_id, to, who="pm1", reason=None):
    body = {"to": Status(to).value}
    if reason is not None:
        body["reason"] = reason
    return client.post(ticket_url(ticket_id, "/transitions"), json=body, headers=world.headers(who))


def moved(client, world, ticket_id, to, who="pm1", reason=None) -> dict:
    response = move(client, world, ticket_id, to, who, reason)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def patch(client, world, ticket_id, who="pm1", **changes):
    return client.patch(ticket_url(ticket_id), json=changes, headers=world.headers(who))


def assert_unchanged(client, world, ticket_id, before: dict, events_before: list[dict]) -> None:
    assert read(client, world, ticket_id) == before
    assert events(client, world, ticket_id) == events_before


def snapshot(client, world, ticket_id):
    return read(client, world, ticket_id), events(client, world, ticket_id)


# --- every legal move ----------------------------------------------------------------------------------

# (from, to, who, reason, event kind, stamped now, cleared); the ticket is logged by pa1 and, from
# `assigned` on, assigned to eng1 who works it.
LEGAL = [
    (S.new, S.in_progress, "pa1", None, "status_changed", {"responded_at"},
     {"resolved_at", "closed_at", "cancelled_at"}),
    (S.new, S.cancelled, "pm1", REASON, "status_changed", {"cancelled_at"},
     {"responded_at", "resolved_at", "closed_at"}),
    (S.assigned, S.in_progress, "eng1", None, "status_changed", set(), {"resolved_at", "closed_at", "cancelled_at"}),
    (S.assigned, S.cancelled, "pm1", REASON, "status_changed", {"cancelled_at"}, {"resolved_at", "closed_at"}),
    (S.in_progress, S.resolved, "eng1", "已更换角阀", "status_changed", {"resolved_at"}, {"closed_at", "cancelled_at"}),
    (S.in_progress, S.cancelled, "pm1", REASON, "status_changed", {"cancelled_at"}, {"resolved_at", "closed_at"}),
    (S.resolved, S.closed, "pm1", None, "status_changed", {"closed_at"}, {"cancelled_at"}),
    (S.resolved, S.in_progress, "pm1", "回访不满意", "reopened", set(), {"resolved_at", "closed_at", "cancelled_at"}),
    (S.closed, S.in_progress, "pm1", "业主再次报修", "reopened", set(), {"resolved_at", "closed_at", "cancelled_at"}),
]


LEGAL_PAIRS = {(a, b) for a, b, *_ in LEGAL}


def test_the_legal_moves_tested_are_exactly_the_workflow_table():
    assert LEGAL_PAIRS == {(a, b) for a, moves in TRANSITIONS.items() for b in moves}


@pytest.mark.parametrize("current, to, who, reason, kind, stamped, cleared", LEGAL,
                         ids=[f"{a.value}->{b.value}" for a, b, *_ in LEGAL])
def test_a_legal_move_changes_the_status_stamps_its_time_and_leaves_an_event(
        client, world, current, to, who, reason, kind, stamped, cleared):
    ticket_id = ticket_in(world, current, assignee=None if current == S.new else "eng1")
    if to == S.closed:
        called_back(world, ticket_id)  # the close guard: its first callback is done
    before = read(client, world, ticket_id)
    pending = [c.id for c in rows(world, Callback, Callback.ticket_id == ticket_id, Callback.status == "pending")]
    start = utcnow()

    response = move(client, world, ticket_id, to, who, reason)

    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    end = utcnow()
    assert after["status"] == to.value
    assert after["version"] == before["version"] + 1
    assert response.headers["ETag"] == f'"{after["version"]}"'
    assert start <= moment(after["updated_at"]) <= end
    for field in stamped:
        assert before[field] is None and start <= moment(after[field]) <= end, field
    for field in cleared:
        assert after[field] is None, field
    for field in {"responded_at", "resolved_at", "closed_at", "cancelled_at"} - stamped - cleared:
        assert after[field] == before[field], field
    assert after["reopen_count"] == before["reopen_count"] + (1 if kind == "reopened" else 0)
    assert after["sla_breached"] is False
    assert read(client, world, ticket_id) == after

    last = events(client, world, ticket_id)[-1]
    assert last["kind"] == kind
    assert last["actor_id"] == world.user(who) and last["actor_name"] == who.upper()
    expected = {"from": current.value, "to": to.value, "reason": reason}
    if kind == "reopened" and pending:
        # Its callbacks (回访) still pending are cancelled: the next resolution plans its own.
        assert {c.id: c.status.value for c in rows(world, Callback, Callback.id.in_(pending))} == dict.fromkeys(
            pending, "cancelled")
        expected["cancelled_callbacks"] = pending
    assert last["data"] == expected
    assert start <= moment(last["at"]) <= end


def test_picking_up_an_unassigned_ticket_makes_the_caller_its_assignee(client, world):
    ticket_id = ticket_in(world, S.new)
    assert read(client, world, ticket_id)["assignee_id"] is None

    after = moved(client, world, ticket_id, S.in_progress, who="eng1")

    assert after["assignee_id"] == world.user("eng1") and after["assignee_name"] == "ENG1"
    assert after["first_responder_id"] == world.user("pa1")
    kinds = [(e["kind"], e["data"].get("to")) for e in events(client, world, ticket_id)]
    assert kinds == [("created", None), ("assigned", world.user("eng1")), ("status_changed", "in_progress")]


def test_starting_an_assigned_ticket_keeps_its_assignee_and_first_response(client, world):
    ticket_id = ticket_in(world, S.assigned, assignee="eng1")
    before = read(client, world, ticket_id)
    assert before["responded_at"] is not None

    after = moved(client, world, ticket_id, S.in_progress, who="pm1")

    assert after["assignee_id"] == world.user("eng1")
    assert after["responded_at"] == before["responded_at"]
    assert [e["kind"] for e in events(client, world, ticket_id)] == ["created", "assigned", "status_changed"]


def test_reopening_counts_each_time_and_clears_the_resolution(client, world):
    ticket_id = ticket_in(world, S.closed)
    first = moved(client, world, ticket_id, S.in_progress, reason="业主再次报修")
    assert (first["reopen_count"], first["resolved_at"], first["closed_at"]) == (1, None, None)
    moved(client, world, ticket_id, S.resolved, who="pa1")
    second = moved(client, world, ticket_id, S.in_progress, reason="回访不满意")
    assert second["reopen_count"] == 2 and second["assignee_id"] == world.user("pa1")
    assert [e["kind"] for e in events(client, world, ticket_id)].count("reopened") == 2


def test_resolving_after_the_resolution_due_time_breaches_the_sla(client, world):
    late = ticket_in(world, S.in_progress)
    on_time = ticket_in(world, S.in_progress)
    set_columns(world, late, resolve_due_at=utcnow() - timedelta(minutes=5))

    assert read(client, world, late)["is_overdue"] is True
    assert moved(client, world, late, S.resolved, who="pa1")["sla_breached"] is True
    assert moved(client, world, on_time, S.resolved, who="pa1")["sla_breached"] is False


def test_a_first_response_after_its_due_time_breaches_the_sla(client, world):
    started_late = ticket_in(world, S.new)
    assigned_late = ticket_in(world, S.new)
    for ticket_id in (started_late, assigned_late):
        set_columns(world, ticket_id, response_due_at=utcnow() - timedelta(minutes=1))

    assert moved(client, world, started_late, S.in_progress, who="pa1")["sla_breached"] is True
    response = patch(client, world, assigned_late, assignee_id=world.user("eng1"))
    assert response.status_code == 200 and response.get_json()["sla_breached"] is True


def test_reopening_keeps_a_breach_on_record(client, world):
    ticket_id = ticket_in(world, S.in_progress)
    set_columns(world, ticket_id, resolve_due_at=utcnow() - timedelta(minutes=5))
    moved(client, world, ticket_id, S.resolved, who="pa1")
    assert moved(client, world, ticket_id, S.in_progress, reason="回访不满意")["sla_breached"] is True


# --- every illegal move ----------------------------------------------------------------------------------

# Every other pair, derived from the table above (not from the code under test).
ILLEGAL = [(a, b) for a in Status for b in Status if (a, b) not in LEGAL_PAIRS]


def test_illegal_moves_include_assigned_new_and_everything_from_cancelled():
    assert (S.new, S.assigned) in ILLEGAL and (S.in_progress, S.new) in ILLEGAL and (S.new, S.new) in ILLEGAL
    assert {b for a, b in ILLEGAL if a == S.cancelled} == set(Status)
    assert len(ILLEGAL) == 36 - 9


@pytest.mark.parametrize("current, to", ILLEGAL, ids=[f"{a.value}->{b.value}" for a, b in ILLEGAL])
def test_an_illegal_move_answers_409_naming_the_allowed_moves_and_changes_nothing(client, world, current, to):
    ticket_id = ticket_in(world, current, assignee=None if current in (S.new, S.cancelled) else "eng1")
    before, events_before = snapshot(client, world, ticket_id)

    response = move(client, world, ticket_id, to, who="pm1", reason=REASON)

    body = assert_error(response, 409)
    (message,) = body["errors"]["to"]
    prefix = f"Allowed from {current.value}: "
    assert message.startswith(prefix) and message.endswith("."), message
    named = message[len(prefix):-1]
    allowed = {b.value for a, b in LEGAL_PAIRS if a == current}
    assert (set(named.split(", ")) if allowed else {named}) == (allowed or {"none"})
    assert_unchanged(client, world, ticket_id, before, events_before)


def test_a_status_that_does_not_exist_answers_422(client, world):
    ticket_id = ticket_in(world, S.new)
    before, events_before = snapshot(client, world, ticket_id)
    for body in ({"to": "reopened"}, {"to": ""}, {"to": None}, {"to": "NEW"}, {}, {"to": "closed", "by": "pm1"}):
        response = client.post(ticket_url(ticket_id, "/transitions"), json=body, headers=world.headers("pm1"))
        assert assert_error(response, 422)["errors"]["json"].keys() == {"to" if "by" not in body else "by"}, body
    assert_unchanged(client, world, ticket_id, before, events_before)


# --- who may make which move -------------------------------------------------------------------------------

CLOSER_MOVES = [(S.new, S.cancelled, REASON), (S.assigned, S.cancelled, REASON), (S.in_progress, S.cancelled, REASON),
                (S.resolved, S.closed, None), (S.resolved, S.in_progress, REASON), (S.closed, S.in_progress, REASON)]


@pytest.mark.parametrize("current, to, reason", CLOSER_MOVES,
                         ids=[f"{a.value}->{b.value}" for a, b, _ in CLOSER_MOVES])
def test_closing_cancelling_and_reopening_need_ticket_close(client, world, current, to, reason):
    # Logged by pm1 (so pa1 is not its first responder), worked by eng1: every caller can read and work it.
    ticket_id = ticket_in(world, current, creator="pm1", assignee=None if current == S.new else "eng1")
    before, events_before = snapshot(client, world, ticket_id)

    for who in ("pa1", "eng1", "ra_east"):
        response = move(client, world, ticket_id, to, who=who, reason=reason)
        assert "ticket.close" in assert_error(response, 403)["message"], who
    assert_unchanged(client, world, ticket_id, before, events_before)


def test_managers_of_the_project_and_above_close(client, world):
    for who in ("pm1", "rm_east", "hq_crm"):
        ticket_id = ticket_in(world, S.resolved)
        called_back(world, ticket_id)
        assert moved(client, world, ticket_id, S.closed, who=who)["status"] == "closed"


def test_the_first_responder_cancels_their_own_ticket_while_it_is_new(client, world):
    own = ticket_in(world, S.new, creator="pa1")
    after = moved(client, world, own, S.cancelled, who="pa1", reason="客户重复来电")
    assert after["status"] == "cancelled" and after["cancelled_at"] is not None
    assert events(client, world, own)[-1]["data"] == {"from": "new", "to": "cancelled", "reason": "客户重复来电"}


@pytest.mark.parametrize("creator, status", [("pm1", S.new), ("pa1", S.assigned), ("pa1", S.in_progress)],
                         ids=["someone-elses-new", "own-assigned", "own-in-progress"])
def test_a_project_agent_cancels_only_their_own_ticket_and_only_while_new(client, world, creator, status):
    ticket_id = ticket_in(world, status, creator=creator, assignee=None if status == S.new else "pa1")
    before, events_before = snapshot(client, world, ticket_id)
    assert_error(move(client, world, ticket_id, S.cancelled, who="pa1", reason=REASON), 403)
    assert_unchanged(client, world, ticket_id, before, events_before)


@pytest.mark.parametrize("who, current, to", [
    ("pm1", S.new, S.cancelled), ("pa1", S.new, S.cancelled), ("pm1", S.assigned, S.cancelled),
    ("pm1", S.in_progress, S.cancelled), ("pm1", S.resolved, S.in_progress), ("pm1", S.closed, S.in_progress),
], ids=["cancel-new", "first-responder-cancel", "cancel-assigned", "cancel-in-progress", "reopen-resolved",
        "reopen-closed"])
def test_cancelling_and_reopening_need_a_reason(client, world, who, current, to):
    ticket_id = ticket_in(world, current)
    before, events_before = snapshot(client, world, ticket_id)
    missing = assert_error(move(client, world, ticket_id, to, who=who), 422)
    assert missing["errors"] == {"reason": ["Required to cancel or reopen."]}
    empty = assert_error(move(client, world, ticket_id, to, who=who, reason=""), 422)
    assert "reason" in empty["errors"]["json"]
    assert_unchanged(client, world, ticket_id, before, events_before)


@pytest.mark.parametrize("current, to", [(S.assigned, S.in_progress), (S.in_progress, S.resolved)])
def test_only_the_assignee_or_a_manager_moves_an_assigned_ticket_on(client, world, current, to):
    ticket_id = ticket_in(world, current, assignee="eng1")
    before, events_before = snapshot(client, world, ticket_id)
    for who in ("pa1", "ra_east"):  # the first responder and a region agent: ticket.write, no ticket.assign
        assert "assignee" in assert_error(move(client, world, ticket_id, to, who=who), 403)["message"]
    assert_unchanged(client, world, ticket_id, before, events_before)

    after = moved(client, world, ticket_id, to, who="eng1")
    assert after["assignee_id"] == world.user("eng1")


def test_a_manager_moves_someone_elses_ticket_on_without_taking_it(client, world):
    ticket_id = ticket_in(world, S.in_progress, assignee="eng1")
    after = moved(client, world, ticket_id, S.resolved, who="pm1")
    assert after["status"] == "resolved" and after["assignee_id"] == world.user("eng1")
    assert events(client, world, ticket_id)[-1]["actor_id"] == world.user("pm1")


def test_a_reader_without_ticket_write_cannot_move_a_ticket(client, world):
    ticket_id = ticket_in(world, S.new)
    assert_error(move(client, world, ticket_id, S.in_progress, who="viewer"), 403)
    assert read(client, world, ticket_id)["status"] == "new"


# --- assignment ---------------------------------------------------------------------------------------------


def test_assigning_a_new_ticket_makes_it_assigned_and_stops_the_response_clock(client, world):
    ticket_id = ticket_in(world, S.new)
    start = utcnow()

    response = patch(client, world, ticket_id, assignee_id=world.user("eng1"))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["assignee_id"], body["assignee_name"]) == ("assigned", world.user("eng1"), "ENG1")
    assert start <= moment(body["responded_at"]) <= utcnow()
    last = events(client, world, ticket_id)[-1]
    assert (last["kind"], last["data"], last["actor_id"]) == ("assigned", {"to": world.user("eng1"), "to_name": "ENG1"},
                                                             world.user("pm1"))


def test_the_first_responder_routes_their_own_new_ticket(client, world):
    ticket_id = ticket_in(world, S.new, creator="pa1")
    response = patch(client, world, ticket_id, who="pa1", assignee_id=world.user("eng1"))
    assert response.status_code == 200 and response.get_json()["status"] == "assigned"


def test_assigning_someone_elses_ticket_needs_ticket_assign(client, world):
    ticket_id = ticket_in(world, S.new, creator="pm1")
    before, events_before = snapshot(client, world, ticket_id)
    assert_error(patch(client, world, ticket_id, who="pa1", assignee_id=world.user("eng1")), 403)
    assert_unchanged(client, world, ticket_id, before, events_before)


def test_reassigning_needs_a_reason(client, world):
    ticket_id = ticket_in(world, S.in_progress, assignee="eng1")
    before, events_before = snapshot(client, world, ticket_id)

    body = assert_error(patch(client, world, ticket_id, assignee_id=world.user("pa1")), 422)
    assert "reason" in body["errors"]
    assert_unchanged(client, world, ticket_id, before, events_before)

    response = patch(client, world, ticket_id, assignee_id=world.user("pa1"), reason="工程师休假")
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert (after["assignee_id"], after["status"]) == (world.user("pa1"), "in_progress")
    last = events(client, world, ticket_id)[-1]
    assert last["kind"] == "reassigned"
    assert last["data"] == {"from": world.user("eng1"), "from_name": "ENG1", "to": world.user("pa1"), "to_name": "PA1",
                            "reason": "工程师休假"}


@pytest.mark.parametrize("who", ["pa1", "eng1", "ra_east"])
def test_reassigning_needs_ticket_assign(client, world, who):
    ticket_id = ticket_in(world, S.assigned, assignee="eng1")
    before, events_before = snapshot(client, world, ticket_id)
    target = world.user("pa1" if who != "pa1" else "pm1")
    assert_error(patch(client, world, ticket_id, who=who, assignee_id=target, reason="换人处理"), 403)
    assert_unchanged(client, world, ticket_id, before, events_before)


def test_assigning_to_someone_who_cannot_work_the_project_answers_422(client, world):
    ticket_id = ticket_in(world, S.new)
    before, events_before = snapshot(client, world, ticket_id)
    # Other projects, another region, no ticket.write (viewer, tenant admin), another group.
    for assignee, tenant in (("pa2", "alpha"), ("pa3", "alpha"), ("rm_south", "alpha"), ("viewer", "alpha"),
                             ("admin", "alpha"), ("pa_b", "beta"), ("admin", "beta")):
        body = assert_error(patch(client, world, ticket_id, assignee_id=world.user(assignee, tenant)), 422)
        assert body["errors"] == {"assignee_id": ["Not a colleague who works tickets of this project."]}, assignee
    assert_unchanged(client, world, ticket_id, before, events_before)


def test_assigning_to_an_unknown_user_answers_422(client, world):
    ticket_id = ticket_in(world, S.new)
    assert "assignee_id" in assert_error(patch(client, world, ticket_id, assignee_id=999_999), 422)["errors"]


def test_an_unfit_assignee_is_refused_at_intake_too(client, world):
    response = client.post(TICKETS, headers=world.headers("pa1"), json={
        "type": "repair", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": "漏水",
        "description": "厨房漏水", "assignee_id": world.user("pa2")})
    assert "assignee_id" in assert_error(response, 422)["errors"]
    assert ids_of(client.get(TICKETS, headers=world.headers("pm1"))) == set()


def test_anyone_working_tickets_at_or_above_the_project_may_be_assigned(client, world):
    for assignee in ("pa1", "eng1", "pm1", "rm_east", "ra_east", "hq_crm"):
        ticket_id = ticket_in(world, S.new)
        response = patch(client, world, ticket_id, assignee_id=world.user(assignee))
        assert response.status_code == 200, (assignee, response.get_json())
        assert response.get_json()["assignee_id"] == world.user(assignee)


# --- what an engineer sees -------------------------------------------------------------------------------------


def test_an_engineer_sees_the_tickets_of_their_function_or_assigned_to_them(client, world):
    categories = world.categories()
    complaint = ticket_in(world, S.new, type=TicketType.complaint)  # routed to customer_service
    leakage = ticket_in(world, S.new, type=TicketType.complaint, category_id=categories["leakage"])
    handed = ticket_in(world, S.assigned, type=TicketType.inquiry, assignee="eng1")  # customer_service, but theirs
    assert read(client, world, complaint)["function"] == "customer_service"
    assert read(client, world, leakage)["function"] == "engineering"

    assert client.get(ticket_url(complaint), headers=world.headers("eng1")).status_code == 404
    assert_error(move(client, world, complaint, S.in_progress, who="eng1"), 404)
    assert client.get(ticket_url(complaint, "/events"), headers=world.headers("eng1")).status_code == 404
    assert read(client, world, leakage, who="eng1")["id"] == leakage
    assert read(client, world, handed, who="eng1")["id"] == handed
    assert ids_of(client.get(TICKETS, headers=world.headers("eng1"))) == {leakage, handed}
    assert ids_of(client.get(TICKETS, headers=world.headers("pa1"))) == {complaint, leakage, handed}

    moved(client, world, leakage, S.in_progress, who="eng1")
    assert read(client, world, complaint)["status"] == "new"


def test_an_engineer_loses_sight_of_a_ticket_reassigned_away(client, world):
    ticket_id = ticket_in(world, S.assigned, type=TicketType.inquiry, assignee="eng1")
    assert read(client, world, ticket_id, who="eng1")["assignee_id"] == world.user("eng1")
    response = patch(client, world, ticket_id, assignee_id=world.user("pa1"), reason="非工程问题")
    assert response.status_code == 200, response.get_json()
    assert client.get(ticket_url(ticket_id), headers=world.headers("eng1")).status_code == 404
