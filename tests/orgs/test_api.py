"""/api/v1/org-units: creating, moving, (de)activating units, the tree, and the error answers."""

from __future__ import annotations

import pytest

from tests.scope_tools import api, assert_error, ids_of, pagination

UNITS = api("/org-units")


def unit_url(unit_id) -> str:
    return f"{UNITS}/{unit_id}"


def create(client, world, *, kind="project", parent="EAST", code="P-NEW", name="新项目", who="admin"):
    body = {"kind": kind, "parent_id": world.unit(parent), "name": name, "code": code}
    return client.post(UNITS, json=body, headers=world.headers(who))


def patch(client, world, code, changes, who="admin"):
    return client.patch(unit_url(world.unit(code)), json=changes, headers=world.headers(who))


def audit(client, world, action):
    response = client.get(api(f"/audit-log?action={action}&page_size=100"), headers=world.headers("admin"))
    assert response.status_code == 200
    return response.get_json()


def test_create_a_region_and_a_project_under_it(client, world):
    region = create(client, world, kind="region", parent="HQ", code="NORTH", name="华北区域")
    assert region.status_code == 201
    body = region.get_json()
    assert body["kind"] == "region" and body["parent_id"] == world.unit("HQ") and body["is_active"] is True
    assert body["path"] == f"/{world.unit('HQ')}/{body['id']}/"
    project = client.post(UNITS, headers=world.headers("admin"),
                          json={"kind": "project", "parent_id": body["id"], "name": "北京·望京", "code": "P-NORTH-1"})
    assert project.status_code == 201
    assert project.get_json()["path"] == f"{body['path']}{project.get_json()['id']}/"
    got = client.get(unit_url(body["id"]), headers=world.headers("admin"))
    assert got.status_code == 200 and got.get_json()["code"] == "NORTH"
    created = audit(client, world, "org_unit.created")
    assert [e["target_id"] for e in created] == [project.get_json()["id"], body["id"]]
    assert created[1]["actor_id"] == world.user("admin")
    assert created[1]["details"] == {"kind": "region", "name": "华北区域", "code": "NORTH", "parent_id": world.unit("HQ")}


def test_creating_an_hq_is_rejected(client, world):
    response = create(client, world, kind="hq", parent="HQ", code="HQ2")
    body = assert_error(response, 422)
    assert "kind" in body["errors"]["json"]


@pytest.mark.parametrize("kind,parent,expected", [
    ("project", "HQ", "Must be a region."),
    ("project", "P-EAST-1", "Must be a region."),
    ("region", "EAST", "Must be a hq."),
    ("region", "P-EAST-1", "Must be a hq."),
])
def test_a_unit_hangs_only_under_the_level_above(client, world, kind, parent, expected):
    body = assert_error(create(client, world, kind=kind, parent=parent, code="X-1"), 422)
    assert body["errors"] == {"parent_id": [expected]}


def test_duplicate_code_answers_409_with_a_field_error(client, world):
    body = assert_error(create(client, world, code="P-EAST-2"), 409)
    assert body["errors"] == {"code": ["Already in use."]}
    body = assert_error(patch(client, world, "P-EAST-1", {"code": "SOUTH"}), 409)
    assert body["errors"] == {"code": ["Already in use."]}
    # Keeping its own code is no conflict; another group may use the same code.
    assert patch(client, world, "P-EAST-1", {"code": "P-EAST-1", "name": "新名"}).status_code == 200
    beta = client.post(UNITS, headers=world.headers("admin", "beta"),
                       json={"kind": "region", "parent_id": world.unit("HQ", "beta"), "name": "东", "code": "EAST"})
    assert beta.status_code == 201


def test_moving_a_project_updates_its_path_scope_and_audit(client, world):
    response = patch(client, world, "P-EAST-2", {"parent_id": world.unit("SOUTH")})
    assert response.status_code == 200
    moved = response.get_json()
    assert moved["parent_id"] == world.unit("SOUTH")
    assert moved["path"] == f"/{world.unit('HQ')}/{world.unit('SOUTH')}/{world.unit('P-EAST-2')}/"
    entries = audit(client, world, "org_unit.moved")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["target_type"] == "org_unit" and entry["target_id"] == world.unit("P-EAST-2")
    assert entry["actor_id"] == world.user("admin") and entry["actor_name"] == "ADMIN"
    assert entry["details"]["parent_id"] == {"from": world.unit("EAST"), "to": world.unit("SOUTH")}
    assert entry["details"]["path"]["to"] == moved["path"]
    # The reach follows the tree: SOUTH's manager now sees it, EAST's does not.
    assert client.get(unit_url(world.unit("P-EAST-2")), headers=world.headers("rm_south")).status_code == 200
    assert_error(client.get(unit_url(world.unit("P-EAST-2")), headers=world.headers("rm_east")), 404)
    assert client.get(unit_url(world.unit("P-EAST-2")), headers=world.headers("pa2")).status_code == 200


