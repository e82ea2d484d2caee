"""/api/v1/categories: the group's tree, read by everyone signed in to the group and edited at the
hq; its shape rules (unique codes, no cycles, at most three levels); deactivation; and how a
category routes a new ticket to a function."""

from __future__ import annotations

import pytest

from servicehub.categories.defaults import DEFAULT_TREE
from servicehub.categories.service import MAX_DEPTH
from tests.scope_tools import api, assert_error, ids_of, pagination

CATEGORIES = api("/categories")
TICKETS = api("/tickets")
DEFAULT_COUNT = len(DEFAULT_TREE) + sum(len(children) for *_, children in DEFAULT_TREE)


def listed(client, world, who="pa1", tenant="alpha", **query) -> list[dict]:
    response = client.get(CATEGORIES, query_string={"page_size": 100, **query}, headers=world.headers(who, tenant))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def create(client, world, who="hq_crm", tenant="alpha", **body):
    return client.post(CATEGORIES, json={"code": "noise", "name": "噪音", **body}, headers=world.headers(who, tenant))


def patch(client, world, category_id, who="hq_crm", tenant="alpha", **changes):
    return client.patch(f"{CATEGORIES}/{category_id}", json=changes, headers=world.headers(who, tenant))


def log_ticket(client, world, who="pa1", **fields):
    return client.post(TICKETS, headers=world.headers(who), json={
        "type": "complaint", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": "投诉",
        "description": "客户来电", **fields})


def logged(client, world, **fields) -> dict:
    response = log_ticket(client, world, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def audit(client, world, action) -> list[dict]:
    response = client.get(api("/audit-log"), query_string={"action": action, "page_size": 100},
                          headers=world.headers("admin"))
    assert response.status_code == 200
    return response.get_json()


# --- reading the tree ---------------------------------------------------------------------------------


def test_everyone_signed_in_to_the_group_reads_the_whole_tree(client, world):
    codes = world.categories()
    for who in ("admin", "hq_crm", "viewer", "rm_east", "ra_east", "pm1", "pa1", "eng1", "pa3"):
        body = listed(client, world, who)
        assert {c["code"]: c["id"] for c in body} == codes, who
        assert len(body) == DEFAULT_COUNT


def test_the_tree_lists_roots_first_each_level_in_its_order(client, world):
    codes = world.categories()
    body = listed(client, world)
    roots = [c for c in body if c["parent_id"] is None]
    assert body[:len(roots)] == roots
    assert [c["code"] for c in roots] == [code for code, *_ in DEFAULT_TREE]
    leakage = next(c for c in body if c["code"] == "leakage")
    assert leakage == {**leakage, "name": "渗漏", "parent_id": codes["construction_quality"],
                       "default_function": "engineering", "sort_order": 0, "is_active": True}
    children = listed(client, world, parent_id=codes["sales_promise"])
    assert [c["code"] for c in children] == ["delivery_standard", "amenities", "title_deed", "advertising"]
    assert {c["default_function"] for c in children} == {"sales"}


def test_the_list_pages_and_filters_by_activity(client, world):
    codes = world.categories()
    page = client.get(CATEGORIES, query_string={"page_size": 5, "page": 2}, headers=world.headers("pa1"))
    assert page.status_code == 200 and len(page.get_json()) == 5
    assert pagination(page)["total"] == DEFAULT_COUNT
    assert patch(client, world, codes["parking"], is_active=False).status_code == 200
    assert [c["code"] for c in listed(client, world, is_active="false")] == ["parking"]
    assert "parking" not in {c["code"] for c in listed(client, world, is_active="true")}


def test_each_group_reads_its_own_tree_only(client, world):
    alpha, beta = world.categories("alpha"), world.categories("beta")
    assert set(alpha) == set(beta) and not set(alpha.values()) & set(beta.values())
    assert create(client, world, code="alpha_only").status_code == 201

    beta_list = listed(client, world, "pa_b", "beta")
    assert {c["id"] for c in beta_list} == set(beta.values())
    assert "alpha_only" not in {c["code"] for c in beta_list}
    assert listed(client, world, "pa_b", "beta", parent_id=alpha["construction_quality"]) == []


def test_a_platform_admin_reads_no_groups_tree(client, world):
    world.categories()
    assert_error(client.get(CATEGORIES, headers=world.headers("root")), 403)
    assert_error(client.post(CATEGORIES, json={"code": "x", "name": "x"}, headers=world.headers("root")), 403)


def test_signing_in_is_required(client, world):
    assert_error(client.get(CATEGORIES), 401)


# --- editing the tree ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["hq_crm", "admin"])
def test_settings_managers_at_the_hq_create_and_edit_categories(client, world, who):
    codes = world.categories()
    response = create(client, world, who, parent_id=codes["property_management"], default_function="property",
                      sort_order=9)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created == {**created, "code": "noise", "name": "噪音", "parent_id": codes["property_management"],
                       "default_function": "property", "sort_order": 9, "is_active": True}
    assert created["id"] in ids_of(client.get(CATEGORIES, query_string={"page_size": 100},
                                              headers=world.headers("pa1")))

    response = patch(client, world, created["id"], who, name="噪音扰民", default_function="customer_service")
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["name"], response.get_json()["default_function"]) == ("噪音扰民", "customer_service")

    (made,) = audit(client, world, "category.created")
    assert (made["actor_id"], made["target_id"]) == (world.user(who), created["id"])
    assert made["details"] == {"code": "noise", "name": "噪音", "parent_id": codes["property_management"]}
    (changed,) = audit(client, world, "category.updated")
    assert changed["details"] == {"name": {"from": "噪音", "to": "噪音扰民"},
                                  "default_function": {"from": "property", "to": "customer_service"}}


