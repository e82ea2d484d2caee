"""/api/v1/contractors: registered for regions or projects, seen where they serve, managed at hq or by the region."""

from __future__ import annotations

from tests.repairs import contractor_body, new_contractor
from tests.scope_tools import api, assert_error, ids_of


def field_errors(response) -> dict:
    """The field errors of a 422: the schema's (under `json`) or the service's."""
    errors = assert_error(response, 422)["errors"]
    return errors.get("json", errors)


def test_create_read_and_edit_with_an_audit_trail(client, world):
    body = new_contractor(client, world, "EAST", "P-SOUTH-1", trades=["plumbing", "waterproofing", "plumbing"])
    assert body["trades"] == ["waterproofing", "plumbing"]
    assert body["org_unit_ids"] == sorted([world.unit("EAST"), world.unit("P-SOUTH-1")])
    assert body["is_active"] is True and body["contact_phone"] == "13800000001"
    got = client.get(api(f"/contractors/{body['id']}"), headers=world.headers("pa1"))
    assert got.status_code == 200 and got.get_json() == body
    patched = client.patch(api(f"/contractors/{body['id']}"), headers=world.headers("hq_crm"),
                           json={"is_active": False, "org_unit_ids": [world.unit("EAST")], "notes": "年度评估末位"})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["org_unit_ids"] == [world.unit("EAST")] and patched.get_json()["is_active"] is False
    actions = [e["action"] for e in client.get(api("/audit-log"), headers=world.headers("admin")).get_json()]
    assert actions.count("contractor.created") == 1 and actions.count("contractor.updated") == 1


def test_field_errors(client, world):
    headers = world.headers("hq_crm")
    bad = {
        "contract_end": contractor_body(world, contract_start="2026-05-01", contract_end="2026-04-30"),
        "trades": contractor_body(world, trades=[]),
        "org_unit_ids": contractor_body(world, "HQ"),
    }
    for field, body in bad.items():
        assert field in field_errors(client.post(api("/contractors"), headers=headers, json=body))
    beta_unit = contractor_body(world)
    beta_unit["org_unit_ids"] = [world.unit("B-PROJECT", "beta")]
    assert "org_unit_ids" in field_errors(client.post(api("/contractors"), headers=headers, json=beta_unit))
    contractor = new_contractor(client, world)
    assert "contract_end" in assert_error(client.patch(api(f"/contractors/{contractor['id']}"), headers=headers,
                                                       json={"contract_end": "2000-01-01"}), 422)["errors"]


def test_a_region_manager_manages_the_contractors_of_their_region_only(client, world):
    mine = new_contractor(client, world, "P-EAST-2", who="rm_east")
    assert client.patch(api(f"/contractors/{mine['id']}"), headers=world.headers("rm_east"),
                        json={"name": "新名称"}).status_code == 200
    body = contractor_body(world, "P-SOUTH-1")
    assert "org_unit_ids" in assert_error(client.post(api("/contractors"), headers=world.headers("rm_east"), json=body),
                                          422)["errors"]
    shared = new_contractor(client, world, "EAST", "SOUTH")
    assert_error(client.patch(api(f"/contractors/{shared['id']}"), headers=world.headers("rm_east"),
                              json={"name": "x"}), 403)
    south = new_contractor(client, world, "SOUTH")
    assert_error(client.patch(api(f"/contractors/{south['id']}"), headers=world.headers("rm_east"),
                              json={"name": "x"}), 404)
    for who in ("pm1", "pa1", "viewer"):
        assert_error(client.post(api("/contractors"), headers=world.headers(who), json=contractor_body(world)), 403)


def test_lists_hold_the_contractors_serving_the_callers_part(client, world):
    east = new_contractor(client, world, "EAST", name="华东防水")["id"]
    east1 = new_contractor(client, world, "P-EAST-1", name="滨江水电", trades=["plumbing", "electrical"])["id"]
    east2 = new_contractor(client, world, "P-EAST-2", name="西溪门窗", trades=["doors_windows"])["id"]
    south = new_contractor(client, world, "SOUTH", name="华南综合", trades=["general"])["id"]
    idle = new_contractor(client, world, "P-SOUTH-1", name="前海装修", trades=["decoration"], is_active=False)["id"]
    get = lambda who, query="", tenant="alpha": client.get(api(f"/contractors{query}"),  # noqa: E731
                                                           headers=world.headers(who, tenant))
    assert ids_of(get("hq_crm")) == {east, east1, east2, south, idle}
    assert ids_of(get("rm_east")) == {east, east1, east2}
    assert ids_of(get("pa1")) == {east, east1}
    assert ids_of(get("pa2")) == {east, east2}
    assert ids_of(get("pa3")) == {south, idle}
    assert ids_of(get("pa_b", tenant="beta")) == set()
    # A region's list never holds another region's contractors (a dispatch list).
    assert ids_of(get("hq_crm", f"?org_unit_id={world.unit('P-SOUTH-1')}")) == {south, idle}
    assert ids_of(get("hq_crm", f"?org_unit_id={world.unit('P-EAST-1')}")) == {east, east1}
    assert ids_of(get("hq_crm", f"?org_unit_id={world.unit('EAST')}")) == {east, east1, east2}
    assert_error(get("pa1", f"?org_unit_id={world.unit('P-EAST-2')}"), 404)
    assert_error(get("pa1", f"?org_unit_id={world.unit('B-PROJECT', 'beta')}"), 404)
    assert ids_of(get("hq_crm", "?trade=plumbing")) == {east, east1, south}
    assert ids_of(get("hq_crm", "?active=false")) == {idle}
    assert ids_of(get("hq_crm", "?q=水电")) == {east1}
    for who, contractor in (("pa1", east2), ("pa3", east), ("rm_south", east1)):
        assert_error(client.get(api(f"/contractors/{contractor}"), headers=world.headers(who)), 404)
    assert_error(client.get(api(f"/contractors/{east}"), headers=world.headers("pa_b", "beta")), 404)
    assert_error(client.get(api("/contractors"), headers=world.headers("eng1")), 403)