@pytest.mark.parametrize("code,parent", [("P-EAST-1", "HQ"), ("P-EAST-1", "P-EAST-2"), ("EAST", "SOUTH")])
def test_a_move_keeps_the_levels(client, world, code, parent):
    body = assert_error(patch(client, world, code, {"parent_id": world.unit(parent)}), 422)
    assert "parent_id" in body["errors"]


def test_the_hq_cannot_move_nor_be_deactivated(client, world):
    body = assert_error(patch(client, world, "HQ", {"parent_id": world.unit("EAST")}), 422)
    assert "parent_id" in body["errors"]
    assert_error(patch(client, world, "HQ", {"is_active": False}), 409)


def test_moving_to_an_unknown_or_foreign_parent_is_404(client, world):
    assert_error(patch(client, world, "P-EAST-1", {"parent_id": world.unit("B-REGION", "beta")}), 404)
    assert_error(patch(client, world, "P-EAST-1", {"parent_id": 999999}), 404)


def test_deactivating_a_region_with_active_projects_is_409(client, world):
    body = assert_error(patch(client, world, "EAST", {"is_active": False}), 409)
    assert "is_active" in body["errors"]
    assert client.get(unit_url(world.unit("EAST")), headers=world.headers("admin")).get_json()["is_active"] is True


def test_deactivate_projects_first_then_the_region(client, world):
    for code in ("P-EAST-1", "P-EAST-2"):
        response = patch(client, world, code, {"is_active": False})
        assert response.status_code == 200 and response.get_json()["is_active"] is False
    response = patch(client, world, "EAST", {"is_active": False})
    assert response.status_code == 200
    assert response.get_json()["is_active"] is False and response.get_json()["deactivated_at"]
    actions = [(e["target_id"], e["details"]["is_active"]) for e in audit(client, world, "org_unit.deactivated")]
    assert actions == [(world.unit(code), {"from": True, "to": False}) for code in ("EAST", "P-EAST-2", "P-EAST-1")]
    inactive = client.get(f"{UNITS}?is_active=false&page_size=100", headers=world.headers("admin"))
    assert ids_of(inactive) == {world.unit(c) for c in ("EAST", "P-EAST-1", "P-EAST-2")}


def test_reactivating_under_a_deactivated_region_is_409(client, world):
    for code in ("P-EAST-1", "P-EAST-2", "EAST"):
        assert patch(client, world, code, {"is_active": False}).status_code == 200
    assert_error(patch(client, world, "P-EAST-1", {"is_active": True}), 409)
    assert patch(client, world, "EAST", {"is_active": True}).status_code == 200
    response = patch(client, world, "P-EAST-1", {"is_active": True})
    assert response.status_code == 200
    assert response.get_json()["is_active"] is True and response.get_json()["deactivated_at"] is None


def test_creating_or_moving_under_a_deactivated_parent_is_409(client, world):
    assert patch(client, world, "P-SOUTH-1", {"is_active": False}).status_code == 200
    assert patch(client, world, "SOUTH", {"is_active": False}).status_code == 200
    body = assert_error(create(client, world, parent="SOUTH", code="P-SOUTH-2"), 409)
    assert "parent_id" in body["errors"]
    assert_error(patch(client, world, "P-EAST-1", {"parent_id": world.unit("SOUTH")}), 409)
    assert client.get(unit_url(world.unit("P-EAST-1")), headers=world.headers("admin")).get_json()["parent_id"] \
        == world.unit("EAST")


def test_rename_is_audited_as_an_update(client, world):
    response = patch(client, world, "SOUTH", {"name": "华南大区"})
    assert response.status_code == 200 and response.get_json()["name"] == "华南大区"
    entries = audit(client, world, "org_unit.updated")
    assert [(e["target_id"], e["details"]) for e in entries] == [
        (world.unit("SOUTH"), {"name": {"from": "华南区域", "to": "华南大区"}})
    ]
    # A PATCH that changes nothing records nothing.
    assert patch(client, world, "SOUTH", {"name": "华南大区"}).status_code == 200
    assert len(audit(client, world, "org_unit.updated")) == 1


def _shape(nodes, world):
    by_id = {v: code for (tenant, code), v in world.units.items()}
    return [(by_id[n["id"]], n["kind"], _shape(n["children"], world)) for n in nodes]


