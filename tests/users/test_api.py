"""/api/v1/users and memberships: creating accounts in reach, granting roles without escalation,
keeping a tenant admin, deactivation, password reset, list shape and query count."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.factories import PASSWORD
from tests.scope_tools import api, assert_error, ids_of, pagination

USERS = api("/users")
LOGIN = api("/auth/login")
NEW_PASSWORD = "Fresh-pass-2024"


def user_url(user_id, suffix="") -> str:
    return f"{USERS}/{user_id}{suffix}"


def new_user(client, world, who="admin", tenant="alpha", **fields):
    body = {"username": "newbie", "password": NEW_PASSWORD, "name": "New Bie", **fields}
    return client.post(USERS, json=body, headers=world.headers(who, tenant))


def grant(client, world, user_id, unit, role, who="admin", **extra):
    return client.post(user_url(user_id, "/memberships"), headers=world.headers(who),
                       json={"org_unit_id": world.unit(unit), "role": role, **extra})


def revoke(client, world, user_id, unit, role, who="admin"):
    return client.delete(user_url(user_id, f"/memberships?org_unit_id={world.unit(unit)}&role={role}"),
                         headers=world.headers(who))


def login(client, username, password=PASSWORD, tenant="alpha"):
    return client.post(LOGIN, json={"tenant": tenant, "username": username, "password": password})


def audit(client, world, action, tenant="alpha"):
    response = client.get(api(f"/audit-log?action={action}&page_size=100"), headers=world.headers("admin", tenant))
    assert response.status_code == 200
    return response.get_json()


# --- creating accounts ---------------------------------------------------------------------------


def test_create_user_answers_201_without_the_password_and_is_audited(client, world):
    response = new_user(client, world, email="newbie@example.com", phone="+86 138 0000 1234",
                        org_unit_id=world.unit("P-EAST-1"))
    assert response.status_code == 201
    body = response.get_json()
    assert body["username"] == "newbie" and body["org_unit_id"] == world.unit("P-EAST-1")
    assert body["is_active"] is True and body["memberships"] == []
    assert "password" not in body and "password_hash" not in body
    assert NEW_PASSWORD not in response.get_data(as_text=True)
    entries = audit(client, world, "user.created")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["actor_id"] == world.user("admin") and entry["actor_name"] == "ADMIN"
    assert entry["target_type"] == "user" and entry["target_id"] == body["id"]
    assert entry["org_unit_id"] == world.unit("P-EAST-1")
    assert entry["details"] == {"username": "newbie", "name": "New Bie"}
    assert NEW_PASSWORD not in str(entry)
    # The account signs in with its password.
    assert login(client, "newbie", NEW_PASSWORD).status_code == 200


def test_duplicate_username_is_409_within_a_group_only(client, world):
    body = assert_error(new_user(client, world, username="pa1"), 409)
    assert body["errors"] == {"username": ["Already in use."]}
    assert new_user(client, world, username="pa1", who="admin", tenant="beta").status_code == 201


def test_admin_creates_at_the_hq_by_default(client, world):
    response = new_user(client, world)
    assert response.status_code == 201 and response.get_json()["org_unit_id"] == world.unit("HQ")


def test_region_manager_creates_users_in_its_region_and_projects_only(client, world):
    default = new_user(client, world, who="rm_east", username="east_new")
    assert default.status_code == 201 and default.get_json()["org_unit_id"] == world.unit("EAST")
    project = new_user(client, world, who="rm_east", username="east_p1", org_unit_id=world.unit("P-EAST-1"))
    assert project.status_code == 201 and project.get_json()["org_unit_id"] == world.unit("P-EAST-1")
    for unit in ("SOUTH", "P-SOUTH-1", "HQ"):
        assert_error(new_user(client, world, who="rm_east", username=f"x_{unit}".lower(),
                              org_unit_id=world.unit(unit)), 404)
    assert_error(new_user(client, world, who="rm_east", username="x_beta",
                          org_unit_id=world.unit("B-PROJECT", "beta")), 404)
    visible = ids_of(client.get(f"{USERS}?page_size=100", headers=world.headers("rm_east")))
    assert {default.get_json()["id"], project.get_json()["id"]} <= visible


def test_project_manager_creates_in_its_project_by_default(client, world):
    response = new_user(client, world, who="pm1", username="p1_new")
    assert response.status_code == 201 and response.get_json()["org_unit_id"] == world.unit("P-EAST-1")


def test_create_user_body_is_validated(client, world):
    for body, field in [
        ({"username": "ab", "password": NEW_PASSWORD, "name": "x"}, "username"),
        ({"username": "good_name", "password": "short", "name": "x"}, "password"),
        ({"username": "good_name", "password": NEW_PASSWORD}, "name"),
        ({"username": "good_name", "password": NEW_PASSWORD, "name": "x", "role": "tenant_admin"}, "role"),
        ({"username": "good_name", "password": NEW_PASSWORD, "name": "x", "org_unit_id": "1"}, "org_unit_id"),
    ]:
        response = assert_error(client.post(USERS, json=body, headers=world.headers("admin")), 422)
        assert field in response["errors"]["json"]


# --- memberships ---------------------------------------------------------------------------------


def test_admin_grants_and_revokes_roles_and_both_are_audited(client, world):
    user_id = new_user(client, world, org_unit_id=world.unit("EAST")).get_json()["id"]
    granted = grant(client, world, user_id, "EAST", "region_manager", function="customer_service")
    assert granted.status_code == 201
    membership = granted.get_json()
    assert membership["user_id"] == user_id and membership["org_unit_id"] == world.unit("EAST")
    assert membership["role"] == "region_manager" and membership["function"] == "customer_service"
    assert grant(client, world, user_id, "HQ", "hq_crm").status_code == 201
    listed = client.get(user_url(user_id, "/memberships"), headers=world.headers("admin")).get_json()
    assert [(m["org_unit_id"], m["role"]) for m in listed] == [
        (world.unit("EAST"), "region_manager"), (world.unit("HQ"), "hq_crm")]
    assert revoke(client, world, user_id, "HQ", "hq_crm").status_code == 204
    listed = client.get(user_url(user_id, "/memberships"), headers=world.headers("admin")).get_json()
    assert [m["role"] for m in listed] == ["region_manager"]
    added = audit(client, world, "membership.added")
    assert [(e["target_id"], e["details"]["role"]) for e in added] == [(user_id, "hq_crm"), (user_id, "region_manager")]
    assert added[1]["details"]["membership_id"] == membership["id"]
    assert added[1]["actor_id"] == world.user("admin")
    removed = audit(client, world, "membership.removed")
    assert [(e["target_id"], e["org_unit_id"], e["details"]["role"]) for e in removed] == [
        (user_id, world.unit("HQ"), "hq_crm")]


def test_a_granted_role_takes_effect_on_the_next_request(client, world):
    user_id = new_user(client, world, org_unit_id=world.unit("SOUTH")).get_json()["id"]
    token = login(client, "newbie", NEW_PASSWORD).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    # Without a membership an account may sign in but reaches nothing.
    assert_error(client.get(api("/org-units"), headers=headers), 403)
    assert grant(client, world, user_id, "SOUTH", "region_agent").status_code == 201
    assert ids_of(client.get(api("/org-units"), headers=headers)) == {world.unit("SOUTH"), world.unit("P-SOUTH-1")}


@pytest.mark.parametrize("unit,role", [
    ("EAST", "project_agent"), ("HQ", "project_manager"), ("P-EAST-1", "region_manager"),
    ("EAST", "tenant_admin"), ("P-EAST-1", "hq_crm"), ("HQ", "engineer"),
])
def test_role_must_fit_the_unit_kind(client, world, unit, role):
    body = assert_error(grant(client, world, world.user("pa2"), unit, role), 422)
    assert "role" in body["errors"]


def test_region_manager_grants_roles_of_its_region(client, world):
    pa2 = world.user("pa2")
    assert grant(client, world, pa2, "P-EAST-1", "project_manager", who="rm_east").status_code == 201
    assert grant(client, world, pa2, "EAST", "region_agent", who="rm_east").status_code == 201
    assert grant(client, world, pa2, "EAST", "region_manager", who="rm_east").status_code == 201
    body = assert_error(grant(client, world, pa2, "EAST", "project_agent", who="rm_east"), 422)
    assert "role" in body["errors"]


@pytest.mark.parametrize("role", ["tenant_admin", "hq_crm"])
def test_region_manager_cannot_grant_hq_roles(client, world, role):
    pa2 = world.user("pa2")
    # At its own region: the rights are beyond its own (403, before any check of the unit kind).
    body = assert_error(grant(client, world, pa2, "EAST", role, who="rm_east"), 403)
    assert "cannot grant a role with rights you do not hold" in body["message"]
    # At the hq: out of its reach, so the hq does not exist for it.
    assert_error(grant(client, world, pa2, "HQ", role, who="rm_east"), 404)
    memberships = client.get(user_url(pa2, "/memberships"), headers=world.headers("admin")).get_json()
    assert [m["role"] for m in memberships] == ["project_agent"]


def test_region_manager_cannot_grant_beyond_its_region(client, world):
    assert_error(grant(client, world, world.user("pa2"), "SOUTH", "region_manager", who="rm_east"), 404)
    assert_error(grant(client, world, world.user("pa2"), "P-SOUTH-1", "project_manager", who="rm_east"), 404)
    assert_error(grant(client, world, world.user("pa3"), "P-EAST-1", "project_agent", who="rm_east"), 404)


def test_project_manager_cannot_grant_a_region_role(client, world):
    assert_error(grant(client, world, world.user("pa1"), "EAST", "region_agent", who="pm1"), 404)
    assert grant(client, world, world.user("pa1"), "P-EAST-1", "engineer", who="pm1").status_code == 201


def test_region_manager_cannot_revoke_an_hq_role(client, world):
    east_boss = new_user(client, world, username="east_boss", org_unit_id=world.unit("EAST")).get_json()["id"]
    assert grant(client, world, east_boss, "HQ", "hq_crm").status_code == 201
    assert_error(revoke(client, world, east_boss, "HQ", "hq_crm", who="rm_east"), 404)


def test_a_manager_cannot_take_over_a_stronger_account(client, world):
    """An account homed in the region but holding hq rights: resetting its password (or disabling it)
    would hand those rights to the region manager."""
    boss = new_user(client, world, username="east_boss", org_unit_id=world.unit("EAST")).get_json()["id"]
    assert grant(client, world, boss, "HQ", "tenant_admin").status_code == 201
    headers = world.headers("rm_east")
    assert client.get(user_url(boss), headers=headers).status_code == 200
    for changes in ({"password": "Taken-over-1"}, {"is_active": False}, {"org_unit_id": world.unit("P-EAST-1")},
                    {"email": "rm@example.com"}):
        body = assert_error(client.patch(user_url(boss), json=changes, headers=headers), 403)
        assert "rights you do not hold" in body["message"]
    assert login(client, "east_boss", NEW_PASSWORD).status_code == 200
    assert login(client, "east_boss", "Taken-over-1").status_code == 401
    # Its own admin still manages it.
    assert client.patch(user_url(boss), json={"email": "boss@example.com"},
                        headers=world.headers("admin")).status_code == 200


def test_duplicate_membership_is_409(client, world):
    body = assert_error(grant(client, world, world.user("pa1"), "P-EAST-1", "project_agent"), 409)
    assert body["errors"] == {"role": ["Already held."]}


def test_membership_at_a_deactivated_unit_is_409(client, world):
    assert client.patch(api(f"/org-units/{world.unit('P-SOUTH-1')}"), json={"is_active": False},
                        headers=world.headers("admin")).status_code == 200
    assert_error(grant(client, world, world.user("pa1"), "P-SOUTH-1", "project_agent"), 409)


def test_revoking_a_membership_the_user_does_not_hold_is_404(client, world):
    assert_error(revoke(client, world, world.user("pa1"), "P-EAST-2", "project_agent"), 404)
    assert_error(revoke(client, world, world.user("pa1"), "P-EAST-1", "project_manager"), 404)


def test_the_last_tenant_admin_membership_stays(client, world):
    admin = world.user("admin")
    body = assert_error(revoke(client, world, admin, "HQ", "tenant_admin"), 409)
    assert "last active tenant admin" in body["message"]
    # With a second tenant admin, the first may step down.
    assert grant(client, world, world.user("hq_crm"), "HQ", "tenant_admin").status_code == 201
    assert revoke(client, world, admin, "HQ", "tenant_admin").status_code == 204
    assert_error(client.delete(user_url(world.user("hq_crm"), f"/memberships?org_unit_id={world.unit('HQ')}"
                                                              f"&role=tenant_admin"),
                               headers=world.headers("hq_crm")), 409)


def test_one_tenant_admin_may_deactivate_another_but_not_itself(client, world):
    second = new_user(client, world, username="admin2").get_json()["id"]
    assert grant(client, world, second, "HQ", "tenant_admin").status_code == 201
    # admin2 deactivates admin: fine, one active tenant admin is left ...
    admin2 = {"Authorization": "Bearer " + login(client, "admin2", NEW_PASSWORD).get_json()["access_token"]}
    assert client.patch(user_url(world.user("admin")), json={"is_active": False}, headers=admin2).status_code == 200
    # ... who cannot deactivate themselves.
    body = assert_error(client.patch(user_url(second), json={"is_active": False}, headers=admin2), 409)
    assert body["errors"] == {"is_active": ["This is you."]}


def test_admin_cannot_deactivate_itself(client, world):
    body = assert_error(client.patch(user_url(world.user("admin")), json={"is_active": False},
                                     headers=world.headers("admin")), 409)
    assert body["errors"] == {"is_active": ["This is you."]}


# --- deactivation, password reset -----------------------------------------------------------------


def test_a_deactivated_users_token_stops_working(client, world):
    headers = world.headers("pa1")
    assert client.get(api("/auth/me"), headers=headers).status_code == 200
    response = client.patch(user_url(world.user("pa1")), json={"is_active": False}, headers=world.headers("pm1"))
    assert response.status_code == 200 and response.get_json()["is_active"] is False
    assert_error(client.get(api("/auth/me"), headers=headers), 401)
    assert_error(client.get(api("/org-units"), headers=headers), 401)
    assert login(client, "pa1").status_code == 403
    entries = audit(client, world, "user.updated")
    assert entries[0]["target_id"] == world.user("pa1")
    assert entries[0]["details"] == {"is_active": {"from": True, "to": False}}
    assert entries[0]["actor_id"] == world.user("pm1")
    # Reactivated, the account signs in again.
    assert client.patch(user_url(world.user("pa1")), json={"is_active": True},
                        headers=world.headers("pm1")).status_code == 200
    assert login(client, "pa1").status_code == 200


def test_password_reset_unlocks_a_locked_account(client, world):
    for _ in range(5):
        last = login(client, "pa1", "wrong-password")
    assert last.status_code == 423
    assert login(client, "pa1").status_code == 423
    locked = client.get(user_url(world.user("pa1")), headers=world.headers("admin")).get_json()
    assert locked["locked_until"] is not None
    response = client.patch(user_url(world.user("pa1")), json={"password": NEW_PASSWORD}, headers=world.headers("admin"))
    assert response.status_code == 200
    assert response.get_json()["locked_until"] is None
    assert "password" not in response.get_json()
    assert login(client, "pa1", NEW_PASSWORD).status_code == 200
    assert login(client, "pa1", PASSWORD).status_code == 401
    entries = audit(client, world, "user.password_reset")
    assert [(e["target_id"], e["details"]) for e in entries] == [(world.user("pa1"), {"password": "reset"})]
    assert NEW_PASSWORD not in str(entries)


def test_moving_a_user_to_another_unit_of_reach(client, world):
    response = client.patch(user_url(world.user("pa1")), json={"org_unit_id": world.unit("P-EAST-2")},
                            headers=world.headers("rm_east"))
    assert response.status_code == 200 and response.get_json()["org_unit_id"] == world.unit("P-EAST-2")
    # pm1 no longer manages the account, pa2's project now owns it.
    assert_error(client.get(user_url(world.user("pa1")), headers=world.headers("pm1")), 404)
    assert_error(client.patch(user_url(world.user("pa1")), json={"org_unit_id": world.unit("SOUTH")},
                              headers=world.headers("rm_east")), 404)


# --- lists -----------------------------------------------------------------------------------------


def test_list_is_a_json_array_with_the_total_in_x_pagination(client, world):
    response = client.get(f"{USERS}?page=2&page_size=4", headers=world.headers("admin"))
    assert response.status_code == 200
    body = response.get_json()
    assert isinstance(body, list) and len(body) == 4
    meta = pagination(response)
    assert meta["total"] == 11 and meta["page"] == 2 and meta["total_pages"] == 3
    first = body[0]
    assert set(first) >= {"id", "username", "name", "org_unit_id", "is_active", "memberships"}
    assert "password" not in first and "password_hash" not in first
    everyone = client.get(f"{USERS}?page_size=100", headers=world.headers("admin")).get_json()
    assert [u["id"] for u in everyone] == sorted(u["id"] for u in everyone)
    assert body == everyone[4:8]


def test_page_size_over_100_is_422(client, world):
    assert_error(client.get(f"{USERS}?page_size=101", headers=world.headers("admin")), 422)
    assert_error(client.get(f"{USERS}?page=0", headers=world.headers("admin")), 422)


def test_list_filters(client, world):
    headers = world.headers("admin")
    assert ids_of(client.get(f"{USERS}?q=pa", headers=headers)) == {world.user(u) for u in ("pa1", "pa2", "pa3")}
    assert ids_of(client.get(f"{USERS}?org_unit_id={world.unit('P-EAST-1')}", headers=headers)) == {
        world.user(u) for u in ("pm1", "pa1", "eng1")}
    assert ids_of(client.get(f"{USERS}?role=region_manager", headers=headers)) == {
        world.user("rm_east"), world.user("rm_south")}
    client.patch(user_url(world.user("pa2")), json={"is_active": False}, headers=headers)
    assert ids_of(client.get(f"{USERS}?is_active=false", headers=headers)) == {world.user("pa2")}


def test_the_org_unit_filter_takes_the_unit_and_everything_below_it(client, world):
    """`org_unit_id` is the home unit or any unit below it (as the ticket list reads it), inside the
    caller's user.read reach: a unit out of reach finds nobody, and a unit above the reach finds the
    caller's part only."""
    def listed(who, unit, tenant="alpha", **query):
        response = client.get(USERS, query_string={"page_size": 100, "org_unit_id": world.unit(unit, tenant), **query},
                              headers=world.headers(who))
        return {next(name for (t, name), i in world.users.items() if i == user_id) for user_id in ids_of(response)}

    east = {"rm_east", "ra_east", "pm1", "pa1", "eng1", "pa2"}
    assert listed("admin", "HQ") == east | {"admin", "hq_crm", "viewer", "rm_south", "pa3"}
    assert listed("admin", "EAST") == east
    assert listed("admin", "SOUTH") == {"rm_south", "pa3"}
    assert listed("admin", "P-EAST-1") == {"pm1", "pa1", "eng1"}
    assert listed("admin", "EAST", role="project_agent") == {"pa1", "pa2"}
    assert listed("rm_east", "EAST") == east
    assert listed("rm_east", "P-EAST-2") == {"pa2"}
    assert listed("rm_east", "HQ") == east  # above the reach: the part of it rm_east reads (as tickets do)
    assert listed("rm_east", "SOUTH") == set()
    assert listed("pm1", "EAST") == {"pm1", "pa1", "eng1"}
    assert listed("pm1", "P-EAST-2") == set()
    assert listed("pm1", "P-EAST-1") == {"pm1", "pa1", "eng1"}
    assert listed("admin", "B-REGION", tenant="beta") == set()
    assert_error(client.get(USERS, query_string={"org_unit_id": "0"}, headers=world.headers("admin")), 422)