def test_others_may_not_edit_the_tree(client, world):
    codes = world.categories()
    for who in ("rm_east", "pm1", "pa1", "eng1", "viewer"):
        assert_error(create(client, world, who), 403)
        assert_error(patch(client, world, codes["leakage"], who, name="漏水"), 403)
    body = listed(client, world)
    assert "noise" not in {c["code"] for c in body}
    assert next(c for c in body if c["code"] == "leakage")["name"] == "渗漏"


def test_a_code_is_unique_within_the_group(client, world):
    world.categories("alpha")
    world.categories("beta")
    body = assert_error(create(client, world, code="leakage"), 409)
    assert body["errors"] == {"code": ["Already in use."]}
    assert create(client, world, code="noise").status_code == 201
    assert_error(create(client, world, code="noise", name="另一个"), 409)
    # Another group has its own codes.
    assert create(client, world, "admin", "beta", code="noise").status_code == 201
    assert len(listed(client, world)) == DEFAULT_COUNT + 1


INVALID = [
    ({"code": "Noise"}, "code"), ({"code": "噪音"}, "code"), ({"code": ""}, "code"), ({"code": "x" * 41}, "code"),
    ({"name": ""}, "name"), ({"name": "x" * 61}, "name"), ({"default_function": "plumbing"}, "default_function"),
    ({"sort_order": -1}, "sort_order"), ({"parent_id": "3"}, "parent_id"), ({"colour": "red"}, "colour"),
]


def test_an_invalid_category_answers_422(client, world):
    world.categories()
    for body, field in INVALID:
        assert field in assert_error(create(client, world, **body), 422)["errors"]["json"], body
    assert len(listed(client, world)) == DEFAULT_COUNT


def test_a_patch_takes_no_code_and_no_unknown_fields(client, world):
    codes = world.categories()
    for changes in ({"code": "water"}, {"tenant_id": 2}):
        assert_error(patch(client, world, codes["leakage"], **changes), 422)


def test_a_parent_must_be_a_category_of_the_group(client, world):
    codes = world.categories()
    beta = world.categories("beta")
    for parent in (999_999, beta["construction_quality"]):
        body = assert_error(create(client, world, parent_id=parent), 422)
        assert body["errors"] == {"parent_id": ["Unknown category."]}
        assert_error(patch(client, world, codes["leakage"], parent_id=parent), 422)


def test_a_category_cannot_move_under_itself_or_below(client, world):
    codes = world.categories()
    for category, parent in (("construction_quality", "leakage"), ("construction_quality", "construction_quality"),
                             ("leakage", "leakage")):
        body = assert_error(patch(client, world, codes[category], parent_id=codes[parent]), 422)
        assert body["errors"] == {"parent_id": ["Would make a cycle."]}, (category, parent)
    assert next(c for c in listed(client, world) if c["code"] == "construction_quality")["parent_id"] is None


def test_the_tree_is_at_most_three_levels_deep(client, world):
    assert MAX_DEPTH == 3
    codes = world.categories()
    third = create(client, world, code="roof_leakage", name="屋面渗漏", parent_id=codes["leakage"])
    assert third.status_code == 201, third.get_json()
    fourth = create(client, world, code="roof_leakage_north", name="北侧", parent_id=third.get_json()["id"])
    assert assert_error(fourth, 422)["errors"] == {"parent_id": ["Too deep."]}

    # Moving a subtree counts its own depth: service_attitude has children.
    assert patch(client, world, codes["service_attitude"], parent_id=codes["other"]).status_code == 200
    too_deep = patch(client, world, codes["service_attitude"], parent_id=codes["leakage"])
    assert assert_error(too_deep, 422)["errors"] == {"parent_id": ["Too deep."]}
    moved = {c["code"]: c["parent_id"] for c in listed(client, world)}
    assert moved["service_attitude"] == codes["other"]

    # And back to the top.
    assert patch(client, world, codes["service_attitude"], parent_id=None).get_json()["parent_id"] is None


