"""群诉预警, the group-complaint early warning: N complaints of one category in one project (or one
building of it) within the window raise one alert to the region and hq; later complaints of the
cluster join it; who sees and acknowledges alerts; the names and households an alert answers with,
and the statement count of the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from servicehub.alerts.models import Alert
from servicehub.db import utcnow
from servicehub.notifications.models import Notification
from servicehub.tickets.models import Ticket
from tests.background import ALERTS, add_user, count, inbox, log, patch_settings, rows, set_rows
from tests.scope_tools import api, assert_error

KIND = "group_complaint_alert"


@pytest.fixture
def categories(world):
    return world.categories()


def complaint(client, world, category_id: int, who: str = "pa1", unit: str = "P-EAST-1", **fields) -> int:
    return log(client, world, who=who, unit=unit, category_id=category_id, **fields)["id"]


def alerts(client, world, who: str = "hq_crm", tenant: str = "alpha", **query) -> list[dict]:
    response = client.get(ALERTS, headers=world.headers(who, tenant), query_string={"page_size": 100, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def alert_notes(client, world, who: str) -> list[dict]:
    return [n for n in inbox(client, world, who) if n["kind"] == KIND]


def unit_in(client, world, building: str, room: str, unit: str = "P-EAST-1") -> int:
    response = client.post(api("/properties"), headers=world.headers("pm1"), json={
        "org_unit_id": world.unit(unit), "building": building, "unit": "1", "room": room})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_three_complaints_of_one_category_in_a_project_raise_one_alert(client, world, categories):
    leakage = categories["leakage"]
    first, second = (complaint(client, world, leakage) for _ in range(2))
    assert alerts(client, world) == []
    third = complaint(client, world, leakage)
    (alert,) = alerts(client, world)
    assert (alert["kind"], alert["org_unit_id"], alert["category_id"], alert["building"]) == (
        "group_complaint", world.unit("P-EAST-1"), leakage, None)
    assert alert["ticket_ids"] == [first, second, third] and alert["ticket_count"] == 3
    assert alert["window_days"] == 7 and alert["acknowledged_at"] is None
    first_at, last_at = (rows(world, Ticket, Ticket.id == i)[0].created_at for i in (first, third))
    assert (alert["first_at"], alert["last_at"]) == (first_at.isoformat(), last_at.isoformat())
    # The region above the project and hq are told, once each.
    for who in ("rm_east", "hq_crm"):
        (note,) = alert_notes(client, world, who)
        assert (note["ref_type"], note["ref_id"], note["ticket_id"]) == ("alert", alert["id"], third)
        assert "群诉预警" in note["title"] and "渗漏" in note["title"] and "3 起" in note["title"]
    for nobody in ("rm_south", "pm1", "pa1", "ra_east", "admin", "viewer"):
        assert inbox(client, world, nobody) == [], nobody

    # A fourth joins the same alert: no second alert, nobody told twice.
    fourth = complaint(client, world, leakage, who="pm1")
    (joined,) = alerts(client, world)
    assert joined["id"] == alert["id"]
    assert joined["ticket_ids"] == [first, second, third, fourth] and joined["ticket_count"] == 4
    assert joined["last_at"] == rows(world, Ticket, Ticket.id == fourth)[0].created_at.isoformat()
    assert count(world, Notification, Notification.kind == KIND) == 2
    assert count(world, Alert) == 1


def test_other_categories_projects_types_and_groups_do_not_count(client, world, categories):
    leakage, cracks = categories["leakage"], categories["cracks"]
    complaint(client, world, leakage)
    complaint(client, world, leakage)
    complaint(client, world, cracks)  # another category
    complaint(client, world, leakage, who="pa2", unit="P-EAST-2")  # the sibling project
    complaint(client, world, leakage, type="repair")  # not a complaint
    complaint(client, world, None)  # no category
    log(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", category_id=world.categories("beta")["leakage"])
    assert alerts(client, world) == []
    assert count(world, Alert) == 0 and count(world, Alert, tenant="beta") == 0
    # A cancelled complaint is not part of a cluster either.
    cancelled = complaint(client, world, cracks)
    response = client.post(api(f"/tickets/{cancelled}/transitions"), headers=world.headers("pm1"),
                           json={"to": "cancelled", "reason": "重复登记"})
    assert response.status_code == 200
    complaint(client, world, cracks)
    assert alerts(client, world) == []
    complaint(client, world, leakage)
    assert [a["category_id"] for a in alerts(client, world)] == [leakage]


def test_complaints_older_than_the_window_do_not_count(client, world, categories):
    leakage = categories["leakage"]
    old = [complaint(client, world, leakage) for _ in range(2)]
    set_rows(world, Ticket, Ticket.id.in_(old), created_at=utcnow() - timedelta(days=7, hours=1))
    recent = [complaint(client, world, leakage) for _ in range(2)]
    assert alerts(client, world) == []
    recent.append(complaint(client, world, leakage))
    (alert,) = alerts(client, world)
    assert alert["ticket_ids"] == recent


def test_the_window_and_the_count_are_the_groups_settings(client, world, categories):
    patch_settings(client, world, group_complaint_count=2, group_complaint_days=30)
    leakage = categories["leakage"]
    old = complaint(client, world, leakage)
    set_rows(world, Ticket, Ticket.id == old, created_at=utcnow() - timedelta(days=20))
    new = complaint(client, world, leakage)
    (alert,) = alerts(client, world)
    assert alert["ticket_ids"] == [old, new] and alert["window_days"] == 30


def test_a_cluster_that_ended_is_not_joined_by_a_new_one(client, world, categories):
    leakage = categories["leakage"]
    first = [complaint(client, world, leakage) for _ in range(3)]
    (old_alert,) = alerts(client, world)
    past = utcnow() - timedelta(days=10)
    set_rows(world, Ticket, Ticket.id.in_(first), created_at=past)
    set_rows(world, Alert, Alert.id == old_alert["id"], first_at=past, last_at=past)
    second = [complaint(client, world, leakage) for _ in range(3)]
    new_alert, old = alerts(client, world)
    assert old["id"] == old_alert["id"] and old["ticket_ids"] == first
    assert new_alert["ticket_ids"] == second
    assert len(alert_notes(client, world, "hq_crm")) == 2


def test_with_building_scope_a_cluster_is_one_buildings(client, world, categories):
    patch_settings(client, world, group_complaint_scope="building")
    leakage = categories["leakage"]
    b3 = [unit_in(client, world, "3", room) for room in ("101", "102", "103")]
    b5 = [unit_in(client, world, "5", room) for room in ("101", "102")]
    in_3 = [complaint(client, world, leakage, property_id=b3[0]), complaint(client, world, leakage, property_id=b3[1])]
    complaint(client, world, leakage, property_id=b5[0])
    complaint(client, world, leakage, property_id=b5[1])
    complaint(client, world, leakage)  # no unit: no building to gather on
    assert alerts(client, world) == []
    in_3.append(complaint(client, world, leakage, property_id=b3[2]))
    (alert,) = alerts(client, world)
    assert alert["building"] == "3" and alert["ticket_ids"] == in_3
    assert "3栋" in alert_notes(client, world, "rm_east")[0]["title"]


def test_alerts_are_seen_within_the_callers_reach(client, world, categories):
    leakage = categories["leakage"]
    for _ in range(3):
        complaint(client, world, leakage)
    for _ in range(3):
        complaint(client, world, leakage, who="pa3", unit="P-SOUTH-1")
    east, south = sorted(alerts(client, world), key=lambda a: a["org_unit_id"] != world.unit("P-EAST-1"))
    assert east["org_unit_id"] == world.unit("P-EAST-1") and south["org_unit_id"] == world.unit("P-SOUTH-1")
    seen = lambda who, tenant="alpha", **q: {a["id"] for a in alerts(client, world, who, tenant, **q)}  # noqa: E731
    for who in ("hq_crm", "viewer"):
        assert seen(who) == {east["id"], south["id"]}, who
    for who in ("rm_east", "ra_east", "pm1", "pa1"):
        assert seen(who) == {east["id"]}, who
    assert seen("rm_south") == seen("pa3") == {south["id"]}
    assert seen("pa2") == set()
    assert seen("pa_b", "beta") == set()
    # A unit filter narrows within the reach and never widens it.
    assert seen("hq_crm", org_unit_id=world.unit("EAST")) == {east["id"]}
    assert seen("rm_south", org_unit_id=world.unit("EAST")) == set()
    assert seen("pa_b", "beta", org_unit_id=world.unit("P-EAST-1")) == set()
    for who in ("admin", "root"):
        assert_error(client.get(ALERTS, headers=world.headers(who)), 403)


def test_acknowledging_an_alert(client, world, categories):
    add_user(client, world, "crm_b", "hq_crm", "HQ", tenant="beta")
    for _ in range(3):
        complaint(client, world, categories["leakage"])
    (alert,) = alerts(client, world)
    url = f"{ALERTS}/{alert['id']}/acknowledge"
    post = lambda who, tenant="alpha": client.post(url, headers=world.headers(who, tenant))  # noqa: E731
    assert_error(post("pa1"), 403)  # no escalation.handle
    assert_error(post("viewer"), 403)
    assert_error(post("pm1"), 403)  # the alert is the region's and hq's to take on
    assert_error(post("rm_south"), 404)
    assert_error(post("crm_b", "beta"), 404)
    assert_error(post("root"), 403)
    assert [a["id"] for a in alerts(client, world, acknowledged="false")] == [alert["id"]]
    response = post("rm_east")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["acknowledged_by_id"] == world.user("rm_east") and body["acknowledged_at"] is not None
    assert (body["acknowledged_by_name"], body["org_unit_name"], body["category_name"]) == ("RM_EAST", "上海·滨江壹号", "渗漏")
    assert_error(post("hq_crm"), 409)
    assert alerts(client, world, acknowledged="false") == []
    assert [a["id"] for a in alerts(client, world, acknowledged="true")] == [alert["id"]]


def test_an_alert_names_its_project_category_and_acknowledger_and_adds_up_the_households(client, world, categories):
    tickets = [complaint(client, world, categories["leakage"], households_affected=n) for n in (1, 4, 2)]
    (alert,) = alerts(client, world)
    assert alert["ticket_ids"] == tickets
    assert (alert["org_unit_name"], alert["category_name"], alert["category_parent_name"]) == (
        "上海·滨江壹号", "渗漏", "工程质量")
    assert (alert["households_affected"], alert["acknowledged_by_name"]) == (7, None)
    complaint(client, world, categories["leakage"], households_affected=5)  # joins the cluster
    assert alerts(client, world)[0]["households_affected"] == 12
    assert client.post(f"{ALERTS}/{alert['id']}/acknowledge", headers=world.headers("hq_crm")).status_code == 200
    (acknowledged,) = alerts(client, world, "rm_east")
    assert (acknowledged["acknowledged_by_id"], acknowledged["acknowledged_by_name"]) == (world.user("hq_crm"), "HQ_CRM")


def test_a_top_level_category_has_no_parent_name(client, world, categories):
    for _ in range(3):
        complaint(client, world, categories["construction_quality"])
    (alert,) = alerts(client, world)
    assert (alert["category_name"], alert["category_parent_name"]) == ("工程质量", None)


def test_listing_alerts_does_not_grow_its_statements_with_the_page_size(app, client, world, categories):
    clusters = [("leakage", "pa1", "P-EAST-1"), ("cracks", "pa1", "P-EAST-1"), ("leakage", "pa2", "P-EAST-2"),
                ("leakage", "pa3", "P-SOUTH-1")]
    for code, who, unit in clusters:
        for _ in range(3):
            complaint(client, world, categories[code], who=who, unit=unit)
    first, second = alerts(client, world)[:2]
    for alert_id, who in ((first["id"], "hq_crm"), (second["id"], "rm_east")):
        assert client.post(f"{ALERTS}/{alert_id}/acknowledge", headers=world.headers(who)).status_code == 200
    engine = app.extensions["servicehub.db"].engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def run(page_size):
        headers = world.headers("hq_crm")
        statements.clear()
        response = client.get(ALERTS, query_string={"page_size": page_size}, headers=headers)
        assert response.status_code == 200
        return response.get_json(), len(statements)

    event.listen(engine, "before_cursor_execute", count)
    try:
        (one,), small = run(1)
        every, large = run(50)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(every) == 4 and small == large, (small, large)
    assert {a["org_unit_name"] for a in every} == {"上海·滨江壹号", "杭州·西溪云庐", "深圳·前海湾"}
    assert sorted(a["acknowledged_by_name"] or "" for a in every) == ["", "", "HQ_CRM", "RM_EAST"]
    assert one == every[0] and all(a["households_affected"] == 3 for a in every)
