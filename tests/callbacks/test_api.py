"""The callback API (回访): the queue of each front desk, planning by hand and in bulk, completing a
call (retry until unreached; scores; a low score reopens the ticket and tells the project manager),
and the close guard of a ticket whose first callback is still pending."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from servicehub.callbacks.models import Callback, CallbackKind, CallbackStatus
from servicehub.callbacks.service import MAX_ATTEMPTS, RETRY_HOURS
from tests.background import count, inbox, rows, set_rows
from tests.scope_tools import api, assert_error, ids_of, pagination
from tests.tickets.states import events, moment, read, ticket_url

CALLBACKS = api("/callbacks")
SCORES = {"timeliness": 5, "quality": 4, "attitude": 5}


def new_customer(client, world, who="pa1", unit="P-EAST-1", name="王建国", phone="13800138001") -> int:
    response = client.post(api("/customers"), headers=world.headers(who),
                           json={"org_unit_id": world.unit(unit), "name": name, "phone": phone})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def worked(client, world, status="resolved", unit="P-EAST-1", creator="pa1", **fields) -> int:
    """A repair of `unit` logged by `creator`, who works it to `status` (in_progress or resolved)."""
    body = {"type": "repair", "channel": "phone", "org_unit_id": world.unit(unit), "title": "卫生间漏水",
            "description": "楼上渗水到卫生间吊顶", **{k: v for k, v in fields.items() if v is not None}}
    response = client.post(api("/tickets"), headers=world.headers(creator), json=body)
    assert response.status_code == 201, response.get_json()
    ticket_id = response.get_json()["id"]
    for to in ("in_progress", "resolved")[:2 if status == "resolved" else 1]:
        moved = client.post(ticket_url(ticket_id, "/transitions"), headers=world.headers(creator), json={"to": to})
        assert moved.status_code == 200, moved.get_json()
    return ticket_id


def resolved(client, world, unit="P-EAST-1", creator="pa1", customer_id=None, **fields) -> tuple[int, int]:
    """A resolved ticket of `unit` and its callback (kind resolution): (ticket id, callback id)."""
    ticket_id = worked(client, world, "resolved", unit=unit, creator=creator, customer_id=customer_id, **fields)
    (callback,) = rows(world, Callback, Callback.ticket_id == ticket_id, Callback.kind == CallbackKind.resolution)
    return ticket_id, callback.id


def queue(client, world, who="pa1", **query) -> list[dict]:
    response = client.get(CALLBACKS, headers=world.headers(who), query_string={"page_size": 100, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def complete(client, world, callback_id, who="pa1", **body):
    return client.post(f"{CALLBACKS}/{callback_id}/complete", headers=world.headers(who), json=body)


def completed(client, world, callback_id, who="pa1", **body) -> dict:
    response = complete(client, world, callback_id, who, **body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def close(client, world, ticket_id, who="pm1", **body):
    return client.post(ticket_url(ticket_id, "/transitions"), headers=world.headers(who), json={"to": "closed", **body})


# --- the queue -----------------------------------------------------------------------------------------


def test_the_queue_is_soonest_due_first_and_each_project_sees_its_own(client, world):
    customer = new_customer(client, world)
    east1_late, late = resolved(client, world, customer_id=customer)
    _, early = resolved(client, world)
    _, east2 = resolved(client, world, unit="P-EAST-2", creator="pa2")
    _, south = resolved(client, world, unit="P-SOUTH-1", creator="pa3")
    now = datetime.now(timezone.utc)
    for callback_id, hours in ((late, 30), (early, 2), (east2, 10), (south, 1)):
        set_rows(world, Callback, Callback.id == callback_id, due_at=now + timedelta(hours=hours))

    assert [c["id"] for c in queue(client, world, "pa1")] == [early, late]
    assert [c["id"] for c in queue(client, world, "pm1")] == [early, late]
    assert [c["id"] for c in queue(client, world, "pa2")] == [east2]
    assert [c["id"] for c in queue(client, world, "pa3")] == [south]
    assert [c["id"] for c in queue(client, world, "rm_east")] == [early, east2, late]
    assert [c["id"] for c in queue(client, world, "ra_east")] == [early, east2, late]
    assert [c["id"] for c in queue(client, world, "hq_crm")] == [south, early, east2, late]
    beta = client.get(CALLBACKS, headers=world.headers("pa_b", "beta"))
    assert ids_of(beta) == set()

    # Filters narrow inside the scope; a unit outside it answers 404.
    assert [c["id"] for c in queue(client, world, "rm_east", org_unit_id=world.unit("P-EAST-2"))] == [east2]
    assert [c["id"] for c in queue(client, world, "hq_crm", org_unit_id=world.unit("EAST"))] == [early, east2, late]
    assert [c["id"] for c in queue(client, world, "hq_crm", due_before=(now + timedelta(hours=5)).isoformat())] == [
        south, early]
    for who, unit in (("pa1", "P-EAST-2"), ("rm_east", "P-SOUTH-1"), ("pa2", "P-EAST-1")):
        assert_error(client.get(CALLBACKS, headers=world.headers(who), query_string={"org_unit_id": world.unit(unit)}),
                     404)
    assert_error(client.get(CALLBACKS, headers=world.headers("pa_b", "beta"),
                            query_string={"org_unit_id": world.unit("P-EAST-1")}), 404)

    item = next(c for c in queue(client, world, "pa1") if c["id"] == late)
    logged = read(client, world, east1_late)
    assert (item["kind"], item["status"], item["attempts"]) == ("resolution", "pending", 0)
    assert (item["ticket_id"], item["ticket_number"], item["ticket_title"], item["ticket_status"]) == (
        east1_late, logged["number"], logged["title"], "resolved")
    assert (item["customer_id"], item["customer_name"], item["customer_phone"]) == (customer, "王建国", "138****8001")
    assert (item["org_unit_id"], item["org_unit_name"]) == (world.unit("P-EAST-1"), "上海·滨江壹号")
    assert (item["assignee_id"], item["assignee_name"]) == (world.user("pa1"), "PA1")
    assert "attempt_log" not in item


def test_the_queue_filters_by_status_and_kind(client, world):
    ticket_id, first = resolved(client, world, type="repair", is_major=True)
    (second,) = [c.id for c in rows(world, Callback, Callback.kind == CallbackKind.major_repair)]
    assert [c["id"] for c in queue(client, world)] == [first, second]
    assert [c["id"] for c in queue(client, world, kind="major_repair")] == [second]
    completed(client, world, first, reached=True, satisfaction=SCORES)
    assert [c["id"] for c in queue(client, world)] == [second]
    assert [c["id"] for c in queue(client, world, status="completed")] == [first]
    assert [c["id"] for c in queue(client, world, status=["completed", "pending"])] == [first, second]
    assert [c["id"] for c in queue(client, world, ticket_id=ticket_id, status=["completed", "pending"])] == [
        first, second]
    assert_error(client.get(CALLBACKS, headers=world.headers("pa1"), query_string={"status": "done"}), 422)


def test_mine_is_assigned_to_me_or_unassigned_at_my_own_desk(client, world):
    customer = new_customer(client, world)
    _, of_pa1 = resolved(client, world, creator="pa1")
    _, of_pm1 = resolved(client, world, creator="pm1")
    unassigned = created(client, world, customer_id=customer)["id"]
    _, east2 = resolved(client, world, unit="P-EAST-2", creator="pa2")
    assert {c["id"] for c in queue(client, world, "pa1", mine="true")} == {of_pa1, unassigned}
    assert {c["id"] for c in queue(client, world, "pa1", mine="false")} == {of_pm1}
    assert {c["id"] for c in queue(client, world, "pm1", mine="true")} == {of_pm1, unassigned}
    # A region's membership does not make the projects' unassigned callbacks theirs.
    assert queue(client, world, "rm_east", mine="true") == []
    assert {c["id"] for c in queue(client, world, "rm_east", mine="false")} == {of_pa1, of_pm1, unassigned, east2}
    assert {c["id"] for c in queue(client, world, "rm_east", assignee_id=world.user("pa2"))} == {east2}


@pytest.mark.parametrize("who", ["eng1", "viewer", "admin", "root"])
def test_the_queue_is_for_those_who_call_back(client, world, who):
    _, callback_id = resolved(client, world)
    assert_error(client.get(CALLBACKS, headers=world.headers(who)), 403)
    assert_error(client.get(f"{CALLBACKS}/{callback_id}", headers=world.headers(who)), 403)
    assert_error(complete(client, world, callback_id, who, reached=False), 403)
    assert rows(world, Callback)[0].attempts == 0


def test_another_project_region_or_group_cannot_touch_a_callback(client, world):
    _, callback_id = resolved(client, world)
    for who, tenant in (("pa2", "alpha"), ("pa3", "alpha"), ("rm_south", "alpha"), ("pa_b", "beta")):
        headers = world.headers(who, tenant)
        assert_error(client.get(f"{CALLBACKS}/{callback_id}", headers=headers), 404)
        assert_error(client.post(f"{CALLBACKS}/{callback_id}/complete", headers=headers,
                                 json={"reached": True, "satisfaction": SCORES}), 404)
    assert rows(world, Callback)[0].status == CallbackStatus.pending
    for who in ("pa1", "pm1", "rm_east", "ra_east", "hq_crm"):
        response = client.get(f"{CALLBACKS}/{callback_id}", headers=world.headers(who))
        assert response.status_code == 200, who


def count_statements(app, call):
    engine = app.extensions["servicehub.db"].engine
    statements: list[str] = []

    def counted(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", counted)
    try:
        response = call()
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return response, len(statements)


def test_the_queue_does_not_grow_its_statements_with_the_page_size(app, client, world):
    customers = [new_customer(client, world, name=f"客户{i}", phone=f"1390000{i:04d}") for i in range(4)]
    for i in range(12):
        resolved(client, world, creator=("pa1", "pm1")[i % 2], customer_id=customers[i % 4])
    headers = world.headers("pa1")
    one, few = count_statements(app, lambda: client.get(CALLBACKS, headers=headers, query_string={"page_size": 1}))
    all_, many = count_statements(app, lambda: client.get(CALLBACKS, headers=headers, query_string={"page_size": 50}))
    assert (len(one.get_json()), len(all_.get_json()), pagination(all_)["total"]) == (1, 12, 12)
    assert few == many, (few, many)


# --- completing ----------------------------------------------------------------------------------------


def test_not_reached_is_tried_again_until_the_third_call_closes_it_unreached(client, world):
    ticket_id, callback_id = resolved(client, world)
    for attempt in range(1, MAX_ATTEMPTS):
        before = datetime.now(timezone.utc)
        body = completed(client, world, callback_id, reached=False, comment=f"无人接听 {attempt}")
        assert (body["status"], body["attempts"], body["completed_at"]) == ("pending", attempt, None)
        assert before + timedelta(hours=RETRY_HOURS) <= moment(body["due_at"]) <= (
            datetime.now(timezone.utc) + timedelta(hours=RETRY_HOURS))
        assert body["satisfaction"] is None
    body = completed(client, world, callback_id, who="pm1", reached=False, comment="关机")
    assert (body["status"], body["attempts"], body["completed_by_id"]) == ("unreached", 3, world.user("pm1"))
    assert body["completed_at"] is not None
    assert [(a["number"], a["reached"], a["by_id"], a["comment"]) for a in body["attempt_log"]] == [
        (1, False, world.user("pa1"), "无人接听 1"), (2, False, world.user("pa1"), "无人接听 2"),
        (3, False, world.user("pm1"), "关机")]
    assert queue(client, world) == []
    assert [c["id"] for c in queue(client, world, status="unreached")] == [callback_id]
    # Nothing is left to call; the ticket is untouched but for its timeline, and may close now.
    assert assert_error(complete(client, world, callback_id, reached=False), 409)["errors"]["status"] == ["unreached"]
    ticket = read(client, world, ticket_id)
    assert (ticket["status"], ticket["satisfaction"]) == ("resolved", None)
    noted = [e["data"] for e in events(client, world, ticket_id) if e["kind"] == "callback_not_reached"]
    assert [(d["attempt"], d["unreached"], d["next_due_at"] is None) for d in noted] == [
        (1, False, False), (2, False, False), (3, True, True)]
    assert close(client, world, ticket_id).status_code == 200


def test_reached_stores_the_scores_and_the_lowest_is_the_tickets_satisfaction(client, world):
    ticket_id, callback_id = resolved(client, world)
    completed(client, world, callback_id, reached=False)
    body = completed(client, world, callback_id, reached=True, comment="师傅很专业",
                     satisfaction={"timeliness": 4, "quality": 5, "attitude": 3})
    assert (body["status"], body["attempts"], body["completed_by_id"], body["comment"]) == (
        "completed", 2, world.user("pa1"), "师傅很专业")
    assert (body["satisfaction_timeliness"], body["satisfaction_quality"], body["satisfaction_attitude"],
            body["satisfaction"]) == (4, 5, 3, 3)
    assert [(a["number"], a["reached"]) for a in body["attempt_log"]] == [(1, False), (2, True)]
    ticket = read(client, world, ticket_id)
    assert (ticket["status"], ticket["satisfaction"], ticket["reopen_count"]) == ("resolved", 3, 0)
    last = events(client, world, ticket_id)[-1]
    assert (last["kind"], last["actor_id"]) == ("callback_completed", world.user("pa1"))
    assert last["data"] == {"callback_id": callback_id, "kind": "resolution", "timeliness": 4, "quality": 5,
                            "attitude": 3, "satisfaction": 3, "comment": "师傅很专业"}
    assert [n for n in inbox(client, world, "pm1") if n["kind"] == "callback_dissatisfied"] == []
    assert assert_error(complete(client, world, callback_id, reached=True, satisfaction=SCORES), 409)
    # The first callback done, the manager closes without an override.
    assert close(client, world, ticket_id).status_code == 200


@pytest.mark.parametrize("score", [1, 2])
def test_a_low_score_reopens_the_ticket_and_tells_the_project_manager(client, world, score):
    ticket_id, callback_id = resolved(client, world)
    completed(client, world, callback_id, reached=True, comment="还在漏",
              satisfaction={"timeliness": 5, "quality": score, "attitude": 4})
    ticket = read(client, world, ticket_id)
    assert (ticket["status"], ticket["satisfaction"], ticket["reopen_count"]) == ("in_progress", score, 1)
    assert ticket["resolved_at"] is None
    reopened = events(client, world, ticket_id)[-1]
    assert (reopened["kind"], reopened["actor_id"], reopened["actor_name"]) == ("reopened", None, "system")
    assert reopened["data"] == {"from": "resolved", "to": "in_progress", "reason": f"回访不满意（{score}分）",
                                "callback_id": callback_id, "satisfaction": score}
    (note,) = [n for n in inbox(client, world, "pm1") if n["kind"] == "callback_dissatisfied"]
    assert note["title"].startswith(f"回访不满意（{score}分）") and note["ticket_id"] == ticket_id
    assert "还在漏" in note["body"]
    for who in ("pa1", "rm_east", "hq_crm"):
        assert [n for n in inbox(client, world, who) if n["kind"] == "callback_dissatisfied"] == [], who


def test_a_score_of_3_does_not_reopen(client, world):
    ticket_id, callback_id = resolved(client, world)
    completed(client, world, callback_id, reached=True, satisfaction={"timeliness": 3, "quality": 3, "attitude": 3})
    ticket = read(client, world, ticket_id)
    assert (ticket["status"], ticket["satisfaction"], ticket["reopen_count"]) == ("resolved", 3, 0)
    assert [n for n in inbox(client, world, "pm1") if n["kind"] == "callback_dissatisfied"] == []


def test_a_low_score_reopens_a_closed_ticket_too(client, world):
    """The two-month callback of a major repair finds the ticket closed: closed → in_progress."""
    ticket_id, first = resolved(client, world, type="repair", is_major=True)
    completed(client, world, first, reached=True, satisfaction=SCORES)
    assert close(client, world, ticket_id).status_code == 200
    (second,) = [c.id for c in rows(world, Callback, Callback.kind == CallbackKind.major_repair)]
    completed(client, world, second, reached=True, satisfaction={"timeliness": 4, "quality": 1, "attitude": 4})
    ticket = read(client, world, ticket_id)
    assert (ticket["status"], ticket["closed_at"], ticket["satisfaction"]) == ("in_progress", None, 1)
    assert events(client, world, ticket_id)[-1]["data"]["from"] == "closed"


def test_a_low_score_without_a_ticket_tells_the_manager(client, world):
    customer = new_customer(client, world)
    callback_id = created(client, world, customer_id=customer, kind="handover")["id"]
    completed(client, world, callback_id, reached=True, satisfaction={"timeliness": 2, "quality": 3, "attitude": 3})
    (note,) = [n for n in inbox(client, world, "pm1") if n["kind"] == "callback_dissatisfied"]
    assert note["ticket_id"] is None and note["title"].startswith("回访不满意（2分）")


@pytest.mark.parametrize("body", [
    {"reached": True},
    {"reached": True, "satisfaction": None},
    {"reached": True, "satisfaction": {"timeliness": 5, "quality": 5}},
    {"reached": True, "satisfaction": {**SCORES, "quality": 0}},
    {"reached": True, "satisfaction": {**SCORES, "attitude": 6}},
    {"reached": True, "satisfaction": {**SCORES, "timeliness": "5"}},
    {"reached": True, "satisfaction": {**SCORES, "overall": 5}},
    {"reached": False, "satisfaction": SCORES},
    {"reached": "yes"},
    {"satisfaction": SCORES},
    {"reached": False, "comment": "x" * 1001},
], ids=["no-scores", "null-scores", "a-score-missing", "zero", "six", "text", "unknown-field", "scores-unreached",
        "not-a-boolean", "no-reached", "long-comment"])
def test_invalid_completions_answer_422_and_change_nothing(client, world, body):
    ticket_id, callback_id = resolved(client, world)
    before = read(client, world, ticket_id)
    assert_error(complete(client, world, callback_id, **body), 422)
    (callback,) = rows(world, Callback)
    assert (callback.status, callback.attempts) == (CallbackStatus.pending, 0)
    assert read(client, world, ticket_id) == before


# --- the close guard -------------------------------------------------------------------------------------


def test_a_ticket_does_not_close_while_its_first_callback_is_pending(client, world):
    ticket_id, callback_id = resolved(client, world)
    error = assert_error(close(client, world, ticket_id), 409)
    assert f"#{callback_id}" in error["message"] and "override_callback" in error["message"]
    assert error["errors"] == {"override_callback": [f"Callback {callback_id} is pending."]}
    # An override needs a reason; it is a manager's (closing is).
    assert "reason" in assert_error(close(client, world, ticket_id, override_callback=True), 422)["errors"]
    assert_error(close(client, world, ticket_id, who="pa1", override_callback=True, reason="业主出差"), 403)
    assert_error(client.post(ticket_url(ticket_id, "/transitions"), headers=world.headers("pm1"),
                             json={"to": "in_progress", "override_callback": True, "reason": "x"}), 422)
    assert read(client, world, ticket_id)["status"] == "resolved"

    response = close(client, world, ticket_id, override_callback=True, reason="业主长期出国，无法回访")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "closed"
    last = events(client, world, ticket_id)[-1]
    assert (last["kind"], last["actor_id"]) == ("status_changed", world.user("pm1"))
    assert last["data"] == {"from": "resolved", "to": "closed", "reason": "业主长期出国，无法回访",
                            "override_callback": callback_id}
    audit = client.get(api("/audit-log"), headers=world.headers("admin"),
                       query_string={"action": "ticket.close_callback_overridden"}).get_json()
    assert [(e["target_type"], e["target_id"], e["actor_id"], e["details"]["callback_id"]) for e in audit] == [
        ("ticket", ticket_id, world.user("pm1"), callback_id)]
    # The call is still to be made.
    assert [c["id"] for c in queue(client, world)] == [callback_id]


def test_a_dissatisfied_customer_is_called_back_again_after_the_next_resolution(client, world):
    ticket_id, first = resolved(client, world)
    completed(client, world, first, reached=True, satisfaction={**SCORES, "quality": 2})
    assert read(client, world, ticket_id)["status"] == "in_progress"
    assert rows(world, Callback, Callback.id == first)[0].status == CallbackStatus.completed  # not cancelled
    moved = client.post(ticket_url(ticket_id, "/transitions"), headers=world.headers("pa1"), json={"to": "resolved"})
    assert moved.status_code == 200, moved.get_json()
    again = [c for c in queue(client, world) if c["ticket_id"] == ticket_id]
    assert [(c["kind"], c["round"], c["status"]) for c in again] == [("resolution", 2, "pending")]
    assert_error(close(client, world, ticket_id), 409)
    completed(client, world, again[0]["id"], reached=True, satisfaction=SCORES)
    assert close(client, world, ticket_id).status_code == 200
    assert read(client, world, ticket_id)["satisfaction"] == 4


def test_only_the_first_callback_holds_the_close(client, world):
    ticket_id, first = resolved(client, world, type="repair", is_major=True)
    completed(client, world, first, reached=True, satisfaction=SCORES)
    assert count(world, Callback, Callback.status == CallbackStatus.pending) == 1  # the two-month one
    assert close(client, world, ticket_id).status_code == 200


# --- planning by hand and in bulk ----------------------------------------------------------------------------


def created(client, world, who="pa1", unit="P-EAST-1", status=201, **fields):
    body = {"org_unit_id": world.unit(unit), "kind": "property_service",
            "due_at": (datetime.now(timezone.utc) + timedelta(days=1)).isoformat(), **fields}
    response = client.post(CALLBACKS, headers=world.headers(who), json=body)
    if status >= 400:
        return assert_error(response, status)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_planning_a_callback_by_hand(client, world):
    customer = new_customer(client, world)
    body = created(client, world, customer_id=customer, kind="handover", assignee_id=world.user("pm1"))
    assert (body["kind"], body["status"], body["customer_id"], body["assignee_id"], body["created_by_id"]) == (
        "handover", "pending", customer, world.user("pm1"), world.user("pa1"))
    assert (body["customer_phone"], body["attempt_log"], body["ticket_id"]) == ("138****8001", [], None)
    # A ticket's missing callback: its customer by default; once per ticket and kind.
    ticket_id, _ = resolved(client, world, customer_id=customer)
    repair = created(client, world, ticket_id=ticket_id, kind="major_repair")
    assert (repair["ticket_id"], repair["customer_id"], repair["round"]) == (ticket_id, customer, 1)
    # The ticket's timeline tells who planned it (a callback without a ticket has no timeline).
    planned = [e for e in events(client, world, ticket_id) if e["kind"] == "callback_planned"]
    assert [(e["actor_name"], e["data"]["callback_id"], e["data"]["kind"], e["data"]["assignee_id"]) for e in planned] == [
        ("PA1", repair["id"], "major_repair", None)]
    assert moment(planned[0]["data"]["due_at"]) == moment(repair["due_at"])
    assert created(client, world, ticket_id=ticket_id, kind="resolution", status=409)["errors"]["kind"]
    assert created(client, world, kind="resolution", customer_id=customer, status=422)["errors"]["ticket_id"]
    open_ticket = worked(client, world, "in_progress", customer_id=customer)
    assert created(client, world, ticket_id=open_ticket, kind="major_repair", status=422)["errors"]["ticket_id"]
    no_customer, _ = resolved(client, world)
    assert created(client, world, ticket_id=no_customer, status=422)["errors"]["customer_id"]


def test_planning_stays_inside_the_project(client, world):
    mine = new_customer(client, world)
    south = new_customer(client, world, who="pa3", unit="P-SOUTH-1", name="李四", phone="13800138002")
    east2 = new_customer(client, world, who="pa2", unit="P-EAST-2", name="张三", phone="13800138003")
    created(client, world, who="pa2", customer_id=mine, status=404)  # P-EAST-1 is not pa2's
    created(client, world, customer_id=south, status=404)  # a customer out of reach
    assert created(client, world, who="rm_east", customer_id=east2, status=422)["errors"]["customer_id"]
    created(client, world, customer_id=mine, unit="EAST", who="rm_east", status=422)  # a region is no project
    south_ticket = worked(client, world, creator="pa3", unit="P-SOUTH-1")
    created(client, world, ticket_id=south_ticket, customer_id=mine, status=404)
    east2_ticket = worked(client, world, creator="pa2", unit="P-EAST-2", customer_id=east2)
    assert created(client, world, who="rm_east", ticket_id=east2_ticket, status=422)["errors"]["ticket_id"]
    for assignee in ("eng1", "pa2", "viewer"):  # no callback.work at the project
        assert created(client, world, customer_id=mine, assignee_id=world.user(assignee),
                       status=422)["errors"]["assignee_id"], assignee
    for who in ("eng1", "viewer", "admin"):
        created(client, world, who=who, customer_id=mine, status=403)
    assert count(world, Callback) == 2  # the resolution callbacks of the two tickets


def test_bulk_planning_is_all_or_nothing(client, world):
    ours = [new_customer(client, world, name=f"业主{i}", phone=f"1390000{i:04d}") for i in range(3)]
    south = new_customer(client, world, who="pa3", unit="P-SOUTH-1", name="李四", phone="13800138002")
    due = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    url = f"{CALLBACKS}/bulk"

    def bulk(ids, who="pa1", **extra):
        return client.post(url, headers=world.headers(who), json={
            "org_unit_id": world.unit("P-EAST-1"), "kind": "handover", "due_at": due, "customer_ids": ids, **extra})

    error = assert_error(bulk([ours[0], south, ours[1], ours[0], 2_000_000]), 422)
    assert error["errors"] == {"customer_ids": {"1": ["Not found."], "3": ["Listed twice."], "4": ["Not found."]}}
    assert count(world, Callback) == 0
    assert_error(bulk([]), 422)
    assert_error(bulk(list(range(1, 502))), 422)
    assert_error(bulk(ours, kind="resolution"), 422)
    assert_error(bulk(ours, assignee_id=world.user("eng1")), 422)
    assert_error(bulk(ours, who="pa2"), 404)
    assert_error(bulk(ours, who="eng1"), 403)
    assert count(world, Callback) == 0

    response = bulk(ours, assignee_id=world.user("pa1"))
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert [(c["customer_id"], c["kind"], c["assignee_id"], c["customer_name"]) for c in made] == [
        (ours[i], "handover", world.user("pa1"), f"业主{i}") for i in range(3)]
    assert {c["id"] for c in queue(client, world)} == {c["id"] for c in made}
    assert queue(client, world, "pa3") == []
