"""Shared set-up of the repairs tests: contractors of region EAST / project P-SOUTH-1, repair tickets."""

from __future__ import annotations

from datetime import date, timedelta

from tests.scope_tools import api


def contractor_body(world, *units, **fields):
    return {"name": fields.pop("name", "申城防水工程有限公司"), "trades": fields.pop("trades", ["waterproofing", "plumbing"]),
            "contact_name": "王工", "contact_phone": "13800000001",
            "org_unit_ids": [world.unit(u) for u in units or ("EAST",)],
            "contract_start": str(date.today() - timedelta(days=30)),
            "contract_end": str(date.today() + timedelta(days=335)), **fields}


def new_contractor(client, world, *units, who="hq_crm", **fields):
    response = client.post(api("/contractors"), headers=world.headers(who), json=contractor_body(world, *units, **fields))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def new_property(client, world, handover_date=None, unit="P-EAST-1", who="pa1", room="1201"):
    response = client.post(api("/properties"), headers=world.headers(who), json={
        "org_unit_id": world.unit(unit), "building": "3", "unit": "2", "room": room,
        "handover_date": handover_date})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def repair_ticket(client, world, unit="P-EAST-1", who="pa1", category="leakage", **fields):
    body = {"type": "repair", "channel": "phone", "org_unit_id": world.unit(unit), "title": "卫生间漏水",
            "description": "主卫天花渗水", **fields}
    if category:
        body["category_id"] = world.categories()[category]
    response = client.post(api("/tickets"), headers=world.headers(who), json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def dispatch(client, world, ticket_id, contractor_id, who="pm1", supervisor="eng1", **fields):
    return client.post(api("/work-orders"), headers=world.headers(who), json={
        "ticket_id": ticket_id, "contractor_id": contractor_id, "supervisor_id": world.user(supervisor), **fields})
