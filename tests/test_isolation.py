"""Tenant and org-scope isolation across every endpoint that reads or writes tenant data.

The world (tests/factories.py):

    alpha: HQ ─┬─ EAST ─┬─ P-EAST-1   (pm1, pa1, eng1)
               │        └─ P-EAST-2   (pa2)
               └─ SOUTH ── P-SOUTH-1  (pa3)
           hq: admin (tenant_admin), hq_crm, viewer; EAST: rm_east, ra_east; SOUTH: rm_south
    beta:  HQ ── B-REGION ── B-PROJECT (pa_b); hq: admin

Rules under test: an object outside the caller's tenant or org scope answers 404 (whatever the
permission), a missing permission answers 403, and lists hold exactly the caller's part.
"""

from __future__ import annotations

import re

import pytest

from tests.scope_tools import api, assert_error, ids_of, pagination, tree_ids

ALPHA_UNITS = ("HQ", "EAST", "SOUTH", "P-EAST-1", "P-EAST-2", "P-SOUTH-1")
BETA_UNITS = ("HQ", "B-REGION", "B-PROJECT")
ALPHA_USERS = ("admin", "hq_crm", "viewer", "rm_east", "ra_east", "rm_south", "pm1", "pa1", "eng1", "pa2", "pa3")
EAST_USERS = ("rm_east", "ra_east", "pm1", "pa1", "eng1", "pa2")

_TOKEN = re.compile(r"<(unit|user|tenant):(?:(alpha|beta):)?([^>]+)>")


def _resolve(world, value):
    """Replace `<unit:CODE>`, `<user:NAME>`, `<tenant:SLUG>` (optionally `<unit:beta:CODE>`) by ids."""
    if isinstance(value, dict):
        return {k: _resolve(world, v) for k, v in value.items()}
    if not isinstance(value, str):
        return value

    def lookup(kind, tenant, name):
        tenant = tenant or "alpha"
        if kind == "unit":
            return world.unit(name, tenant)
        if kind == "user":
            return world.user(name, tenant)
        return world.tenants[name]

    whole = _TOKEN.fullmatch(value)
    if whole:
        return lookup(*whole.groups())
    return _TOKEN.sub(lambda m: str(lookup(*m.groups())), value)


def _headers(world, who: str) -> dict:
    if who == "root":
        return world.headers("root")
    tenant, _, username = who.rpartition(":")
    return world.headers(username, tenant or "alpha")


def _call(client, world, who, method, path, body=None):
    return client.open(api(_resolve(world, path)), method=method, json=_resolve(world, body),
                       headers=_headers(world, who))


NEW_UNIT = {"kind": "project", "parent_id": "<unit:EAST>", "name": "新项目", "code": "P-NEW"}
NEW_USER = {"username": "newbie", "password": "Another-pass-1", "name": "Newbie"}