def test_listing_users_does_not_grow_its_statements_with_the_page_size(app, client, world):
    for i in range(4):
        response = new_user(client, world, username=f"extra{i}", org_unit_id=world.unit("P-EAST-2"))
        assert response.status_code == 201
        assert grant(client, world, response.get_json()["id"], "P-EAST-2", "project_agent").status_code == 201
    headers = world.headers("admin")
    engine = app.extensions["servicehub.db"].engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def run(page_size):
        statements.clear()
        response = client.get(f"{USERS}?page_size={page_size}", headers=headers)
        assert response.status_code == 200
        return len(response.get_json()), len(statements)

    event.listen(engine, "before_cursor_execute", count)
    try:
        small_rows, small = run(2)
        large_rows, large = run(50)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert (small_rows, large_rows) == (2, 15)
    assert small == large


def test_memberships_at_units_out_of_reach_are_not_shown(client, world):
    """rm_east sees pa1's membership in P-EAST-1 but not one she also holds in SOUTH."""
    admin = world.headers("admin")
    added = client.post(f"/api/v1/users/{world.user('pa1')}/memberships", headers=admin,
                        json={"org_unit_id": world.unit("P-SOUTH-1"), "role": "viewer"})
    assert added.status_code == 201
    as_admin = client.get(f"/api/v1/users/{world.user('pa1')}", headers=admin).json
    assert {m["org_unit_id"] for m in as_admin["memberships"]} == {world.unit("P-EAST-1"), world.unit("P-SOUTH-1")}
    rm = world.headers("rm_east")
    user = client.get(f"/api/v1/users/{world.user('pa1')}", headers=rm).json
    assert {m["org_unit_id"] for m in user["memberships"]} == {world.unit("P-EAST-1")}
    listed = client.get(f"/api/v1/users/{world.user('pa1')}/memberships", headers=rm).json
    assert {m["org_unit_id"] for m in listed} == {world.unit("P-EAST-1")}
    in_list = next(u for u in client.get("/api/v1/users?page_size=100", headers=rm).json if u["id"] == world.user("pa1"))
    assert {m["org_unit_id"] for m in in_list["memberships"]} == {world.unit("P-EAST-1")}