def test_an_unknown_or_foreign_category_answers_404(client, world):
    beta = world.categories("beta")
    world.categories()
    assert_error(patch(client, world, 999_999, name="x"), 404)
    assert_error(patch(client, world, beta["leakage"], name="漏水"), 404)
    assert next(c for c in listed(client, world, "pa_b", "beta") if c["code"] == "leakage")["name"] == "渗漏"


# --- categories on tickets -----------------------------------------------------------------------------


def test_a_deactivated_category_is_refused_for_new_tickets(client, world):
    codes = world.categories()
    ticket = logged(client, world, category_id=codes["parking"])
    response = patch(client, world, codes["parking"], is_active=False)
    assert response.status_code == 200 and response.get_json()["is_active"] is False

    body = assert_error(log_ticket(client, world, category_id=codes["parking"]), 422)
    assert "category_id" in body["errors"]
    recategorised = client.patch(f"{TICKETS}/{ticket['id']}", json={"category_id": codes["parking"]},
                                 headers=world.headers("pa1"))
    assert recategorised.status_code == 200  # unchanged: a ticket keeps the category it was logged with
    other = logged(client, world, category_id=codes["security"])
    moved = client.patch(f"{TICKETS}/{other['id']}", json={"category_id": codes["parking"]},
                         headers=world.headers("pa1"))
    assert "category_id" in assert_error(moved, 422)["errors"]

    assert patch(client, world, codes["parking"], is_active=True).status_code == 200
    assert log_ticket(client, world, category_id=codes["parking"]).status_code == 201


def test_another_groups_category_is_refused(client, world):
    world.categories()
    beta = world.categories("beta")
    assert "category_id" in assert_error(log_ticket(client, world, category_id=beta["leakage"]), 422)["errors"]


ROUTES = [
    ("complaint", "leakage", "engineering"),
    ("complaint", "construction_quality", "engineering"),
    ("repair", "leakage", "engineering"),
    ("complaint", "sales_promise", "sales"),
    ("complaint", "title_deed", "sales"),
    ("complaint", "parking", "property"),
    ("complaint", "front_desk_service", "customer_service"),
    ("repair", None, "engineering"),
    ("complaint", None, "customer_service"),
    ("inquiry", None, "customer_service"),
]


def test_a_new_ticket_is_routed_by_its_category(client, world):
    codes = world.categories()
    for type, category, function in ROUTES:
        fields = {"type": type} if category is None else {"type": type, "category_id": codes[category]}
        ticket = logged(client, world, **fields)
        assert (ticket["function"], ticket["category_id"]) == (function, codes.get(category)), (type, category)


def test_routing_follows_an_edited_category_and_yields_to_an_explicit_function(client, world):
    codes = world.categories()
    assert patch(client, world, codes["parking"], default_function="customer_service").status_code == 200
    assert logged(client, world, category_id=codes["parking"])["function"] == "customer_service"
    explicit = logged(client, world, category_id=codes["leakage"], function="property")
    assert explicit["function"] == "property"


def test_recategorising_an_unassigned_ticket_reroutes_it(client, world):
    codes = world.categories()
    ticket = logged(client, world, category_id=codes["front_desk_service"])
    assert ticket["function"] == "customer_service"
    response = client.patch(f"{TICKETS}/{ticket['id']}", json={"category_id": codes["leakage"]},
                            headers=world.headers("pa1"))
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["category_id"], response.get_json()["function"]) == (codes["leakage"], "engineering")
    assert client.get(f"{TICKETS}/{ticket['id']}", headers=world.headers("eng1")).status_code == 200


def test_sending_the_same_category_back_keeps_a_function_routed_by_hand(client, world):
    codes = world.categories()
    ticket = logged(client, world, category_id=codes["leakage"])
    routed = client.patch(f"{TICKETS}/{ticket['id']}", json={"function": "property"}, headers=world.headers("pm1"))
    assert routed.status_code == 200 and routed.get_json()["function"] == "property"
    # An edit form sends every field back, the category unchanged.
    response = client.patch(f"{TICKETS}/{ticket['id']}", headers=world.headers("pm1"),
                            json={"title": "卫生间渗漏", "category_id": codes["leakage"], "priority": "normal"})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["title"], response.get_json()["function"]) == ("卫生间渗漏", "property")
