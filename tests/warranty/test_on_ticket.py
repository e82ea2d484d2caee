"""The warranty on the ticket (issue 7: "shown on the ticket and the work order"): a repair ticket's
detail answers the decision of its latest work order, else an estimate made now from the component
of its category by the group's terms; other tickets and the ticket list carry none."""

from __future__ import annotations

from datetime import date, timedelta

from servicehub.properties.warranty import add_years
from tests.customers.test_api import count_statements
from tests.repairs import dispatch, new_contractor, new_property, repair_ticket
from tests.scope_tools import api


def detail(client, world, ticket_id, who="pm1") -> dict:
    response = client.get(api(f"/tickets/{ticket_id}"), headers=world.headers(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_other_tickets_and_the_list_have_no_warranty(client, world):
    complaint = client.post(api("/tickets"), headers=world.headers("pa1"), json={
        "type": "complaint", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": "服务态度",
        "description": "前台态度差"})
    assert complaint.status_code == 201 and complaint.get_json()["warranty"] is None
    assert detail(client, world, complaint.get_json()["id"])["warranty"] is None
    repair_ticket(client, world)
    listed = client.get(api("/tickets"), headers=world.headers("pm1")).get_json()
    assert len(listed) == 2 and all("warranty" not in t for t in listed)


def test_before_any_work_order_the_warranty_is_estimated_from_the_category(client, world):
    handover = date.today() - timedelta(days=400)
    prop = new_property(client, world, handover_date=str(handover))
    ticket = repair_ticket(client, world, property_id=prop)  # leakage: waterproofing, 5 years
    expected = {"in_warranty": True, "component": "waterproofing", "until": str(add_years(handover, 5) - timedelta(days=1)),
                "reason": "in_warranty", "source": "estimate"}
    assert ticket["warranty"] == expected  # the create answers the detail
    assert detail(client, world, ticket["id"])["warranty"] == expected
    # No unit: common parts, not billed; a unit not handed over yet: the developer's.
    assert detail(client, world, repair_ticket(client, world)["id"])["warranty"] == {
        "in_warranty": True, "component": "waterproofing", "until": None, "reason": "no_unit", "source": "estimate"}
    fresh = new_property(client, world, handover_date=None, room="1202")
    assert detail(client, world, repair_ticket(client, world, property_id=fresh)["id"])["warranty"]["reason"] == (
        "not_handed_over")


def test_the_estimate_follows_the_groups_terms(client, world):
    handover = date.today() - timedelta(days=400)
    ticket = repair_ticket(client, world, property_id=new_property(client, world, handover_date=str(handover)))
    response = client.put(api("/warranty-terms"), headers=world.headers("hq_crm"),
                          json={"terms": [{"component": "waterproofing", "years": 1}]})
    assert response.status_code == 200, response.get_json()
    assert detail(client, world, ticket["id"])["warranty"] == {
        "in_warranty": False, "component": "waterproofing", "until": str(add_years(handover, 1) - timedelta(days=1)),
        "reason": "expired", "source": "estimate"}


def test_a_category_without_a_component_shows_none_until_a_work_order_decides(client, world):
    handover = date.today() - timedelta(days=1000)
    prop = new_property(client, world, handover_date=str(handover))
    ticket = repair_ticket(client, world, category=None, property_id=prop)
    assert ticket["warranty"] is None
    contractor = new_contractor(client, world, "EAST")["id"]
    first = dispatch(client, world, ticket["id"], contractor, component="plumbing", quote_amount="120")
    assert first.status_code == 201, first.get_json()
    decided = {"in_warranty": False, "component": "plumbing", "until": str(add_years(handover, 2) - timedelta(days=1)),
               "reason": "expired", "source": "work_order"}
    assert detail(client, world, ticket["id"])["warranty"] == decided
    # The terms change later: the work order's decision stands (taken when it was created).
    client.put(api("/warranty-terms"), headers=world.headers("hq_crm"),
               json={"terms": [{"component": "plumbing", "years": 10}]})
    assert detail(client, world, ticket["id"])["warranty"] == decided
    # Rejected and dispatched again for another component: the latest work order's decision.
    client.post(api(f"/work-orders/{first.get_json()['id']}/transitions"), headers=world.headers("pm1"),
                json={"to": "rejected", "reason": "不做水电"})
    second = dispatch(client, world, ticket["id"], contractor, component="waterproofing")
    assert second.status_code == 201, second.get_json()
    assert detail(client, world, ticket["id"])["warranty"] == {
        "in_warranty": True, "component": "waterproofing", "until": str(add_years(handover, 5) - timedelta(days=1)),
        "reason": "in_warranty", "source": "work_order"}
    # The writes answer it too.
    patched = client.patch(api(f"/tickets/{ticket['id']}"), headers=world.headers("pm1"), json={"title": "主卫漏水"})
    assert patched.status_code == 200 and patched.get_json()["warranty"]["source"] == "work_order"


def test_the_ticket_list_runs_as_many_statements_for_repairs_as_before(app, client, world):
    prop = new_property(client, world, handover_date=str(date.today() - timedelta(days=10)))
    repair_ticket(client, world, property_id=prop)
    headers = world.headers("pm1")
    _, one = count_statements(app, lambda: client.get(api("/tickets?page_size=1"), headers=headers))
    for _ in range(4):
        repair_ticket(client, world, property_id=prop)
    listed, five = count_statements(app, lambda: client.get(api("/tickets?page_size=50"), headers=headers))
    assert len(listed.get_json()) == 5 and one == five