def test_tree_nests_from_the_top_of_each_callers_reach(client, world):
    def tree(who):
        response = client.get(f"{UNITS}/tree", headers=world.headers(who))
        assert response.status_code == 200
        return _shape(response.get_json(), world)

    full = [("HQ", "hq", [
        ("EAST", "region", [("P-EAST-1", "project", []), ("P-EAST-2", "project", [])]),
        ("SOUTH", "region", [("P-SOUTH-1", "project", [])]),
    ])]
    assert tree("admin") == full
    assert tree("hq_crm") == full
    assert tree("rm_east") == [("EAST", "region", [("P-EAST-1", "project", []), ("P-EAST-2", "project", [])])]
    assert tree("pa1") == [("P-EAST-1", "project", [])]
    assert tree("eng1") == [("P-EAST-1", "project", [])]


def test_tree_siblings_are_ordered_by_code_as_numbers_read(client, world):
    """Not by path text (`/1/2/10/` before `/1/2/4/`), nor by creation: by code, numbers as numbers
    (P-EAST-3 before P-EAST-10), whatever the letter case."""
    for code, name in (("P-EAST-10", "十号"), ("P-EAST-3", "三号"), ("p-east-4", "四号")):
        assert create(client, world, code=code, name=name).status_code == 201
    assert create(client, world, kind="region", parent="HQ", code="CENTRAL", name="华中区域").status_code == 201
    ids = {n["id"]: n for n in client.get(f"{UNITS}?page_size=100", headers=world.headers("admin")).get_json()}
    assert max(ids) >= 10  # the path text of the new ones sorts them before P-EAST-1

    def codes(nodes):
        return [(n["code"], codes(n["children"])) for n in nodes]

    (hq,) = client.get(f"{UNITS}/tree", headers=world.headers("admin")).get_json()
    assert codes(hq["children"]) == [
        ("CENTRAL", []),
        ("EAST", [("P-EAST-1", []), ("P-EAST-2", []), ("P-EAST-3", []), ("p-east-4", []), ("P-EAST-10", [])]),
        ("SOUTH", [("P-SOUTH-1", [])]),
    ]
    # The roots of a reach of several subtrees are ordered the same way.
    by_code = {n["code"]: i for i, n in ids.items()}
    user = client.post(api("/users"), headers=world.headers("admin"),
                       json={"username": "two_projects", "password": "Two-projects-1", "name": "双项目",
                             "org_unit_id": by_code["P-EAST-3"]}).get_json()["id"]
    for code in ("P-EAST-10", "P-EAST-3"):
        granted = client.post(api(f"/users/{user}/memberships"), headers=world.headers("admin"),
                              json={"org_unit_id": by_code[code], "role": "project_agent"})
        assert granted.status_code == 201, granted.get_json()
    login = client.post(api("/auth/login"), json={"tenant": "alpha", "username": "two_projects",
                                                   "password": "Two-projects-1"})
    assert login.status_code == 200, login.get_json()
    token = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    roots = client.get(f"{UNITS}/tree", headers=token).get_json()
    assert codes(roots) == [("P-EAST-3", []), ("P-EAST-10", [])]


def test_list_filters_and_pagination(client, world):
    headers = world.headers("admin")
    projects = client.get(f"{UNITS}?kind=project&page_size=100", headers=headers)
    assert ids_of(projects) == {world.unit(c) for c in ("P-EAST-1", "P-EAST-2", "P-SOUTH-1")}
    east = client.get(f"{UNITS}?parent_id={world.unit('EAST')}", headers=headers)
    assert ids_of(east) == {world.unit("P-EAST-1"), world.unit("P-EAST-2")}
    query = client.get(f"{UNITS}?q=SOUTH", headers=headers)
    assert ids_of(query) == {world.unit("SOUTH"), world.unit("P-SOUTH-1")}
    page = client.get(f"{UNITS}?page=2&page_size=4", headers=headers)
    assert len(ids_of(page)) == 2
    assert pagination(page)["total"] == 6
    assert_error(client.get(f"{UNITS}?page_size=101", headers=headers), 422)
    assert_error(client.get(f"{UNITS}?parent_id=abc", headers=headers), 422)


def test_bad_bodies_answer_422(client, world):
    headers = world.headers("admin")
    for body, field in [
        ({"kind": "project", "parent_id": world.unit("EAST"), "name": "x"}, "code"),
        ({"kind": "project", "parent_id": str(world.unit("EAST")), "name": "x", "code": "X"}, "parent_id"),
        ({"kind": "project", "parent_id": world.unit("EAST"), "name": "x", "code": "has space"}, "code"),
        ({"kind": "project", "parent_id": world.unit("EAST"), "name": "x", "code": "X", "extra": 1}, "extra"),
    ]:
        response = assert_error(client.post(UNITS, json=body, headers=headers), 422)
        assert field in response["errors"]["json"]
    assert_error(client.get(unit_url(999999), headers=headers), 404)
    assert_error(client.patch(unit_url(world.unit("EAST")), json={"is_active": "no"}, headers=headers), 422)
