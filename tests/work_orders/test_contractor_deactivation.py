"""A contractor with open work orders (dispatched, accepted, on site) is not deactivated: 409 naming
how many are open; finished or rejected ones do not hold it."""

from __future__ import annotations

from tests.repairs import dispatch, new_contractor, repair_ticket
from tests.scope_tools import api, assert_error


def deactivate(client, world, contractor_id, who="hq_crm"):
    return client.patch(api(f"/contractors/{contractor_id}"), headers=world.headers(who), json={"is_active": False})


def move(client, world, work_order_id, to, **body):
    response = client.post(api(f"/work-orders/{work_order_id}/transitions"), headers=world.headers("pm1"),
                           json={"to": to, **body})
    assert response.status_code == 200, response.get_json()


def test_open_work_orders_hold_the_contractor_active(client, world):
    contractor = new_contractor(client, world, "EAST")["id"]
    first, second = (dispatch(client, world, repair_ticket(client, world)["id"], contractor).get_json()
                     for _ in range(2))
    move(client, world, second["id"], "accepted")
    error = assert_error(deactivate(client, world, contractor), 409)
    assert "2 open work orders" in error["message"] and error["errors"]["is_active"] == ["2 open work orders."]
    shown = client.get(api(f"/contractors/{contractor}"), headers=world.headers("hq_crm")).get_json()
    assert shown["is_active"] is True
    # Other changes of the same contractor still go through.
    renamed = client.patch(api(f"/contractors/{contractor}"), headers=world.headers("hq_crm"), json={"name": "新名称"})
    assert renamed.status_code == 200, renamed.get_json()

    move(client, world, first["id"], "rejected", reason="工期排不开")
    error = assert_error(deactivate(client, world, contractor), 409)
    assert "1 open work order:" in error["message"]
    for to in ("on_site", "done"):
        move(client, world, second["id"], to, **({"result": "已修复"} if to == "done" else {}))
    response = deactivate(client, world, contractor)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["is_active"] is False


def test_another_contractors_work_orders_do_not_count(client, world):
    busy = new_contractor(client, world, "EAST")["id"]
    idle = new_contractor(client, world, "EAST", name="浦江水电安装有限公司")["id"]
    assert dispatch(client, world, repair_ticket(client, world)["id"], busy).status_code == 201
    assert deactivate(client, world, idle).status_code == 200
    assert_error(deactivate(client, world, busy), 409)
