"""/api/v1/work-orders: dispatch on repair tickets, the state machine, warranty, paid repairs, scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from servicehub.work_orders.workflow import TRANSITIONS, WorkOrderStatus
from tests.customers.test_api import count_statements
from tests.repairs import dispatch, new_contractor, new_property, repair_ticket
from tests.scope_tools import api, assert_error, ids_of

S = WorkOrderStatus


@pytest.fixture
def east(client, world):
    return new_contractor(client, world, "EAST")["id"]


def _errors(response, status=422):
    errors = assert_error(response, status).get("errors", {})
    return errors.get("json", errors)


def move(client, world, work_order_id, to, who="pm1", **body):
    return client.post(api(f"/work-orders/{work_order_id}/transitions"), headers=world.headers(who),
                       json={"to": to, **body})


def events(client, world, ticket_id):
    return client.get(api(f"/tickets/{ticket_id}/events"), headers=world.headers("pm1")).get_json()


def test_dispatch_starts_the_ticket_decides_the_warranty_and_writes_the_timeline(client, world, east):
    prop = new_property(client, world, handover_date=str(date.today() - timedelta(days=400)))
    ticket = repair_ticket(client, world, property_id=prop)
    response = dispatch(client, world, ticket["id"], east, scheduled_at="2030-01-01T09:00:00+08:00")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["component"], body["trade"], body["in_warranty"], body["is_paid"]) == (
        "dispatched", "waterproofing", "waterproofing", True, False)
    assert body["warranty_reason"] == "in_warranty" and body["quote_status"] is None
    assert body["org_unit_id"] == world.unit("P-EAST-1") and body["ticket_number"] == ticket["number"]
    assert body["supervisor_name"] == "ENG1" and response.headers["ETag"] == '"1"'
    after = client.get(api(f"/tickets/{ticket['id']}"), headers=world.headers("pm1")).get_json()
    assert after["status"] == "in_progress"
    kinds = [e["kind"] for e in events(client, world, ticket["id"])]
    assert kinds[-1] == "work_order_dispatched" and "status_changed" in kinds


def test_only_repair_tickets_and_one_open_work_order_at_a_time(client, world, east):
    complaint = client.post(api("/tickets"), headers=world.headers("pa1"), json={
        "type": "complaint", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": "t",
        "description": "d"}).get_json()
    assert "ticket_id" in _errors(dispatch(client, world, complaint["id"], east, component="plumbing"))
    ticket = repair_ticket(client, world)
    first = dispatch(client, world, ticket["id"], east).get_json()
    assert_error(dispatch(client, world, ticket["id"], east), 409)
    # Rejected by the contractor (a reason needed): the ticket is dispatched again.
    assert "reason" in _errors(move(client, world, first["id"], "rejected"))
    rejected = move(client, world, first["id"], "rejected", reason="工期排不开")
    assert rejected.status_code == 200 and rejected.get_json()["reject_reason"] == "工期排不开"
    second = dispatch(client, world, ticket["id"], east)
    assert second.status_code == 201, second.get_json()
    kinds = [e["kind"] for e in events(client, world, ticket["id"])]
    assert kinds.count("work_order_dispatched") == 2 and "work_order_rejected" in kinds


def test_a_category_without_a_component_needs_one(client, world, east):
    ticket = repair_ticket(client, world, category=None)
    assert "component" in _errors(dispatch(client, world, ticket["id"], east))
    assert dispatch(client, world, ticket["id"], east, component="plumbing").status_code == 201


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("to", list(S))
def test_every_move_of_the_state_machine(client, world, east, current, to):
    ticket = repair_ticket(client, world)
    work_order = dispatch(client, world, ticket["id"], east).get_json()["id"]
    path = {S.dispatched: [], S.accepted: ["accepted"], S.on_site: ["accepted", "on_site"],
            S.done: ["accepted", "on_site", "done"], S.rejected: ["rejected"]}[current]
    for step in path:
        assert move(client, world, work_order, step, reason="r", result="换防水层").status_code == 200
    response = move(client, world, work_order, to.value, reason="r", result="换防水层")
    if to in TRANSITIONS[current]:
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["status"] == to.value
        stamp = {S.accepted: "accepted_at", S.on_site: "arrived_at", S.done: "finished_at"}.get(to)
        assert stamp is None or body[stamp] is not None
        assert f"work_order_{to.value}" in [e["kind"] for e in events(client, world, ticket["id"])]
    else:
        assert_error(response, 409)


def test_done_needs_a_result_and_the_supervisor_moves_it_on(client, world, east):
    ticket = repair_ticket(client, world)
    work_order = dispatch(client, world, ticket["id"], east).get_json()
    for step in ("accepted", "on_site"):
        assert move(client, world, work_order["id"], step, who="eng1").status_code == 200
    assert "result" in _errors(move(client, world, work_order["id"], "done", who="eng1"))
    patched = client.patch(api(f"/work-orders/{work_order['id']}"), headers={**world.headers("eng1"), "If-Match": '"3"'},
                           json={"materials": "防水涂料 2 桶", "cost": 350.5, "result": "重做卫生间防水"})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["cost"] == "350.50"
    stale = client.patch(api(f"/work-orders/{work_order['id']}"), headers={**world.headers("eng1"), "If-Match": '"3"'},
                         json={"materials": "x"})
    assert_error(stale, 412)
    done = move(client, world, work_order["id"], "done", who="eng1")
    assert done.status_code == 200 and done.get_json()["result"] == "重做卫生间防水"
    assert "cost" in _errors(client.patch(api(f"/work-orders/{work_order['id']}"), headers=world.headers("pm1"),
                                          json={"cost": -1}))
    # A colleague who neither dispatches nor supervises: 403; the front desk reads it.
    assert client.get(api(f"/work-orders/{work_order['id']}"), headers=world.headers("pa1")).status_code == 200
    assert_error(move(client, world, work_order["id"], "done", who="pa1"), 403)


def test_the_contractor_must_serve_the_project_be_active_in_contract_and_do_the_trade(client, world, east):
    south = new_contractor(client, world, "SOUTH")["id"]
    idle = new_contractor(client, world, "EAST", is_active=False)["id"]
    expired = new_contractor(client, world, "P-EAST-1", contract_start="2020-01-01", contract_end="2020-12-31")["id"]
    doors = new_contractor(client, world, "EAST", trades=["doors_windows"])["id"]
    general = new_contractor(client, world, "EAST", trades=["general"])["id"]
    ticket = repair_ticket(client, world)
    for contractor in (south, idle, expired, doors, 999999):
        assert "contractor_id" in _errors(dispatch(client, world, ticket["id"], contractor)), contractor
    # The region's dispatch list of the project holds no contractor of another region.
    listed = ids_of(client.get(api(f"/contractors?org_unit_id={world.unit('P-EAST-1')}"), headers=world.headers("pm1")))
    assert south not in listed and east in listed
    for supervisor in ("pa1", "pa2", "rm_east"):
        assert "supervisor_id" in _errors(dispatch(client, world, ticket["id"], east, supervisor=supervisor))
    assert dispatch(client, world, ticket["id"], general, supervisor="pm1").status_code == 201


def test_out_of_warranty_is_a_paid_repair_with_a_quote(client, world, east):
    prop = new_property(client, world, handover_date=str(date.today() - timedelta(days=365 * 6)))
    ticket = repair_ticket(client, world, property_id=prop)
    body = dispatch(client, world, ticket["id"], east).get_json()
    assert (body["in_warranty"], body["is_paid"], body["warranty_reason"], body["quote_status"]) == (
        False, True, "expired", "pending")
    wo = body["id"]
    url = api(f"/work-orders/{wo}")
    assert move(client, world, wo, "accepted").status_code == 200
    assert_error(move(client, world, wo, "on_site"), 409)  # the customer has not accepted the quote
    assert "quote_amount" in _errors(client.patch(url, headers=world.headers("pm1"), json={"quote_status": "accepted"}))
    assert client.patch(url, headers=world.headers("pm1"), json={"quote_amount": 880}).status_code == 200
    answered = client.patch(url, headers=world.headers("pm1"), json={"quote_status": "accepted"})
    assert answered.status_code == 200 and answered.get_json()["quote_status"] == "accepted"
    assert_error(client.patch(url, headers=world.headers("pm1"), json={"quote_status": "declined"}), 409)
    assert_error(client.patch(url, headers=world.headers("pm1"), json={"quote_amount": 1}), 409)
    assert move(client, world, wo, "on_site").status_code == 200
    assert "work_order_quote_accepted" in [e["kind"] for e in events(client, world, ticket["id"])]
    # In warranty: no quote.
    fresh = repair_ticket(client, world)
    free = dispatch(client, world, fresh["id"], east).get_json()
    assert free["warranty_reason"] == "no_unit"
    assert "quote_amount" in _errors(client.patch(api(f"/work-orders/{free['id']}"), headers=world.headers("pm1"),
                                                  json={"quote_amount": 10}))


def test_a_group_override_decides_new_work_orders(client, world, east):
    prop = new_property(client, world, handover_date=str(date.today() - timedelta(days=365 * 6)))
    assert client.put(api("/warranty-terms"), headers=world.headers("hq_crm"),
                      json={"terms": [{"component": "waterproofing", "years": 10}]}).status_code == 200
    ticket = repair_ticket(client, world, property_id=prop)
    assert dispatch(client, world, ticket["id"], east).get_json()["in_warranty"] is True


def test_scope_and_lists(app, client, world, east):
    south = new_contractor(client, world, "SOUTH")["id"]
    east_ticket = repair_ticket(client, world)
    south_ticket = repair_ticket(client, world, unit="P-SOUTH-1", who="pa3")
    mine = dispatch(client, world, east_ticket["id"], east).get_json()["id"]
    theirs = dispatch(client, world, south_ticket["id"], south, who="hq_crm", supervisor="pm1")
    assert "supervisor_id" in _errors(theirs)  # pm1 is not of P-SOUTH-1
    get = lambda who, query="", tenant="alpha": client.get(api(f"/work-orders{query}"),  # noqa: E731
                                                           headers=world.headers(who, tenant))
    assert ids_of(get("pm1")) == {mine}
    assert ids_of(get("eng1")) == {mine}  # the one they supervise
    assert ids_of(get("rm_south")) == set() and ids_of(get("pa2")) == set()
    assert ids_of(get("pa_b", tenant="beta")) == set()
    assert ids_of(get("hq_crm", f"?org_unit_id={world.unit('EAST')}&status=dispatched")) == {mine}
    assert ids_of(get("hq_crm", f"?contractor_id={south}")) == set()
    assert_error(get("pm1", f"?org_unit_id={world.unit('P-SOUTH-1')}"), 404)
    for who, tenant in (("rm_south", "alpha"), ("pa2", "alpha"), ("pa_b", "beta")):
        assert_error(client.get(api(f"/work-orders/{mine}"), headers=world.headers(who, tenant)), 404)
    # Dispatching needs workorder.dispatch (403), at the ticket's project (404 for a ticket out of reach).
    assert_error(dispatch(client, world, east_ticket["id"], east, who="pa1"), 403)
    assert_error(dispatch(client, world, east_ticket["id"], east, who="rm_south", supervisor="eng1"), 404)
    assert_error(client.get(api("/work-orders"), headers=world.headers("admin")), 403)
    # Statement count constant in page size.
    for _ in range(3):
        t = repair_ticket(client, world)
        client.post(api(f"/work-orders/{mine}/transitions"), headers=world.headers("pm1"),
                    json={"to": "rejected", "reason": "r"})
        assert dispatch(client, world, t["id"], east).status_code == 201
    headers = world.headers("hq_crm")
    one, few = count_statements(app, lambda: client.get(api("/work-orders?page_size=1"), headers=headers))
    all_, many = count_statements(app, lambda: client.get(api("/work-orders?page_size=50"), headers=headers))
    assert (len(one.get_json()), len(all_.get_json())) == (1, 4)
    assert few == many