def test_accounts_cannot_be_placed_in_a_deactivated_unit(client, world):
    admin = world.headers("admin")
    assert client.patch(f"/api/v1/org-units/{world.unit('P-EAST-2')}", headers=admin,
                        json={"is_active": False}).status_code == 200
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "newbie", "password": "Long-enough-1", "name": "新人", "org_unit_id": world.unit("P-EAST-2")})
    assert created.status_code == 409 and "org_unit_id" in created.json["errors"]
    moved = client.patch(f"/api/v1/users/{world.user('pa1')}", headers=admin, json={"org_unit_id": world.unit("P-EAST-2")})
    assert moved.status_code == 409


# --- the role catalogue ------------------------------------------------------------------------------


def test_the_role_catalogue_is_the_access_table(client, world):
    """GET /roles answers access.ROLE_KINDS and access.ROLE_PERMISSIONS, in the order of the enums."""
    from servicehub.access import ROLE_KINDS, ROLE_PERMISSIONS, Perm, Role

    response = client.get(api("/roles"), headers=world.headers("pa1"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [r["role"] for r in body] == [role.value for role in Role]
    for row in body:
        role = Role(row["role"])
        assert set(row) == {"role", "kinds", "permissions"}
        kinds = ROLE_KINDS[role]
        assert row["kinds"] == ([k for k in ("hq", "region", "project") if k in kinds] if kinds is not None
                                else ["hq", "region", "project"])
        assert row["permissions"] == [p.value for p in Perm if p in ROLE_PERMISSIONS[role]]
    by_role = {r["role"]: r for r in body}
    assert by_role["region_manager"]["kinds"] == ["region"]
    assert by_role["viewer"]["kinds"] == ["hq", "region", "project"]
    assert "customer.pii" not in by_role["viewer"]["permissions"]
    assert "X-Pagination" not in response.headers
    # The same for every user of every group: no group data in it.
    for who, tenant in (("admin", "alpha"), ("eng1", "alpha"), ("viewer", "alpha"), ("pa_b", "beta")):
        assert client.get(api("/roles"), headers=world.headers(who, tenant)).get_json() == body
    assert_error(client.get(api("/roles"), headers=world.headers("root")), 403)
    assert_error(client.get(api("/roles")), 401)
