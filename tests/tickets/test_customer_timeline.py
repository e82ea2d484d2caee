"""A customer's tickets appear in the customer file's timeline (一户一档), for those who may read them."""

from __future__ import annotations

from tests.scope_tools import api


def _customer(client, world) -> int:
    response = client.post(api("/customers"), headers=world.headers("pa1"), json={
        "org_unit_id": world.unit("P-EAST-1"), "name": "张伟明", "phone": "13812341234"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _timeline(client, world, who, customer_id) -> list[dict]:
    response = client.get(api(f"/customers/{customer_id}/timeline?page_size=100"), headers=world.headers(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_ticket_of_the_customer_is_on_the_timeline_when_logged_and_resolved(client, world):
    customer_id = _customer(client, world)
    response = client.post(api("/tickets"), headers=world.headers("pa1"), json={
        "type": "repair", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": "厨房插座无电",
        "description": "两个插座无电", "customer_id": customer_id})
    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    for to in ("in_progress", "resolved"):
        moved = client.post(api(f"/tickets/{ticket['id']}/transitions"), headers=world.headers("pa1"), json={"to": to})
        assert moved.status_code == 200, moved.get_json()

    entries = [e for e in _timeline(client, world, "pa1", customer_id) if e["ref_type"] == "ticket"]
    assert [e["kind"] for e in entries] == ["ticket.resolved", "ticket.created"]
    assert entries[1]["title"] == f"报修 · {ticket['number']} 厨房插座无电"
    assert {e["ref_id"] for e in entries} == {ticket["id"]}


def test_tickets_the_caller_cannot_read_stay_off_the_timeline(client, world):
    # A household of P-EAST-2 complains, through the region, about P-EAST-1 (where they do not live).
    response = client.post(api("/customers"), headers=world.headers("pa2"), json={
        "org_unit_id": world.unit("P-EAST-2"), "name": "李娜", "phone": "13912345678"})
    assert response.status_code == 201, response.get_json()
    customer_id = response.get_json()["id"]
    response = client.post(api("/tickets"), headers=world.headers("rm_east"), json={
        "type": "complaint", "channel": "hotline", "org_unit_id": world.unit("P-EAST-1"), "title": "施工噪音",
        "description": "夜间施工", "customer_id": customer_id})
    assert response.status_code == 201, response.get_json()
    ticket_id = response.get_json()["id"]

    def ticket_refs(who):
        return {e["ref_id"] for e in _timeline(client, world, who, customer_id) if e["ref_type"] == "ticket"}

    assert ticket_refs("rm_east") == {ticket_id}
    assert ticket_refs("pa2") == set()  # reads the customer, not P-EAST-1's tickets