# (caller, method, path, body, expected status)
MATRIX = [
    # --- another group: nothing of alpha exists for beta -------------------------------------
    ("beta:admin", "GET", "/org-units/<unit:HQ>", None, 404),
    ("beta:admin", "GET", "/org-units/<unit:EAST>", None, 404),
    ("beta:admin", "GET", "/org-units/<unit:P-EAST-1>", None, 404),
    ("beta:admin", "PATCH", "/org-units/<unit:EAST>", {"name": "taken over"}, 404),
    ("beta:admin", "PATCH", "/org-units/<unit:P-EAST-1>", {"is_active": False}, 404),
    ("beta:admin", "PATCH", "/org-units/<unit:beta:B-PROJECT>", {"parent_id": "<unit:EAST>"}, 404),
    ("beta:admin", "POST", "/org-units", NEW_UNIT, 404),
    ("beta:admin", "GET", "/users/<user:pa1>", None, 404),
    ("beta:admin", "GET", "/users/<user:admin>", None, 404),
    ("beta:admin", "PATCH", "/users/<user:pa1>", {"name": "taken over"}, 404),
    ("beta:admin", "PATCH", "/users/<user:admin>", {"password": "Hijacked-pass-1"}, 404),
    ("beta:admin", "PATCH", "/users/<user:beta:pa_b>", {"org_unit_id": "<unit:P-EAST-1>"}, 404),
    ("beta:admin", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:EAST>"}, 404),
    ("beta:admin", "GET", "/users/<user:pa1>/memberships", None, 404),
    ("beta:admin", "POST", "/users/<user:pa1>/memberships",
     {"org_unit_id": "<unit:beta:B-PROJECT>", "role": "project_agent"}, 404),
    ("beta:admin", "POST", "/users/<user:beta:pa_b>/memberships",
     {"org_unit_id": "<unit:P-EAST-1>", "role": "project_agent"}, 404),
    ("beta:admin", "DELETE", "/users/<user:pa1>/memberships?org_unit_id=<unit:P-EAST-1>&role=project_agent", None, 404),
    ("beta:pa_b", "GET", "/org-units/<unit:P-EAST-1>", None, 404),
    # --- a project reaches its own project only ----------------------------------------------
    ("pa1", "GET", "/org-units/<unit:P-EAST-1>", None, 200),
    ("pa1", "GET", "/org-units/<unit:P-EAST-2>", None, 404),
    ("pa1", "GET", "/org-units/<unit:EAST>", None, 404),
    ("pa1", "GET", "/org-units/<unit:HQ>", None, 404),
    ("eng1", "GET", "/org-units/<unit:P-EAST-2>", None, 404),
    ("pm1", "GET", "/org-units/<unit:P-EAST-1>", None, 200),
    ("pm1", "GET", "/org-units/<unit:P-EAST-2>", None, 404),
    ("pm1", "GET", "/users/<user:pa1>", None, 200),
    ("pm1", "GET", "/users/<user:pa2>", None, 404),
    ("pm1", "GET", "/users/<user:rm_east>", None, 404),
    ("pm1", "PATCH", "/users/<user:pa1>", {"name": "PA ONE"}, 200),
    ("pm1", "PATCH", "/users/<user:pa2>", {"name": "taken over"}, 404),
    ("pm1", "PATCH", "/users/<user:pa2>", {"password": "Hijacked-pass-1"}, 404),
    ("pm1", "PATCH", "/users/<user:pa1>", {"org_unit_id": "<unit:P-EAST-2>"}, 404),
    ("pm1", "GET", "/users/<user:pa1>/memberships", None, 200),
    ("pm1", "GET", "/users/<user:pa2>/memberships", None, 404),
    ("pm1", "POST", "/users/<user:pa2>/memberships", {"org_unit_id": "<unit:P-EAST-1>", "role": "project_agent"}, 404),
    ("pm1", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-EAST-2>", "role": "project_agent"}, 404),
    ("pm1", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-EAST-1>", "role": "viewer"}, 201),
    ("pm1", "DELETE", "/users/<user:pa2>/memberships?org_unit_id=<unit:P-EAST-2>&role=project_agent", None, 404),
    ("pm1", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:P-EAST-2>"}, 404),
    ("pm1", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:P-EAST-1>"}, 201),
    # --- a region reaches its projects, not the other region ----------------------------------
    ("rm_east", "GET", "/org-units/<unit:EAST>", None, 200),
    ("rm_east", "GET", "/org-units/<unit:P-EAST-1>", None, 200),
    ("rm_east", "GET", "/org-units/<unit:P-EAST-2>", None, 200),
    ("rm_east", "GET", "/org-units/<unit:SOUTH>", None, 404),
    ("rm_east", "GET", "/org-units/<unit:P-SOUTH-1>", None, 404),
    ("rm_east", "GET", "/org-units/<unit:HQ>", None, 404),
    ("ra_east", "GET", "/org-units/<unit:P-EAST-2>", None, 200),
    ("ra_east", "GET", "/org-units/<unit:P-SOUTH-1>", None, 404),
    ("rm_east", "GET", "/users/<user:pa1>", None, 200),
    ("rm_east", "GET", "/users/<user:pa2>", None, 200),
    ("rm_east", "GET", "/users/<user:pa3>", None, 404),
    ("rm_east", "GET", "/users/<user:rm_south>", None, 404),
    ("rm_east", "GET", "/users/<user:admin>", None, 404),
    ("rm_east", "PATCH", "/users/<user:pa2>", {"name": "PA TWO"}, 200),
    ("rm_east", "PATCH", "/users/<user:pa3>", {"name": "taken over"}, 404),
    ("rm_east", "PATCH", "/users/<user:pa3>", {"is_active": False}, 404),
    ("rm_east", "PATCH", "/users/<user:pa1>", {"org_unit_id": "<unit:P-SOUTH-1>"}, 404),
    ("rm_east", "PATCH", "/users/<user:pa1>", {"org_unit_id": "<unit:P-EAST-2>"}, 200),
    ("rm_east", "GET", "/users/<user:pa3>/memberships", None, 404),
    ("rm_east", "GET", "/users/<user:pa2>/memberships", None, 200),
    ("rm_east", "POST", "/users/<user:pa3>/memberships", {"org_unit_id": "<unit:P-SOUTH-1>", "role": "viewer"}, 404),
    ("rm_east", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-SOUTH-1>", "role": "project_agent"}, 404),
    ("rm_east", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-EAST-2>", "role": "project_agent"}, 201),
    ("rm_east", "DELETE", "/users/<user:pa3>/memberships?org_unit_id=<unit:P-SOUTH-1>&role=project_agent", None, 404),
    ("rm_east", "DELETE", "/users/<user:pa2>/memberships?org_unit_id=<unit:P-EAST-2>&role=project_agent", None, 204),
    ("rm_east", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:SOUTH>"}, 404),
    ("rm_east", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:P-SOUTH-1>"}, 404),
    ("rm_east", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:HQ>"}, 404),
    ("rm_east", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:P-EAST-2>"}, 201),
    ("rm_south", "GET", "/users/<user:pa3>", None, 200),
    ("rm_south", "GET", "/users/<user:pa1>", None, 404),
    ("rm_south", "GET", "/org-units/<unit:P-EAST-1>", None, 404),
    # --- the hq reaches all of its group ------------------------------------------------------
    ("admin", "GET", "/org-units/<unit:HQ>", None, 200),
    ("admin", "GET", "/org-units/<unit:P-SOUTH-1>", None, 200),
    ("admin", "PATCH", "/org-units/<unit:P-SOUTH-1>", {"name": "深圳·前海湾二期"}, 200),
    ("admin", "POST", "/org-units", NEW_UNIT, 201),
    ("admin", "GET", "/users/<user:pa3>", None, 200),
    ("admin", "PATCH", "/users/<user:pa3>", {"name": "PA THREE"}, 200),
    ("admin", "GET", "/users/<user:pa3>/memberships", None, 200),
    ("admin", "POST", "/users/<user:pa3>/memberships", {"org_unit_id": "<unit:P-EAST-1>", "role": "project_agent"}, 201),
    ("admin", "DELETE", "/users/<user:pa3>/memberships?org_unit_id=<unit:P-SOUTH-1>&role=project_agent", None, 204),
    ("admin", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:P-SOUTH-1>"}, 201),
    ("admin", "GET", "/audit-log", None, 200),
    ("hq_crm", "GET", "/org-units/<unit:P-SOUTH-1>", None, 200),
    ("hq_crm", "GET", "/users/<user:pa3>", None, 200),
    ("hq_crm", "GET", "/users/<user:pa3>/memberships", None, 200),
    ("viewer", "GET", "/org-units/<unit:P-EAST-2>", None, 200),
    # --- missing permission: 403 (whatever the id) --------------------------------------------
    ("pa1", "POST", "/org-units", NEW_UNIT, 403),
    ("pm1", "POST", "/org-units", NEW_UNIT, 403),
    ("rm_east", "POST", "/org-units", NEW_UNIT, 403),
    ("hq_crm", "POST", "/org-units", NEW_UNIT, 403),
    ("rm_east", "PATCH", "/org-units/<unit:P-EAST-1>", {"name": "x"}, 403),
    ("pm1", "PATCH", "/org-units/<unit:P-EAST-1>", {"name": "x"}, 403),
    ("viewer", "POST", "/users", NEW_USER, 403),
    ("hq_crm", "POST", "/users", NEW_USER, 403),
    ("pa1", "POST", "/users", NEW_USER, 403),
    ("pa1", "GET", "/users", None, 403),
    ("pa1", "GET", "/users/<user:pa1>", None, 403),
    ("pa1", "GET", "/users/<user:pa1>/memberships", None, 403),
    ("eng1", "GET", "/users", None, 403),
    ("viewer", "GET", "/users", None, 403),
    ("ra_east", "GET", "/users", None, 403),
    ("hq_crm", "PATCH", "/users/<user:pa1>", {"name": "x"}, 403),
    ("hq_crm", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-EAST-1>", "role": "viewer"}, 403),
    ("pa1", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-EAST-1>", "role": "project_manager"}, 403),
    ("pa1", "DELETE", "/users/<user:pa1>/memberships?org_unit_id=<unit:P-EAST-1>&role=project_agent", None, 403),
    ("pa1", "GET", "/audit-log", None, 403),
    ("viewer", "GET", "/audit-log", None, 403),
    ("hq_crm", "GET", "/audit-log", None, 403),
    ("rm_east", "GET", "/audit-log", None, 403),
    ("pm1", "GET", "/audit-log", None, 403),
    # --- tenants: platform admins only ---------------------------------------------------------
    ("admin", "GET", "/tenants", None, 403),
    ("admin", "POST", "/tenants", {"slug": "gamma", "name": "Gamma", "admin_username": "gadmin",
                                   "admin_password": "Gamma-pass-1"}, 403),
    ("admin", "GET", "/tenants/<tenant:alpha>", None, 403),
    ("admin", "PATCH", "/tenants/<tenant:alpha>", {"name": "Renamed"}, 403),
    ("beta:admin", "GET", "/tenants/<tenant:alpha>", None, 403),
    ("beta:admin", "PATCH", "/tenants/<tenant:alpha>", {"status": "suspended"}, 403),
    ("pa1", "GET", "/tenants", None, 403),
    ("root", "GET", "/tenants", None, 200),
    ("root", "GET", "/tenants/<tenant:alpha>", None, 200),
    ("root", "PATCH", "/tenants/<tenant:beta>", {"name": "Beta Renamed"}, 200),
    ("root", "POST", "/tenants", {"slug": "gamma", "name": "Gamma", "admin_username": "gadmin",
                                  "admin_password": "Gamma-pass-1"}, 201),
    # --- a platform admin has no access to a group's data --------------------------------------
    ("root", "GET", "/users", None, 403),
    ("root", "GET", "/users/<user:pa1>", None, 403),
    ("root", "PATCH", "/users/<user:pa1>", {"name": "x"}, 403),
    ("root", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:HQ>"}, 403),
    ("root", "GET", "/users/<user:pa1>/memberships", None, 403),
    ("root", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:HQ>", "role": "viewer"}, 403),
    ("root", "DELETE", "/users/<user:pa1>/memberships?org_unit_id=<unit:P-EAST-1>&role=project_agent", None, 403),
    ("root", "GET", "/org-units", None, 403),
    ("root", "GET", "/org-units/tree", None, 403),
    ("root", "GET", "/org-units/<unit:HQ>", None, 403),
    ("root", "PATCH", "/org-units/<unit:EAST>", {"name": "x"}, 403),
    ("root", "POST", "/org-units", NEW_UNIT, 403),
    ("root", "GET", "/audit-log", None, 403),
]


def _case_id(case) -> str:
    who, method, path, _body, status = case
    return f"{who}-{method}-{path}-{status}"


@pytest.mark.parametrize("who,method,path,body,status", MATRIX, ids=[_case_id(c) for c in MATRIX])
def test_scope_matrix(client, world, who, method, path, body, status):
    response = _call(client, world, who, method, path, body)
    if status >= 400:
        assert_error(response, status)
    else:
        assert response.status_code == status, response.get_data(as_text=True)


# Writes refused with 404/403 must leave the data exactly as it was.
REFUSED_WRITES = [case for case in MATRIX if case[1] != "GET" and case[4] in (403, 404)]


@pytest.mark.parametrize("who,method,path,body,status", REFUSED_WRITES, ids=[_case_id(c) for c in REFUSED_WRITES])
def test_refused_writes_change_nothing(client, world, who, method, path, body, status):
    def snapshot():
        state = {}
        for tenant, units, users in (("alpha", ALPHA_UNITS, ALPHA_USERS), ("beta", BETA_UNITS, ("admin", "pa_b"))):
            headers = world.headers("admin", tenant)
            state[tenant, "units"] = client.get(api("/org-units?page_size=100"), headers=headers).get_json()
            state[tenant, "users"] = client.get(api("/users?page_size=100"), headers=headers).get_json()
            state[tenant, "audit"] = client.get(api("/audit-log?page_size=100"), headers=headers).get_json()
        state["tenants"] = client.get(api("/tenants"), headers=world.headers("root")).get_json()
        return state

    before = snapshot()
    assert_error(_call(client, world, who, method, path, body), status)
    assert snapshot() == before


# --- lists: exactly the caller's part ---------------------------------------------------------

ORG_VISIBLE = {
    "admin": ALPHA_UNITS,
    "hq_crm": ALPHA_UNITS,
    "viewer": ALPHA_UNITS,
    "rm_east": ("EAST", "P-EAST-1", "P-EAST-2"),
    "ra_east": ("EAST", "P-EAST-1", "P-EAST-2"),
    "rm_south": ("SOUTH", "P-SOUTH-1"),
    "pm1": ("P-EAST-1",),
    "pa1": ("P-EAST-1",),
    "eng1": ("P-EAST-1",),
    "pa2": ("P-EAST-2",),
    "pa3": ("P-SOUTH-1",),
    "beta:admin": BETA_UNITS,
    "beta:pa_b": ("B-PROJECT",),
}


def _tenant_of(who: str) -> str:
    return who.split(":")[0] if ":" in who else "alpha"


@pytest.mark.parametrize("who", sorted(ORG_VISIBLE))
def test_org_unit_list_is_exactly_the_callers_part(client, world, who):
    tenant = _tenant_of(who)
    expected = {world.unit(code, tenant) for code in ORG_VISIBLE[who]}
    response = client.get(api("/org-units?page_size=100"), headers=_headers(world, who))
    assert ids_of(response) == expected
    assert pagination(response)["total"] == len(expected)


@pytest.mark.parametrize("who", sorted(ORG_VISIBLE))
def test_org_tree_is_exactly_the_callers_part(client, world, who):
    tenant = _tenant_of(who)
    expected = {world.unit(code, tenant) for code in ORG_VISIBLE[who]}
    response = client.get(api("/org-units/tree"), headers=_headers(world, who))
    assert response.status_code == 200
    assert tree_ids(response.get_json()) == expected


USER_VISIBLE = {
    "admin": ALPHA_USERS,
    "hq_crm": ALPHA_USERS,
    "rm_east": EAST_USERS,
    "rm_south": ("rm_south", "pa3"),
    "pm1": ("pm1", "pa1", "eng1"),
    "beta:admin": ("admin", "pa_b"),
}


@pytest.mark.parametrize("who", sorted(USER_VISIBLE))
def test_user_list_is_exactly_the_callers_part(client, world, who):
    tenant = _tenant_of(who)
    expected = {world.user(name, tenant) for name in USER_VISIBLE[who]}
    response = client.get(api("/users?page_size=100"), headers=_headers(world, who))
    assert ids_of(response) == expected
    assert pagination(response)["total"] == len(expected)


@pytest.mark.parametrize("who", sorted(USER_VISIBLE))
def test_user_list_filters_stay_inside_the_scope(client, world, who):
    """Filtering by a unit outside the scope finds nobody (it does not widen the scope)."""
    outside = "P-SOUTH-1" if who != "rm_south" else "P-EAST-1"
    unit = world.unit(outside) if not who.startswith("beta:") else world.unit("P-EAST-1")
    response = client.get(api(f"/users?page_size=100&org_unit_id={unit}"), headers=_headers(world, who))
    visible = ids_of(response)
    if who in ("admin", "hq_crm"):
        assert visible == {world.user("pa3")}
    else:
        assert visible == set()
    response = client.get(api("/users?page_size=100&role=project_agent"), headers=_headers(world, who))
    tenant = _tenant_of(who)
    agents = {"admin": ("pa1", "pa2", "pa3"), "hq_crm": ("pa1", "pa2", "pa3"), "rm_east": ("pa1", "pa2"),
              "rm_south": ("pa3",), "pm1": ("pa1",), "beta:admin": ("pa_b",)}[who]
    assert ids_of(response) == {world.user(name, tenant) for name in agents}


def _make_audit_entries(client, world):
    """One admin change in each group, so both audit logs hold something."""
    alpha = client.post(api("/org-units"), headers=world.headers("admin"),
                        json={"kind": "project", "parent_id": world.unit("EAST"), "name": "A", "code": "A-NEW"})
    assert alpha.status_code == 201
    beta = client.post(api("/users"), headers=world.headers("admin", "beta"),
                       json={"username": "b_new", "password": "Beta-pass-11", "name": "B New"})
    assert beta.status_code == 201
    return alpha.get_json()["id"], beta.get_json()["id"]


def test_audit_log_holds_only_the_callers_group(client, world):
    alpha_unit, beta_user = _make_audit_entries(client, world)
    alpha = client.get(api("/audit-log?page_size=100"), headers=world.headers("admin")).get_json()
    beta = client.get(api("/audit-log?page_size=100"), headers=world.headers("admin", "beta")).get_json()
    assert [(e["action"], e["target_id"]) for e in alpha] == [("org_unit.created", alpha_unit)]
    assert [(e["action"], e["target_id"]) for e in beta] == [("user.created", beta_user)]
    assert not {e["id"] for e in alpha} & {e["id"] for e in beta}


def test_tenant_list_is_for_platform_admins(client, world):
    response = client.get(api("/tenants"), headers=world.headers("root"))
    assert ids_of(response) == {world.tenants["alpha"], world.tenants["beta"]}


def test_memberships_of_a_visible_user_are_listed(client, world):
    response = client.get(api(f"/users/{world.user('pa2')}/memberships"), headers=world.headers("rm_east"))
    assert response.status_code == 200
    assert [(m["org_unit_id"], m["role"]) for m in response.get_json()] == [(world.unit("P-EAST-2"), "project_agent")]


def test_beta_token_cannot_reach_alpha_even_with_alpha_ids_in_filters(client, world):
    headers = world.headers("admin", "beta")
    units = client.get(api(f"/org-units?page_size=100&parent_id={world.unit('EAST')}"), headers=headers)
    assert ids_of(units) == set()
    users = client.get(api(f"/users?page_size=100&org_unit_id={world.unit('P-EAST-1')}"), headers=headers)
    assert ids_of(users) == set()
    audit = client.get(api(f"/audit-log?page_size=100&target_id={world.user('pa1')}"), headers=headers)
    assert ids_of(audit) == set()
