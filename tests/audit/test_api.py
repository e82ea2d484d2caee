"""/api/v1/audit-log: what is recorded, in which order, who may read it, and that it is append-only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from servicehub.audit.models import AuditEntry
from servicehub.db import bind_tenant
from servicehub.extensions import db
from tests.factories import PASSWORD
from tests.scope_tools import api, assert_error, pagination

AUDIT = api("/audit-log")


def entries(client, world, query="", who="admin", tenant="alpha"):
    response = client.get(f"{AUDIT}?page_size=100{query}", headers=world.headers(who, tenant))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def login(client, username="pa1", password=PASSWORD, tenant="alpha"):
    return client.post(api("/auth/login"), json={"tenant": tenant, "username": username, "password": password})


def _activity(client, world):
    """One of each kind of event, in this order."""
    assert login(client).status_code == 200
    assert login(client, password="wrong-password").status_code == 401
    assert login(client, username="ghost").status_code == 401
    admin = world.headers("admin")
    assert client.patch(api(f"/users/{world.user('pa1')}"), json={"name": "Agent One"}, headers=admin).status_code == 200
    assert client.post(api(f"/users/{world.user('pa1')}/memberships"), headers=admin,
                       json={"org_unit_id": world.unit("P-EAST-2"), "role": "project_agent"}).status_code == 201
    assert client.patch(api(f"/org-units/{world.unit('SOUTH')}"), json={"name": "华南大区"},
                        headers=admin).status_code == 200


def test_events_are_recorded_with_actor_and_details(client, world):
    _activity(client, world)
    log = entries(client, world)
    assert [e["action"] for e in log] == [
        "org_unit.updated", "membership.added", "user.updated",
        "auth.login_failed", "auth.login_failed", "auth.login",
    ]
    org, membership, user, ghost, wrong, ok = log
    pa1, admin = world.user("pa1"), world.user("admin")

    assert (ok["actor_id"], ok["actor_name"], ok["target_type"], ok["target_id"]) == (pa1, "PA1", "user", pa1)
    assert ok["details"] == {"username": "pa1"} and ok["ip"] == "127.0.0.1"

    assert (wrong["actor_id"], wrong["actor_name"], wrong["target_id"]) == (None, "pa1", pa1)
    assert wrong["details"] == {"reason": "wrong_password", "failures": 1}
    assert (ghost["actor_name"], ghost["target_id"], ghost["details"]) == ("ghost", None, {"reason": "unknown_username"})

    assert (user["actor_id"], user["actor_name"], user["target_type"], user["target_id"]) == (admin, "ADMIN", "user", pa1)
    assert user["details"] == {"name": {"from": "PA1", "to": "Agent One"}}
    assert user["org_unit_id"] == world.unit("P-EAST-1")

    assert (membership["actor_id"], membership["target_id"], membership["org_unit_id"]) == (
        admin, pa1, world.unit("P-EAST-2"))
    assert membership["details"]["role"] == "project_agent" and membership["details"]["membership_id"]

    assert (org["actor_id"], org["target_type"], org["target_id"]) == (admin, "org_unit", world.unit("SOUTH"))
    assert org["details"] == {"name": {"from": "华南区域", "to": "华南大区"}}
    for entry in log:
        assert datetime.fromisoformat(entry["at"]).utcoffset() is not None


def test_newest_first_and_paginated(client, world):
    _activity(client, world)
    log = entries(client, world)
    assert [e["id"] for e in log] == sorted((e["id"] for e in log), reverse=True)
    times = [datetime.fromisoformat(e["at"]) for e in log]
    assert times == sorted(times, reverse=True)
    page = client.get(f"{AUDIT}?page=2&page_size=2", headers=world.headers("admin"))
    assert page.status_code == 200
    assert [e["id"] for e in page.get_json()] == [e["id"] for e in log[2:4]]
    assert pagination(page)["total"] == len(log) == 6


def test_filters(client, world):
    _activity(client, world)
    failed = entries(client, world, "&action=auth.login_failed")
    assert [e["action"] for e in failed] == ["auth.login_failed", "auth.login_failed"]
    by_admin = entries(client, world, f"&actor_id={world.user('admin')}")
    assert [e["action"] for e in by_admin] == ["org_unit.updated", "membership.added", "user.updated"]
    about_pa1 = entries(client, world, f"&target_type=user&target_id={world.user('pa1')}")
    assert [e["action"] for e in about_pa1] == [
        "membership.added", "user.updated", "auth.login_failed", "auth.login"]
    assert entries(client, world, "&action=no.such.action") == []
    log = entries(client, world)
    middle = log[2]["at"]
    newer = client.get(AUDIT, query_string={"page_size": 100, "at_from": middle}, headers=world.headers("admin"))
    assert [e["id"] for e in newer.get_json()] == [e["id"] for e in log[:3]]
    older = client.get(AUDIT, query_string={"page_size": 100, "at_to": middle}, headers=world.headers("admin"))
    assert [e["id"] for e in older.get_json()] == [e["id"] for e in log[3:]]
    future = (datetime.fromisoformat(log[0]["at"]) + timedelta(days=1)).isoformat()
    assert client.get(AUDIT, query_string={"at_from": future}, headers=world.headers("admin")).get_json() == []
    assert_error(client.get(AUDIT, query_string={"at_from": "2024-01-01T00:00:00"},
                            headers=world.headers("admin")), 422)  # a time needs its offset


@pytest.mark.parametrize("who", ["viewer", "pa1", "hq_crm", "rm_east", "pm1", "eng1"])
def test_only_tenant_admins_read_the_log(client, world, who):
    assert_error(client.get(AUDIT, headers=world.headers(who)), 403)


def test_each_group_reads_only_its_own_log(client, world):
    _activity(client, world)
    assert login(client, username="pa_b", tenant="beta").status_code == 200
    alpha = entries(client, world)
    beta = entries(client, world, who="admin", tenant="beta")
    assert [(e["action"], e["actor_id"]) for e in beta] == [("auth.login", world.user("pa_b", "beta"))]
    assert not ids_of_entries(alpha) & ids_of_entries(beta)


def ids_of_entries(log):
    return {e["id"] for e in log}


def _first_entry(app, world):
    with app.app_context():
        bind_tenant(db.session, world.tenants["alpha"])
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).first()
        return entry.id, entry.action


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET action = 'tampered' WHERE id = :id",
    "UPDATE audit_log SET details = '{}' WHERE id = :id",
    "DELETE FROM audit_log WHERE id = :id",
])
def test_the_log_cannot_be_updated_or_deleted(app, client, world, statement):
    _activity(client, world)
    entry_id, action = _first_entry(app, world)
    engine = app.extensions["servicehub.db"].engine
    refused = False
    with engine.connect() as conn:
        transaction = conn.begin()
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(world.tenants["alpha"])})
            assert conn.execute(text("SELECT count(*) FROM audit_log WHERE id = :id"), {"id": entry_id}).scalar() == 1
        try:
            conn.execute(text(statement), {"id": entry_id})
        except DBAPIError:
            refused = True
        finally:
            transaction.rollback()
    assert refused, f"{statement!r} was accepted"
    assert _first_entry(app, world) == (entry_id, action)
    assert len(entries(client, world)) == 6


def test_the_orm_cannot_change_an_entry_either(app, client, world):
    _activity(client, world)
    entry_id, action = _first_entry(app, world)
    with app.app_context():
        session = db.session
        bind_tenant(session, world.tenants["alpha"])
        entry = session.get(AuditEntry, entry_id)
        entry.action = "tampered"
        with pytest.raises(DBAPIError):
            session.commit()
        session.rollback()
        session.delete(session.get(AuditEntry, entry_id))
        with pytest.raises(DBAPIError):
            session.commit()
        session.rollback()
    assert _first_entry(app, world) == (entry_id, action)
