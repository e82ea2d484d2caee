"""/api/v1/properties: units of a project, a whole building at once, the warranty clock, owners and
their history, and scope on every endpoint."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from servicehub.properties import models as property_models
from servicehub.properties.warranty import add_months
from tests.scope_tools import api, assert_error, ids_of, pagination

PROPERTIES = api("/properties")
CUSTOMERS = api("/customers")
TODAY = date.today()


def prop_url(property_id, suffix="") -> str:
    return f"{PROPERTIES}/{property_id}{suffix}"


def create(client, world, who="pa1", project="P-EAST-1", tenant="alpha", building="3", unit_no="2", room="1201",
           **fields):
    return client.post(PROPERTIES, headers=world.headers(who, tenant), json={
        "org_unit_id": world.unit(project, tenant), "building": building, "unit": unit_no, "room": room, **fields})


def created(client, world, **kwargs) -> dict:
    response = create(client, world, **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def bulk(client, world, who="pa1", project="P-EAST-1", **fields):
    body = {"org_unit_id": world.unit(project), "building": "5", "units": ["1", "2"], "floor_from": 1, "floor_to": 30,
            "rooms_per_floor": 4, **fields}
    return client.post(f"{PROPERTIES}/bulk", json=body, headers=world.headers(who))


def customer(client, world, who="pa1", project="P-EAST-1", name="张伟", phone="13812341234") -> int:
    response = client.post(CUSTOMERS, headers=world.headers(who), json={
        "org_unit_id": world.unit(project), "name": name, "phone": phone})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def link(client, world, property_id, who="pa1", relation="owner", **fields):
    return client.post(prop_url(property_id, "/owners"), json={"relation": relation, **fields},
                       headers=world.headers(who))


def stage(client, world, customer_id, who="pa1") -> str:
    response = client.get(f"{CUSTOMERS}/{customer_id}", headers=world.headers(who))
    assert response.status_code == 200
    return response.get_json()["stage"]


# --- creating units --------------------------------------------------------------------------------


def test_create_answers_201_with_the_unit(client, world):
    response = create(client, world, floor=12, floor_area="89.50", type="residential", handover_date="2024-06-30")
    assert response.status_code == 201
    body = response.get_json()
    assert (body["building"], body["unit"], body["room"], body["label"]) == ("3", "2", "1201", "3-2-1201")
    assert (body["floor"], body["floor_area"], body["type"], body["handover_date"]) == (12, "89.50", "residential", "2024-06-30")
    assert body["org_unit_id"] == world.unit("P-EAST-1")
    assert {w["component"] for w in body["warranty"]} >= {"waterproofing", "electrical", "plumbing", "structure"}
    again = client.get(prop_url(body["id"]), headers=world.headers("pa1")).get_json()
    assert again == body


def test_a_unit_exists_once_per_project(client, world):
    first = created(client, world)
    body = assert_error(create(client, world), 409)
    assert str(first["id"]) in body["message"]
    # The same label in another project is another unit.
    assert created(client, world, who="pa2", project="P-EAST-2")["id"] != first["id"]
    assert created(client, world, room="1202")["label"] == "3-2-1202"


@pytest.mark.parametrize("fields", [
    {"room": "12-01"}, {"room": ""}, {"building": "3栋"}, {"unit": "x" * 21}, {"floor_area": "0"},
    {"floor_area": "-5"}, {"floor": 500}, {"type": "castle"}, {"handover_date": "2024-02-30"}, {"owner": "x"},
])
def test_create_refuses_bad_fields(client, world, fields):
    assert_error(create(client, world, **fields), 422)


def test_units_belong_to_a_project(client, world):
    body = assert_error(create(client, world, who="rm_east", project="EAST"), 422)
    assert "org_unit_id" in body["errors"]
    assert_error(create(client, world, who="hq_crm", project="HQ"), 422)
    assert created(client, world, who="rm_east", project="P-EAST-2")["org_unit_id"] == world.unit("P-EAST-2")


# --- a building at once -----------------------------------------------------------------------------


def test_bulk_creates_a_building_and_skips_what_exists(client, world):
    created(client, world, building="5", unit_no="1", room="1201")
    created(client, world, building="5", unit_no="2", room="3004")
    response = bulk(client, world)
    assert response.status_code == 201
    assert response.get_json() == {"created": 2 * 30 * 4 - 2, "skipped": ["5-1-1201", "5-2-3004"]}

    listed = client.get(PROPERTIES, query_string={"building": "5", "page_size": 100}, headers=world.headers("pa1"))
    assert pagination(listed)["total"] == 240
    twelfth = client.get(PROPERTIES, query_string={"building": "5", "unit": "2", "room": "1203"},
                         headers=world.headers("pa1")).get_json()
    assert [(p["label"], p["floor"]) for p in twelfth] == [("5-2-1203", 12)]

    # Two more floors: only the new ones are created.
    again = bulk(client, world, floor_to=32, handover_date="2025-01-01")
    assert again.status_code == 201
    assert again.get_json()["created"] == 2 * 2 * 4 and len(again.get_json()["skipped"]) == 240
    top = client.get(PROPERTIES, query_string={"building": "5", "room": "3201"}, headers=world.headers("pa1"))
    assert [p["handover_date"] for p in top.get_json()] == ["2025-01-01", "2025-01-01"]


def test_bulk_is_bounded(client, world):
    at_limit = bulk(client, world, units=["1", "2"], floor_from=1, floor_to=100, rooms_per_floor=10)
    assert at_limit.status_code == 201 and at_limit.get_json()["created"] == 2000
    too_many = bulk(client, world, building="6", units=["1", "2"], floor_from=1, floor_to=77, rooms_per_floor=13)
    body = assert_error(too_many, 422)
    assert "2002" in body["message"]
    assert_error(bulk(client, world, building="6", floor_from=10, floor_to=9), 422)
    assert_error(bulk(client, world, building="6", units=[]), 422)
    assert_error(bulk(client, world, building="6", rooms_per_floor=51), 422)
    listed = client.get(PROPERTIES, query_string={"building": "6"}, headers=world.headers("pa1"))
    assert pagination(listed)["total"] == 0


def test_bulk_in_scope_only(client, world):
    assert_error(bulk(client, world, who="pa2"), 404)
    assert_error(bulk(client, world, who="rm_south"), 404)
    assert_error(bulk(client, world, who="viewer"), 403)
    assert_error(bulk(client, world, who="eng1"), 403)
    assert bulk(client, world, who="rm_east", units=["1"], floor_to=2).get_json()["created"] == 8


# --- the warranty clock -------------------------------------------------------------------------------


class _Day(date):
    """`date` whose today() is the pinned day, for the warranty shown on the response."""

    pinned = date(2026, 6, 15)

    @classmethod
    def today(cls):
        return cls.pinned


@pytest.mark.parametrize(("handover", "electrical", "waterproofing"), [
    (date(2026, 6, 15), True, True),  # handover day
    (date(2024, 6, 16), True, True),  # the day before the 2nd anniversary
    (date(2024, 6, 15), False, True),  # the 2nd anniversary
    (date(2021, 6, 16), False, True),  # the day before the 5th anniversary
    (date(2021, 6, 15), False, False),  # the 5th anniversary
    (date(2026, 6, 16), False, False),  # not handed over yet
])
def test_warranty_on_the_response(client, world, monkeypatch, handover, electrical, waterproofing):
    monkeypatch.setattr(property_models, "date", _Day)
    body = created(client, world, handover_date=handover.isoformat())
    terms = {w["component"]: w for w in body["warranty"]}
    assert terms["electrical"]["in_warranty"] is electrical
    assert terms["plumbing"]["in_warranty"] is electrical
    assert terms["waterproofing"]["in_warranty"] is waterproofing
    assert terms["structure"]["in_warranty"] is (handover <= _Day.pinned)
    assert terms["electrical"]["expires_on"] == handover.replace(year=handover.year + 2).isoformat()
    assert terms["waterproofing"]["expires_on"] == handover.replace(year=handover.year + 5).isoformat()
    assert (terms["waterproofing"]["years"], terms["electrical"]["years"]) == (5, 2)


def test_warranty_without_handover_and_on_29_february(client, world, monkeypatch):
    body = created(client, world)
    assert all(w["expires_on"] is None and w["in_warranty"] is False for w in body["warranty"])
    monkeypatch.setattr(property_models, "date", _Day)
    monkeypatch.setattr(_Day, "pinned", date(2026, 2, 27))
    leap = created(client, world, room="1202", handover_date="2024-02-29")
    electrical = next(w for w in leap["warranty"] if w["component"] == "electrical")
    assert (electrical["expires_on"], electrical["in_warranty"]) == ("2026-02-28", True)
    monkeypatch.setattr(_Day, "pinned", date(2026, 2, 28))  # no 29 February in 2026: the 28th ends it
    again = client.get(prop_url(leap["id"]), headers=world.headers("pa1")).get_json()
    electrical = next(w for w in again["warranty"] if w["component"] == "electrical")
    assert electrical["in_warranty"] is False


def test_warranty_runs_on_the_real_clock(client, world):
    body = created(client, world, handover_date=TODAY.isoformat())
    assert all(w["in_warranty"] for w in body["warranty"])


# --- handover and owners --------------------------------------------------------------------------------


def test_a_handover_date_change_moves_the_owners_stage(client, world):
    unit = created(client, world)
    owner, co_owner, resident = (customer(client, world, name=n, phone=p) for n, p in
                                 (("张伟", "13800000001"), ("李娜", "13800000002"), ("王芳", "13800000003")))
    assert link(client, world, unit["id"], customer_id=owner).status_code == 201
    assert link(client, world, unit["id"], customer_id=co_owner, relation="co_owner").status_code == 201
    assert link(client, world, unit["id"], customer_id=resident, relation="resident").status_code == 201
    assert [stage(client, world, c) for c in (owner, co_owner, resident)] == ["pending_owner", "pending_owner", "prospect"]

    headers = world.headers("pa1")
    for handover, expected in (
        (TODAY - timedelta(days=10), "break_in"),
        (TODAY - timedelta(days=400), "stable"),
        (TODAY - timedelta(days=4 * 366), "veteran"),
        (TODAY + timedelta(days=30), "pending_owner"),
        (None, "pending_owner"),
        (TODAY, "break_in"),
    ):
        response = client.patch(prop_url(unit["id"]), headers=headers,
                                json={"handover_date": handover.isoformat() if handover else None})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["handover_date"] == (handover.isoformat() if handover else None)
        assert (stage(client, world, owner), stage(client, world, co_owner), stage(client, world, resident)) == (
            expected, expected, "prospect"), handover
    # Other edits leave the stage alone.
    assert client.patch(prop_url(unit["id"]), headers=headers, json={"floor_area": "101.25"}).status_code == 200
    assert stage(client, world, owner) == "break_in"
    # A lost customer stays lost whatever the handover.
    assert client.patch(f"{CUSTOMERS}/{owner}", json={"is_lost": True}, headers=headers).status_code == 200
    client.patch(prop_url(unit["id"]), headers=headers, json={"handover_date": (TODAY - timedelta(days=400)).isoformat()})
    assert (stage(client, world, owner), stage(client, world, co_owner)) == ("lost", "stable")


def test_owners_are_listed_and_linked_once(client, world):
    unit = created(client, world)
    owner = customer(client, world)
    headers = world.headers("pa1")
    linked = link(client, world, unit["id"], customer_id=owner, since="2024-01-15")
    assert linked.status_code == 201
    body = linked.get_json()
    assert (body["customer_id"], body["property_id"], body["relation"], body["since"], body["until"]) == (
        owner, unit["id"], "owner", "2024-01-15", None)
    assert body["org_unit_id"] == world.unit("P-EAST-1")
    assert_error(link(client, world, unit["id"], customer_id=owner), 409)
    # By phone, in any spelling.
    assert link(client, world, unit["id"], phone="+86 138 1234 1234", relation="resident").status_code == 201
    assert_error(link(client, world, unit["id"], phone="13999999999"), 404)
    assert_error(link(client, world, unit["id"], customer_id=999999), 404)
    assert_error(link(client, world, unit["id"], customer_id=owner, phone="13812341234"), 422)
    assert_error(link(client, world, unit["id"]), 422)
    assert_error(link(client, world, unit["id"], customer_id=owner, relation="landlord"), 422)
    owners = client.get(prop_url(unit["id"], "/owners"), headers=headers).get_json()
    assert [(o["customer_id"], o["relation"]) for o in owners] == [(owner, "owner"), (owner, "resident")]


def test_ending_an_ownership_keeps_its_history(client, world):
    unit = created(client, world, handover_date=(TODAY - timedelta(days=30)).isoformat())
    seller, buyer = customer(client, world), customer(client, world, name="李娜", phone="13900000002")
    headers = world.headers("pa1")
    since = (TODAY - timedelta(days=30)).isoformat()
    ownership = link(client, world, unit["id"], customer_id=seller, since=since).get_json()
    assert stage(client, world, seller) == "break_in"

    end = prop_url(unit["id"], f"/owners/{ownership['id']}/end")
    assert_error(client.post(end, json={"until": (TODAY - timedelta(days=31)).isoformat()}, headers=headers), 422)
    ended = client.post(end, json={}, headers=headers)
    assert ended.status_code == 200
    assert ended.get_json()["until"] == TODAY.isoformat()
    assert_error(client.post(end, json={}, headers=headers), 409)
    assert stage(client, world, seller) == "prospect"  # no unit held any more
    assert link(client, world, unit["id"], customer_id=buyer).status_code == 201
    assert stage(client, world, buyer) == "break_in"

    owners = client.get(prop_url(unit["id"], "/owners"), headers=headers).get_json()
    assert [(o["customer_id"], o["until"]) for o in owners] == [(seller, TODAY.isoformat()), (buyer, None)]
    timeline = client.get(f"{CUSTOMERS}/{seller}/timeline", headers=headers).get_json()
    kinds = [e["kind"] for e in timeline]
    assert "ownership.started" in kinds and "ownership.ended" in kinds and "property.handover" in kinds
    assert all(e["ref_id"] == unit["id"] for e in timeline if e["ref_type"] == "property")
    # The seller may hold the unit again (a new relation, the old one stays ended).
    assert link(client, world, unit["id"], customer_id=seller, relation="co_owner").status_code == 201
    assert stage(client, world, seller) == "break_in"
    # An ownership of another unit is not found under this one.
    other = created(client, world, room="1202")
    assert_error(client.post(prop_url(other["id"], f"/owners/{ownership['id']}/end"), json={}, headers=headers), 404)
    assert_error(client.post(prop_url(unit["id"], "/owners/999999/end"), json={}, headers=headers), 404)


def test_a_project_cannot_link_a_customer_it_cannot_see_by_id(client, world):
    """By id only customers in reach; by phone (what the front desk hears from the buyer) any of the group."""
    hidden = customer(client, world)
    unit = created(client, world, who="pa2", project="P-EAST-2")
    assert_error(link(client, world, unit["id"], who="pa2", customer_id=hidden), 404)
    assert link(client, world, unit["id"], who="pa2", phone="13812341234").status_code == 201


# --- listing ---------------------------------------------------------------------------------------------


def test_listing_and_filters(client, world):
    a = created(client, world, building="1", unit_no="1", room="101", handover_date="2024-01-01")["id"]
    b = created(client, world, building="1", unit_no="2", room="101")["id"]
    c = created(client, world, building="2", unit_no="1", room="101")["id"]
    d = created(client, world, who="pa2", project="P-EAST-2", building="1", unit_no="1", room="101")["id"]
    e = created(client, world, who="pa3", project="P-SOUTH-1", building="1", unit_no="1", room="101")["id"]

    def listed(who="pa1", **query):
        return ids_of(client.get(PROPERTIES, query_string={"page_size": 100, **query}, headers=world.headers(who)))

    assert listed() == {a, b, c}
    assert listed("pa2") == {d}
    assert listed("rm_east") == {a, b, c, d}
    assert listed("viewer") == listed("hq_crm") == {a, b, c, d, e}
    assert listed("rm_east", org_unit_id=world.unit("P-EAST-2")) == {d}
    assert listed("pa1", org_unit_id=world.unit("P-EAST-2")) == set()
    assert listed(building="1") == {a, b}
    assert listed(building="1", unit="1", room="101") == {a}
    assert listed(handed_over="true") == {a}
    assert listed(handed_over="false") == {b, c}
    assert ids_of(client.get(PROPERTIES, headers=world.headers("pa_b", "beta"))) == set()
    ordered = client.get(PROPERTIES, query_string={"page_size": 2}, headers=world.headers("pa1"))
    assert [p["id"] for p in ordered.get_json()] == [a, b] and pagination(ordered)["total"] == 3


# --- scope on every endpoint ------------------------------------------------------------------------------


@pytest.fixture
def east_unit(client, world):
    """A P-EAST-1 unit with an owner; pa1 also views P-EAST-2 (read, no write there)."""
    unit = created(client, world)
    owner = customer(client, world)
    ownership = link(client, world, unit["id"], customer_id=owner).get_json()
    granted = client.post(api(f"/users/{world.user('pa1')}/memberships"), headers=world.headers("admin"),
                          json={"org_unit_id": world.unit("P-EAST-2"), "role": "viewer"})
    assert granted.status_code == 201
    sibling = created(client, world, who="pa2", project="P-EAST-2", room="0501")
    return {"id": unit["id"], "ownership": ownership["id"], "owner": owner, "sibling": sibling["id"]}


def _calls(world, ids):
    p, o = ids["id"], ids["ownership"]
    return [
        ("GET", prop_url(p), None),
        ("PATCH", prop_url(p), {"floor_area": "90.00"}),
        ("GET", prop_url(p, "/owners"), None),
        ("POST", prop_url(p, "/owners"), {"phone": "13812341234", "relation": "resident"}),
        ("POST", prop_url(p, f"/owners/{o}/end"), {}),
        ("POST", PROPERTIES, {"org_unit_id": world.unit("P-EAST-1"), "building": "9", "unit": "1", "room": "101"}),
        ("POST", f"{PROPERTIES}/bulk", {"org_unit_id": world.unit("P-EAST-1"), "building": "9", "units": ["1"],
                                        "floor_from": 1, "floor_to": 2, "rooms_per_floor": 2}),
    ]


@pytest.mark.parametrize(("who", "tenant"), [("pa2", "alpha"), ("pa3", "alpha"), ("rm_south", "alpha"),
                                             ("pa_b", "beta")])
def test_out_of_scope_callers_get_404_on_every_endpoint(client, world, east_unit, who, tenant):
    headers = world.headers(who, tenant)
    for method, url, body in _calls(world, east_unit):
        assert_error(client.open(url, method=method, json=body, headers=headers), 404)
    assert east_unit["id"] not in ids_of(client.get(PROPERTIES, headers=headers))
    # Nothing changed.
    pa1 = world.headers("pa1")
    assert client.get(prop_url(east_unit["id"]), headers=pa1).get_json()["floor_area"] is None
    assert [o["until"] for o in client.get(prop_url(east_unit["id"], "/owners"), headers=pa1).get_json()] == [None]


@pytest.mark.parametrize(("who", "tenant"), [("eng1", "alpha"), ("admin", "alpha"), ("admin", "beta")])
def test_callers_without_customer_read_get_403_on_every_endpoint(client, world, east_unit, who, tenant):
    headers = world.headers(who, tenant)
    for method, url, body in _calls(world, east_unit):
        assert_error(client.open(url, method=method, json=body, headers=headers), 403)
    assert_error(client.get(PROPERTIES, headers=headers), 403)


def test_a_viewer_reads_but_does_not_write(client, world, east_unit):
    headers = world.headers("viewer")
    for method, url, body in _calls(world, east_unit):
        response = client.open(url, method=method, json=body, headers=headers)
        if method == "GET":
            assert response.status_code == 200
        else:
            assert_error(response, 403)


def test_reading_a_unit_is_not_writing_it(client, world, east_unit):
    """pa1 views P-EAST-2 (viewer membership): its units are visible, every write there is 403."""
    headers = world.headers("pa1")
    sibling = east_unit["sibling"]
    assert client.get(prop_url(sibling), headers=headers).status_code == 200
    assert client.get(prop_url(sibling, "/owners"), headers=headers).status_code == 200
    assert_error(client.patch(prop_url(sibling), json={"floor_area": "90.00"}, headers=headers), 403)
    assert_error(link(client, world, sibling, customer_id=east_unit["owner"]), 403)
    assert_error(create(client, world, project="P-EAST-2", room="0502"), 403)
    assert_error(bulk(client, world, project="P-EAST-2"), 403)
    # In its own project pa1 writes as before.
    assert client.patch(prop_url(east_unit["id"]), json={"floor_area": "90.00"}, headers=headers).status_code == 200


@pytest.mark.parametrize("who", ["pa1", "pm1", "rm_east", "ra_east", "hq_crm"])
def test_in_scope_callers_reach_every_endpoint(client, world, east_unit, who):
    headers = world.headers(who)
    expected = [200, 200, 200, 201, 200, 201, 201]
    got = [client.open(url, method=method, json=body, headers=headers).status_code
           for method, url, body in _calls(world, east_unit)]
    assert got == expected


# --- the group's warranty terms --------------------------------------------------------------------------


def test_units_answer_the_groups_warranty_terms_in_one_statement_for_all(app, client, world):
    from tests.customers.test_api import count_statements

    handover = TODAY - timedelta(days=400)
    first = created(client, world, handover_date=handover.isoformat())
    terms = {w["component"]: w for w in first["warranty"]}
    assert (terms["decoration"]["in_warranty"], terms["decoration"]["months"]) == (True, 24)
    response = client.put(api("/warranty-terms"), headers=world.headers("hq_crm"), json={
        "terms": [{"component": "decoration", "years": 1}, {"component": "waterproofing", "months": 66}]})
    assert response.status_code == 200, response.get_json()

    def shown(body) -> dict:
        return {w["component"]: (w["years"], w["months"], w["expires_on"], w["in_warranty"]) for w in body["warranty"]}

    expected = {"decoration": (1, 12, handover.replace(year=handover.year + 1).isoformat(), False),
                "waterproofing": (None, 66, add_months(handover, 66).isoformat(), True),
                "electrical": (2, 24, handover.replace(year=handover.year + 2).isoformat(), True)}
    one = client.get(prop_url(first["id"]), headers=world.headers("pa1")).get_json()
    assert {k: shown(one)[k] for k in expected} == expected
    second = created(client, world, room="1202", handover_date=handover.isoformat())  # the create answers them too
    assert {k: shown(second)[k] for k in expected} == expected
    for room in ("1203", "1204", "1205"):
        created(client, world, room=room, handover_date=handover.isoformat())
    headers = world.headers("pa1")
    small, few = count_statements(app, lambda: client.get(f"{PROPERTIES}?page_size=1", headers=headers))
    large, many = count_statements(app, lambda: client.get(f"{PROPERTIES}?page_size=50", headers=headers))
    assert (len(small.get_json()), len(large.get_json())) == (1, 5) and few == many
    assert all({k: shown(p)[k] for k in expected} == expected for p in large.get_json())
    # Another group keeps the defaults.
    beta = created(client, world, who="pa_b", project="B-PROJECT", tenant="beta", handover_date=handover.isoformat())
    assert shown(beta)["decoration"] == (2, 24, handover.replace(year=handover.year + 2).isoformat(), True)
