"""GET /api/v1/tickets/{id}/assignees: who may be assigned a ticket (the rule the assignment itself
checks), their open tickets, who may ask (whoever may route the ticket) and the statement count."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from servicehub.errors import Invalid
from servicehub.tickets import service
from tests.scope_tools import api, assert_error
from tests.tickets.states import TICKETS, service_context, set_columns, ticket_in, ticket_url

PASSWORD = "Another-pass-1"


def log(client, world, who: str, unit: str = "P-EAST-1") -> int:
    """A complaint (customer service's) logged through the API."""
    response = client.post(TICKETS, headers=world.headers(who), json={
        "type": "complaint", "channel": "phone", "org_unit_id": world.unit(unit), "title": "噪音",
        "description": "楼上装修噪音"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def assignees_of(client, world, ticket_id: int, who: str = "pm1", tenant: str = "alpha"):
    return client.get(ticket_url(ticket_id, "/assignees"), headers=world.headers(who, tenant))


def listed(client, world, ticket_id: int, who: str = "pm1") -> list[dict]:
    response = assignees_of(client, world, ticket_id, who)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def add_user(client, world, username: str, memberships: list[tuple[str, str, str | None]], tenant: str = "alpha",
             active: bool = True) -> int:
    """A user of `tenant` with (unit, role, function) memberships, made by the tenant admin."""
    headers = world.headers("admin", tenant)
    created = client.post(api("/users"), headers=headers, json={
        "username": username, "password": PASSWORD, "name": username.upper(),
        "org_unit_id": world.unit(memberships[0][0], tenant)})
    assert created.status_code == 201, created.get_json()
    user_id = created.get_json()["id"]
    for unit, role, function in memberships:
        body = {"org_unit_id": world.unit(unit, tenant), "role": role}
        if function:
            body["function"] = function
        member = client.post(api(f"/users/{user_id}/memberships"), headers=headers, json=body)
        assert member.status_code == 201, member.get_json()
    if not active:
        assert client.patch(api(f"/users/{user_id}"), headers=headers, json={"is_active": False}).status_code == 200
    world.users[(tenant, username)] = user_id
    return user_id


@pytest.fixture
def crowd(client, world):
    """Besides the world: an engineer of the sibling project, a former agent of P-EAST-1 (inactive), a
    viewer of P-EAST-1, rm_east also an agent of P-EAST-1 (sales), and beta's project manager."""
    add_user(client, world, "eng2", [("P-EAST-2", "engineer", "engineering")])
    add_user(client, world, "gone", [("P-EAST-1", "project_agent", "customer_service")], active=False)
    add_user(client, world, "watcher", [("P-EAST-1", "viewer", None)])
    add_user(client, world, "pm_b", [("B-PROJECT", "project_manager", "customer_service")], tenant="beta")
    member = client.post(api(f"/users/{world.user('rm_east')}/memberships"), headers=world.headers("admin"),
                         json={"org_unit_id": world.unit("P-EAST-1"), "role": "project_agent", "function": "sales"})
    assert member.status_code == 201, member.get_json()


def test_the_candidates_and_their_open_tickets(client, world, crowd):
    # Open work: eng1 two tickets, pm1 one, rm_east one in the sibling project; pa1's only one is closed.
    ticket_in(world, "assigned", assignee="eng1")
    ticket_in(world, "in_progress", assignee="eng1")
    ticket_in(world, "assigned", assignee="pm1")
    ticket_in(world, "closed", assignee="pa1")
    sibling = log(client, world, "pa2", "P-EAST-2")
    set_columns(world, sibling, assignee_id=world.user("rm_east"), status="assigned")
    ticket_id = ticket_in(world, "new")

    people = listed(client, world, ticket_id)
    assert [(p["username"], p["open_tickets"]) for p in people] == [
        ("hq_crm", 0), ("pa1", 0), ("ra_east", 0), ("pm1", 1), ("rm_east", 1), ("eng1", 2)]
    found = {p["username"]: p for p in people}
    assert found["hq_crm"] == {"id": world.user("hq_crm"), "name": "HQ_CRM", "username": "hq_crm",
                               "roles": ["hq_crm"], "function": "customer_service", "open_tickets": 0}
    assert found["eng1"]["roles"] == ["engineer"] and found["eng1"]["function"] == "engineering"
    # Two memberships that work the project: both roles, the function of the one nearest the project.
    assert found["rm_east"]["roles"] == ["region_manager", "project_agent"]
    assert found["rm_east"]["function"] == "sales"
    # Not there: the sibling project's people, another region's, those who do not work tickets (tenant
    # admin, viewers), the inactive, another group's.
    for name in ("eng2", "pa2", "pa3", "rm_south", "admin", "viewer", "watcher", "gone"):
        assert name not in found, name
    assert world.user("pm_b", "beta") not in {p["id"] for p in people}
    # A sibling project's ticket has its own people.
    assert {p["username"] for p in listed(client, world, sibling, "rm_east")} == {
        "hq_crm", "rm_east", "ra_east", "pa2", "eng2"}


def test_the_list_is_the_rule_assignment_checks(client, world, crowd):
    ticket_id = ticket_in(world, "new")
    offered = {p["id"] for p in listed(client, world, ticket_id)}
    with service_context(world) as ctx:
        path = ctx.actor("pm1").units[world.unit("P-EAST-1")].path
        accepted = set()
        for (tenant, _name), user_id in world.users.items():
            try:
                service._check_assignee(ctx.session, world.tenants["alpha"], user_id, path)
            except Invalid:
                continue
            accepted.add(user_id)
    assert offered == accepted
    # And each one offered can be assigned.
    chosen = next(p for p in listed(client, world, ticket_id) if p["username"] == "eng1")
    response = client.patch(ticket_url(ticket_id), headers=world.headers("pm1"), json={"assignee_id": chosen["id"]})
    assert response.status_code == 200 and response.get_json()["status"] == "assigned"
    refused = client.patch(ticket_url(ticket_id), headers=world.headers("pm1"),
                           json={"assignee_id": world.user("eng2"), "reason": "换人"})
    assert_error(refused, 422)


def test_who_may_ask(client, world, crowd):
    mine = log(client, world, "pa1")  # pa1 took it first; customer service's
    by_manager = log(client, world, "pm1")
    assigned = ticket_in(world, "assigned", assignee="eng1")  # pa1's, no longer new
    engineering = ticket_in(world, "new")  # a repair: engineering's, so eng1 reads it
    # Whoever may route it: ticket.assign at the project (managers above it too), or its first responder while new.
    for who, ticket_id in (("pm1", mine), ("rm_east", mine), ("hq_crm", mine), ("pa1", mine), ("pm1", assigned),
                           ("pm1", by_manager), ("rm_east", engineering)):
        assert assignees_of(client, world, ticket_id, who).status_code == 200, (who, ticket_id)
    # Those who read it but may not route it: 403.
    for who, ticket_id in (("pa1", by_manager), ("pa1", assigned), ("eng1", engineering), ("eng1", assigned),
                           ("viewer", mine), ("ra_east", mine), ("watcher", mine)):
        assert_error(assignees_of(client, world, ticket_id, who), 403)
    # Outside their reach (another group, region or project, another function), or no ticket at all: 404.
    for who, tenant, ticket_id in (("pm_b", "beta", mine), ("pa_b", "beta", mine), ("rm_south", "alpha", mine),
                                   ("pa2", "alpha", mine), ("eng2", "alpha", mine), ("eng1", "alpha", mine),
                                   ("pm1", "alpha", 999999)):
        assert_error(assignees_of(client, world, ticket_id, who, tenant), 404)
    # No ticket.read at all: 403.
    assert_error(assignees_of(client, world, mine, "admin"), 403)
    assert_error(client.get(ticket_url(mine, "/assignees"), headers=world.headers("root")), 403)


def test_the_statements_do_not_grow_with_people_or_tickets(app, client, world):
    ticket_id = ticket_in(world, "new")
    engine = app.extensions["servicehub.db"].engine
    statements: list[str] = []

    def counting(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def measure() -> tuple[int, int]:
        headers = world.headers("pm1")
        statements.clear()
        event.listen(engine, "before_cursor_execute", counting)
        try:
            response = client.get(ticket_url(ticket_id, "/assignees"), headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", counting)
        assert response.status_code == 200, response.get_json()
        return len(response.get_json()), len(statements)

    few, before = measure()
    for i in range(12):
        add_user(client, world, f"agent{i}", [("P-EAST-1", "project_agent", "customer_service"),
                                              ("P-EAST-1", "engineer", "engineering")])
    for i in range(6):
        ticket_in(world, "assigned", assignee=f"agent{i}")
    many, after = measure()
    assert (few, many) == (6, 18)
    assert before == after, (before, after)
