"""Helpers shared by the tests of the background work: escalations, group-complaint alerts, the SLA
sweep, notifications, callbacks and service settings.

In tests the outbox runs in-process (`jobs_inline=True`): the messages a request wrote run right
after it, so what a job does is visible to the next call. Rows are read straight from the database
(bound to one tenant) where the API does not show them (the outbox, breach marks).
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import func, select, update

import servicehub.models  # noqa: F401  (every mapper)
from servicehub.db import bind_tenant
from servicehub.jobs.outbox import new_session
from tests.scope_tools import api

TICKETS = api("/tickets")
ESCALATIONS = api("/escalations")
ALERTS = api("/alerts")
NOTIFICATIONS = api("/notifications")
SETTINGS = api("/service-settings")


def log(client, world, who: str = "pa1", unit: str = "P-EAST-1", tenant: str = "alpha", **fields) -> dict:
    """A ticket logged through the API (a complaint unless `type` says otherwise); returns its JSON."""
    body = {"type": "complaint", "channel": "phone", "org_unit_id": world.unit(unit, tenant), "title": "楼上噪音",
            "description": "夜间装修噪音扰民", **fields}
    response = client.post(TICKETS, headers=world.headers(who, tenant), json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@contextmanager
def tenant_session(world, tenant: str = "alpha"):
    """A session of its own bound to one group, as a job opens it (row-level security applies on
    PostgreSQL): what it commits to the outbox runs at once, as after a worker's commit."""
    with world.app.app_context():
        session = new_session(world.app)
        try:
            bind_tenant(session, world.tenants[tenant])
            yield session
        finally:
            session.close()


def rows(world, model, *where, tenant: str = "alpha", order_by=None) -> list:
    """Rows of `model` in one group (detached, with their columns loaded), by id unless told."""
    with tenant_session(world, tenant) as session:
        found = list(session.scalars(select(model).where(*where).order_by(order_by if order_by is not None
                                                                            else model.id)))
        session.expunge_all()
        return found


def count(world, model, *where, tenant: str = "alpha") -> int:
    with tenant_session(world, tenant) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def set_rows(world, model, *where, tenant: str = "alpha", **values) -> None:
    """Write columns straight to the database (to move a time into the past)."""
    with tenant_session(world, tenant) as session:
        session.execute(update(model).where(*where).values(**values))
        session.commit()


def inbox(client, world, who: str, tenant: str = "alpha", **query) -> list[dict]:
    response = client.get(NOTIFICATIONS, headers=world.headers(who, tenant), query_string={"page_size": 100, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def patch_settings(client, world, who: str = "hq_crm", tenant: str = "alpha", **changes) -> dict:
    response = client.patch(SETTINGS, headers=world.headers(who, tenant), json=changes)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def escalations(client, world, who: str = "hq_crm", tenant: str = "alpha", **query) -> list[dict]:
    response = client.get(ESCALATIONS, headers=world.headers(who, tenant), query_string={"page_size": 100, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def events(client, world, ticket_id: int, who: str = "hq_crm") -> list[dict]:
    response = client.get(f"{TICKETS}/{ticket_id}/events", headers=world.headers(who),
                          query_string={"page_size": 100})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ticket(client, world, ticket_id: int, who: str = "hq_crm") -> dict:
    response = client.get(f"{TICKETS}/{ticket_id}", headers=world.headers(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def add_user(client, world, username: str, role: str, unit: str, tenant: str = "alpha", **fields) -> int:
    """A colleague beyond the world, made by the group's admin through the API."""
    headers = world.headers("admin", tenant)
    created = client.post(api("/users"), headers=headers, json={
        "username": username, "password": "Another-pass-1", "name": username.upper(), **fields})
    assert created.status_code == 201, created.get_json()
    user_id = created.get_json()["id"]
    member = client.post(api(f"/users/{user_id}/memberships"), headers=headers,
                         json={"org_unit_id": world.unit(unit, tenant), "role": role})
    assert member.status_code == 201, member.get_json()
    world.users[(tenant, username)] = user_id
    return user_id


def give_contact(client, world, username: str, tenant: str = "alpha", **contact) -> None:
    """Set a user's email / phone (PATCH /users/{id} as the group's admin)."""
    response = client.patch(api(f"/users/{world.user(username, tenant)}"), headers=world.headers("admin", tenant),
                            json=contact)
    assert response.status_code == 200, response.get_json()
