"""/api/v1/customers: opening files (one per household), duplicate phones, masking per role and its
audit, search, filters, edits, the timeline, scope, and the statement count of the list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from tests.scope_tools import api, assert_error, ids_of, pagination

CUSTOMERS = api("/customers")
PROPERTIES = api("/properties")
PHONE = "13812341234"
ID_NUMBER = "310101199001011234"
MASKED_PHONE = "138****1234"
MASKED_ID = "3101**********1234"


def customer_url(customer_id, suffix="") -> str:
    return f"{CUSTOMERS}/{customer_id}{suffix}"


def create(client, world, who="pa1", unit="P-EAST-1", tenant="alpha", **fields):
    body = {"org_unit_id": world.unit(unit, tenant), "name": "张伟明", "phone": PHONE, **fields}
    return client.post(CUSTOMERS, json=body, headers=world.headers(who, tenant))


def created(client, world, who="pa1", unit="P-EAST-1", **fields) -> dict:
    response = create(client, world, who, unit, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def new_property(client, world, who="pa1", unit="P-EAST-1", building="3", unit_no="2", room="1201",
                 tenant="alpha", **fields) -> int:
    response = client.post(PROPERTIES, headers=world.headers(who, tenant), json={
        "org_unit_id": world.unit(unit, tenant), "building": building, "unit": unit_no, "room": room, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def link(client, world, property_id, who="pa1", tenant="alpha", relation="owner", **customer):
    return client.post(f"{PROPERTIES}/{property_id}/owners", headers=world.headers(who, tenant),
                       json={"relation": relation, **customer})


def search(client, world, q=None, who="pa1", **filters) -> set[int]:
    query = {"page_size": 100, **filters}
    if q is not None:
        query["q"] = q
    return ids_of(client.get(CUSTOMERS, query_string=query, headers=world.headers(who)))


def get(client, world, customer_id, who="pa1", tenant="alpha"):
    return client.get(customer_url(customer_id), headers=world.headers(who, tenant))


def audit(client, world, action="customer.pii_viewed") -> list[dict]:
    response = client.get(api(f"/audit-log?action={action}&page_size=100"), headers=world.headers("admin"))
    assert response.status_code == 200
    return response.get_json()


# --- opening a file ---------------------------------------------------------------------------------


def test_create_answers_201_with_the_phone_normalised_and_stage_prospect(client, world):
    response = create(client, world, phone="+86 138 1234 1234", id_number="11010519491231002x",
                      email="zhang@example.com", tier="vip", tags=["老带新", "车位意向"], source_channel="walk_in")
    assert response.status_code == 201
    body = response.get_json()
    assert body["phone"] == PHONE
    assert body["phones"] == [{"phone": PHONE, "is_primary": True}]
    assert body["id_number"] == "11010519491231002X"
    assert (body["stage"], body["kind"], body["tier"], body["source_channel"]) == ("prospect", "person", "vip", "walk_in")
    assert body["tags"] == ["老带新", "车位意向"] and body["is_lost"] is False
    assert body["org_unit_id"] == world.unit("P-EAST-1")
    assert body["org_unit_ids"] == [world.unit("P-EAST-1")]
    assert body["pii_masked"] is False
    assert get(client, world, body["id"]).get_json() == body


def test_the_primary_phone_repeated_in_phones_is_kept_once(client, world):
    body = created(client, world, phones=["138-1234-1234", "021 1234 5678"])
    assert body["phones"] == [{"phone": PHONE, "is_primary": True}, {"phone": "02112345678", "is_primary": False}]


def test_a_region_opens_files_too_but_not_the_hq(client, world):
    assert created(client, world, who="ra_east", unit="EAST")["org_unit_ids"] == [world.unit("EAST")]
    body = assert_error(create(client, world, who="hq_crm", unit="HQ", phone="13900000001"), 422)
    assert "org_unit_id" in body["errors"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"phone": "12812341234"}, "phone"),
    ({"phone": "1381234123"}, "phone"),
    ({"phone": "12345678"}, "phone"),
    ({"id_number": "310101199001011235"}, "id_number"),  # wrong check digit
    ({"id_number": "310101199002301234"}, "id_number"),  # 30 February
    ({"id_number": "91350100M000100Y43"}, "id_number"),  # a company code on a person
    ({"name": ""}, "name"),
    ({"phones": ["13900000001", "13900000001"]}, "phones"),
    ({"phones": ["123"]}, "phones"),
    ({"stage": "veteran"}, "stage"),  # derived, never written
    ({"org_unit_id": None}, "org_unit_id"),
])
def test_create_refuses_bad_fields(client, world, fields, field):
    body = assert_error(create(client, world, **fields), 422)
    assert field in str(body["errors"])
    assert search(client, world) == set()


def test_a_company_file_takes_a_unified_social_credit_code(client, world):
    body = created(client, world, kind="company", name="上海滨江物业管理有限公司", id_number="91350100m000100y43")
    assert (body["kind"], body["id_number"]) == ("company", "91350100M000100Y43")
    wrong = create(client, world, kind="company", name="坏公司", phone="13900000009", id_number="91350100M000100Y44")
    assert "check character" in assert_error(wrong, 422)["errors"]["json"]["id_number"][0]


def test_opening_a_file_outside_reach(client, world):
    assert_error(create(client, world, who="pa2", unit="P-EAST-1"), 404)
    assert_error(create(client, world, who="rm_south", unit="P-EAST-1"), 404)
    assert_error(client.post(CUSTOMERS, headers=world.headers("pa_b", "beta"), json={
        "org_unit_id": world.unit("P-EAST-1"), "name": "越界", "phone": PHONE}), 404)
    assert_error(create(client, world, who="viewer"), 403)
    assert_error(create(client, world, who="eng1"), 403)
    assert_error(create(client, world, who="admin"), 403)
    assert search(client, world, who="rm_east") == set()


# --- one file per household: duplicate phones -----------------------------------------------------


def test_a_phone_already_on_file_answers_409_naming_the_customer(client, world):
    first = created(client, world, phones=["021-12345678"])
    before = search(client, world, who="hq_crm")

    def conflict(response):
        body = assert_error(response, 409)
        assert body["errors"]["existing_customer_id"] == [str(first["id"])]
        assert "phone" in body["errors"]
        assert PHONE not in body["message"] and "02112345678" not in body["message"]
        return body

    assert MASKED_PHONE in conflict(create(client, world, phone="138 1234 1234", name="张伟明"))["message"]
    conflict(create(client, world, phone="+86 21 1234 5678", name="张伟明"))  # the second phone
    conflict(create(client, world, phone="13900000001", phones=["13912345678", PHONE]))  # in `phones`
    conflict(create(client, world, phone="13900000001", phones=["(021) 1234-5678"]))
    conflict(create(client, world, who="pa2", unit="P-EAST-2", name="另一个人"))  # a sibling project
    conflict(create(client, world, who="pa3", unit="P-SOUTH-1", name="另一个人"))  # another region
    conflict(create(client, world, who="ra_east", unit="EAST"))
    assert search(client, world, who="hq_crm") == before
    # The file named by the conflict stays out of reach for the other projects.
    assert_error(get(client, world, first["id"], who="pa2"), 404)
    # Phones are unique per group: another tenant opens its own file with the same number.
    other = client.post(CUSTOMERS, headers=world.headers("pa_b", "beta"), json={
        "org_unit_id": world.unit("B-PROJECT", "beta"), "name": "张伟明", "phone": PHONE, "phones": ["021-12345678"]})
    assert other.status_code == 201, other.get_json()
    assert other.get_json()["id"] != first["id"]


# --- masking per role -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["pa1", "pm1", "ra_east", "rm_east", "hq_crm"])
def test_front_desk_and_managers_see_personal_data(client, world, who):
    customer = created(client, world, id_number=ID_NUMBER, phones=["13900000001"])
    body = get(client, world, customer["id"], who=who).get_json()
    assert (body["phone"], body["id_number"], body["pii_masked"]) == (PHONE, ID_NUMBER, False)
    assert body["phones"] == [{"phone": PHONE, "is_primary": True}, {"phone": "13900000001", "is_primary": False}]
    listed = client.get(CUSTOMERS, headers=world.headers(who)).get_json()
    assert [(c["phone"], c["id_number"]) for c in listed] == [(PHONE, ID_NUMBER)]


def test_a_viewer_sees_the_file_masked(client, world):
    customer = created(client, world, id_number=ID_NUMBER, phones=["13900000001"], email="a@example.com")
    body = get(client, world, customer["id"], who="viewer").get_json()
    assert (body["phone"], body["id_number"], body["pii_masked"]) == (MASKED_PHONE, MASKED_ID, True)
    assert body["phones"] == [{"phone": MASKED_PHONE, "is_primary": True}, {"phone": "139****0001", "is_primary": False}]
    assert body["name"] == "张伟明" and body["email"] == "a@example.com"
    listed = client.get(CUSTOMERS, headers=world.headers("viewer"))
    text = listed.get_data(as_text=True)
    assert listed.status_code == 200 and PHONE not in text and ID_NUMBER not in text and "13900000001" not in text
    # Search by the full number still finds the file; the answer stays masked.
    found = client.get(CUSTOMERS, query_string={"q": PHONE}, headers=world.headers("viewer"))
    assert [c["phone"] for c in found.get_json()] == [MASKED_PHONE]


@pytest.mark.parametrize("who", ["eng1", "admin"])
def test_engineers_and_tenant_admins_do_not_read_customers(client, world, who):
    """Neither role holds customer.read (access.py): the whole resource answers 403."""
    customer = created(client, world)
    assert_error(get(client, world, customer["id"], who=who), 403)
    assert_error(client.get(CUSTOMERS, headers=world.headers(who)), 403)
    assert_error(client.get(customer_url(customer["id"], "/timeline"), headers=world.headers(who)), 403)
    assert_error(client.patch(customer_url(customer["id"]), json={"tier": "vip"}, headers=world.headers(who)), 403)


def test_masking_is_decided_per_customer(client, world):
    """pa1 also views the whole group (viewer at HQ): P-EAST-1's files unmasked, the others masked,
    and only the unmasked ones audited."""
    own = created(client, world)
    south = created(client, world, who="pa3", unit="P-SOUTH-1", name="李娜", phone="13900000002")
    granted = client.post(api(f"/users/{world.user('pa1')}/memberships"), headers=world.headers("admin"),
                          json={"org_unit_id": world.unit("HQ"), "role": "viewer"})
    assert granted.status_code == 201
    start = len(audit(client, world))
    listed = {c["id"]: c for c in client.get(CUSTOMERS, headers=world.headers("pa1")).get_json()}
    assert (listed[own["id"]]["phone"], listed[own["id"]]["pii_masked"]) == (PHONE, False)
    assert (listed[south["id"]]["phone"], listed[south["id"]]["pii_masked"]) == ("139****0002", True)
    entries = audit(client, world)
    assert len(entries) == start + 1 and entries[0]["details"] == {"customer_ids": [own["id"]]}
    # pa1 may read the southern file but not write it.
    assert_error(client.patch(customer_url(south["id"]), json={"tier": "vip"}, headers=world.headers("pa1")), 403)


def test_unmasked_reads_are_audited(client, world):
    first = created(client, world)
    second = created(client, world, name="李娜", phone="13900000002")
    start = len(audit(client, world))
    assert get(client, world, first["id"], who="pm1").status_code == 200
    assert client.get(CUSTOMERS, headers=world.headers("rm_east")).status_code == 200
    assert get(client, world, first["id"], who="viewer").status_code == 200  # masked: not audited
    assert client.get(CUSTOMERS, query_string={"q": "无此人"}, headers=world.headers("pa1")).status_code == 200
    entries = audit(client, world)
    assert len(entries) == start + 2
    listing, single = entries[0], entries[1]
    assert (single["actor_id"], single["target_type"], single["target_id"]) == (world.user("pm1"), "customer", first["id"])
    assert single["details"] == {"customer_ids": [first["id"]]}
    assert (listing["actor_id"], listing["target_id"]) == (world.user("rm_east"), None)
    assert sorted(listing["details"]["customer_ids"]) == sorted([first["id"], second["id"]])
    # The entries are tenant-wide: a region's manager does not read them.
    assert client.get(api("/audit-log?action=customer.pii_viewed"), headers=world.headers("rm_east")).status_code == 403


# --- search -----------------------------------------------------------------------------------------


@pytest.fixture
def directory(client, world):
    """Files of P-EAST-1 to search in; 张伟 owns 3-2-1201."""
    ids = {
        "zhang_weiming": created(client, world, name="张伟明", phone=PHONE)["id"],
        "zhang_wei": created(client, world, name="张伟", phone="13912345678", phones=["02188881234"])["id"],
        "li_weiming": created(client, world, name="李伟明", phone="13700005678")["id"],
        "ouyang": created(client, world, name="欧阳娜娜", phone="15000000001")["id"],
        "company": created(client, world, name="上海滨江物业管理有限公司", phone="02166660000", kind="company")["id"],
    }
    room = new_property(client, world, building="3", unit_no="2", room="1201")
    other_room = new_property(client, world, building="3", unit_no="2", room="1202")
    assert link(client, world, room, customer_id=ids["zhang_wei"]).status_code == 201
    assert link(client, world, other_room, customer_id=ids["ouyang"]).status_code == 201
    return ids


@pytest.mark.parametrize(("q", "expected"), [
    (PHONE, {"zhang_weiming"}),  # full phone
    ("138-1234-1234", {"zhang_weiming"}),
    ("138 1234 1234", {"zhang_weiming"}),
    ("02188881234", {"zhang_wei"}),  # a second phone
    ("1234", {"zhang_weiming", "zhang_wei"}),  # last 4 digits, of any phone
    ("5678", {"zhang_wei", "li_weiming"}),
    ("张伟", {"zhang_weiming", "zhang_wei"}),  # name prefix
    ("张伟明", {"zhang_weiming"}),
    ("张", {"zhang_weiming", "zhang_wei"}),
    ("伟明", {"zhang_weiming", "li_weiming"}),  # given name after the surname
    ("娜娜", set()),  # after a two-character surname: neither prefix nor 3+ characters
    ("阳娜娜", {"ouyang"}),  # a 3+ character fragment
    ("滨江物业", {"company"}),
    ("物业管理", {"company"}),
    ("3-2-1201", {"zhang_wei"}),  # a unit
    ("3-2-1202", {"ouyang"}),
    ("3栋2单元1201室", {"zhang_wei"}),
    ("3-2-9999", set()),
    ("13800000000", set()),
    ("王", set()),
    ("%", set()),
    ("_", set()),
])
def test_search(client, world, directory, q, expected):
    assert search(client, world, q) == {directory[name] for name in expected}


def test_search_in_scope_only(client, world, directory):
    """pa2 (the sibling project) finds nothing of P-EAST-1, not even by the exact phone or unit."""
    for q in (PHONE, "1234", "张伟", "伟明", "滨江物业", "3-2-1201"):
        assert search(client, world, q, who="pa2") == set()
        assert search(client, world, q, who="rm_south") == set()
    assert search(client, world, PHONE, who="rm_east") == {directory["zhang_weiming"]}
    assert search(client, world, PHONE, who="viewer") == {directory["zhang_weiming"]}
    assert len(search(client, world, who="hq_crm")) == 5


def test_filters(client, world, directory):
    assert client.patch(customer_url(directory["li_weiming"]), headers=world.headers("pa1"),
                        json={"tier": "vip", "tags": ["业主代表", "老带新"]}).status_code == 200
    assert client.patch(customer_url(directory["ouyang"]), headers=world.headers("pa1"),
                        json={"tags": ["老带新"]}).status_code == 200
    elsewhere = created(client, world, who="pa2", unit="P-EAST-2", name="王芳", phone="18600000001", tier="vip")["id"]
    d = directory
    assert search(client, world, stage="pending_owner") == {d["zhang_wei"], d["ouyang"]}
    assert search(client, world, stage="prospect") == {d["zhang_weiming"], d["li_weiming"], d["company"]}
    assert search(client, world, stage="veteran") == set()
    assert search(client, world, tier="vip") == {d["li_weiming"]}
    assert search(client, world, tier="vip", who="rm_east") == {d["li_weiming"], elsewhere}
    assert search(client, world, tag="老带新") == {d["li_weiming"], d["ouyang"]}
    assert search(client, world, tag="业主代表") == {d["li_weiming"]}
    assert search(client, world, tag="老") == set()
    assert search(client, world, kind="company") == {d["company"]}
    assert search(client, world, kind="person", q="伟明") == {d["zhang_weiming"], d["li_weiming"]}
    assert search(client, world, org_unit_id=world.unit("P-EAST-2"), who="rm_east") == {elsewhere}
    assert search(client, world, org_unit_id=world.unit("P-EAST-1"), who="rm_east") == set(d.values())
    assert search(client, world, org_unit_id=world.unit("P-EAST-2"), who="pa1") == set()
    assert search(client, world, tier="vip", tag="老带新", q="李") == {d["li_weiming"]}
    for bad in ({"stage": "gone"}, {"tier": "gold"}, {"kind": "robot"}, {"org_unit_id": "x"}, {"page_size": 101}):
        assert_error(client.get(CUSTOMERS, query_string=bad, headers=world.headers("pa1")), 422)


def test_the_list_is_paginated_newest_first(client, world, directory):
    response = client.get(CUSTOMERS, query_string={"page_size": 2, "page": 2}, headers=world.headers("pa1"))
    assert [c["id"] for c in response.get_json()] == [directory["li_weiming"], directory["zhang_wei"]]
    assert pagination(response)["total"] == 5


# --- editing ----------------------------------------------------------------------------------------


def test_marking_a_customer_lost_and_back(client, world):
    customer = created(client, world)
    room = new_property(client, world)
    assert link(client, world, room, customer_id=customer["id"]).status_code == 201
    headers = world.headers("pa1")
    lost = client.patch(customer_url(customer["id"]), json={"is_lost": True}, headers=headers)
    assert lost.status_code == 200 and (lost.get_json()["is_lost"], lost.get_json()["stage"]) == (True, "lost")
    back = client.patch(customer_url(customer["id"]), json={"is_lost": False}, headers=headers)
    assert (back.get_json()["is_lost"], back.get_json()["stage"]) == (False, "pending_owner")
    # The stage itself is derived, never written.
    assert_error(client.patch(customer_url(customer["id"]), json={"stage": "veteran"}, headers=headers), 422)


def test_changing_the_phone_keeps_one_file_per_number(client, world):
    customer = created(client, world, id_number=ID_NUMBER)
    other = created(client, world, name="李娜", phone="13900000002", phones=["13900000003"])
    headers = world.headers("pa1")
    for taken in ("13900000002", "13900000003", "+86 139 0000 0003"):
        body = assert_error(client.patch(customer_url(customer["id"]), json={"phone": taken}, headers=headers), 409)
        assert body["errors"]["existing_customer_id"] == [str(other["id"])]
        body = assert_error(client.patch(customer_url(customer["id"]), json={"phones": [taken]}, headers=headers), 409)
        assert body["errors"]["existing_customer_id"] == [str(other["id"])]
    assert get(client, world, customer["id"]).get_json()["phones"] == [{"phone": PHONE, "is_primary": True}]

    # A new number becomes the primary one; the old one stays on file as a further phone.
    moved = client.patch(customer_url(customer["id"]), json={"phone": "186 0000 0001"}, headers=headers)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["phone"] == "18600000001"
    assert moved.get_json()["phones"] == [{"phone": "18600000001", "is_primary": True}, {"phone": PHONE, "is_primary": False}]
    # Its own numbers, reordered or repeated, are no conflict.
    again = client.patch(customer_url(customer["id"]), json={"phone": PHONE, "phones": ["18600000001"]}, headers=headers)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["phones"] == [{"phone": PHONE, "is_primary": True}, {"phone": "18600000001", "is_primary": False}]
    # Dropping a number frees it for another file.
    dropped = client.patch(customer_url(customer["id"]), json={"phones": []}, headers=headers)
    assert dropped.get_json()["phones"] == [{"phone": PHONE, "is_primary": True}]
    assert search(client, world, "18600000001") == set()
    assert created(client, world, name="王芳", phone="18600000001")["phone"] == "18600000001"
    assert search(client, world, "1234") == {customer["id"]}


def test_editing_fields(client, world):
    customer = created(client, world)
    headers = world.headers("pa1")
    response = client.patch(customer_url(customer["id"]), headers=headers, json={
        "name": "张伟民", "email": "z@example.com", "tier": "key_account", "notes": "喜欢电话回访", "id_number": ID_NUMBER})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["tier"], body["notes"], body["id_number"]) == ("张伟民", "key_account", "喜欢电话回访", ID_NUMBER)
    for bad in ({"id_number": "310101199001011235"}, {"phone": "12345"}, {"org_unit_id": 1}, {"name": ""},
                {"tags": ["x" * 21]}):
        assert_error(client.patch(customer_url(customer["id"]), json=bad, headers=headers), 422)
    assert get(client, world, customer["id"]).get_json()["name"] == "张伟民"


def test_writes_need_customer_write_in_scope(client, world):
    customer = created(client, world)
    url = customer_url(customer["id"])
    assert_error(client.patch(url, json={"tier": "vip"}, headers=world.headers("viewer")), 403)
    assert_error(client.patch(url, json={"tier": "vip"}, headers=world.headers("eng1")), 403)
    assert_error(client.patch(url, json={"tier": "vip"}, headers=world.headers("pa2")), 404)
    assert_error(client.patch(url, json={"tier": "vip"}, headers=world.headers("rm_south")), 404)
    assert_error(client.patch(url, json={"tier": "vip"}, headers=world.headers("pa_b", "beta")), 404)
    assert get(client, world, customer["id"]).get_json()["tier"] == "normal"
    for who in ("pm1", "rm_east", "ra_east", "hq_crm"):
        assert client.patch(url, json={"notes": who}, headers=world.headers(who)).status_code == 200


# --- timeline ---------------------------------------------------------------------------------------


def test_the_timeline_is_newest_first_and_paginated(client, world):
    customer = created(client, world)
    handed_over = new_property(client, world, room="1201", handover_date="2023-05-01")
    bought = new_property(client, world, room="1202")
    headers = world.headers("pa1")
    assert link(client, world, handed_over, customer_id=customer["id"], since="2022-01-10").status_code == 201
    ownership = link(client, world, bought, customer_id=customer["id"], since="2024-03-01").get_json()
    ended = client.post(f"{PROPERTIES}/{bought}/owners/{ownership['id']}/end", json={"until": "2024-08-01"},
                        headers=headers)
    assert ended.status_code == 200
    response = client.get(customer_url(customer["id"], "/timeline"), headers=headers)
    assert response.status_code == 200
    entries = response.get_json()
    assert [(e["kind"], e["ref_id"]) for e in entries] == [
        ("customer.created", customer["id"]),
        ("ownership.ended", bought),
        ("ownership.started", bought),
        ("property.handover", handed_over),
        ("ownership.started", handed_over),
    ]
    assert [e["at"][:10] for e in entries[1:]] == ["2024-08-01", "2024-03-01", "2023-05-01", "2022-01-10"]
    assert entries[3]["title"] == "交付 · 3-2-1201"
    assert pagination(response)["total"] == 5

    page = client.get(customer_url(customer["id"], "/timeline"), query_string={"page": 2, "page_size": 2},
                      headers=headers)
    assert page.get_json() == entries[2:4]
    assert pagination(page)["total"] == 5 and pagination(page)["total_pages"] == 3
    last = client.get(customer_url(customer["id"], "/timeline"), query_string={"page": 3, "page_size": 2},
                      headers=headers)
    assert last.get_json() == entries[4:]
    assert_error(client.get(customer_url(customer["id"], "/timeline"), headers=world.headers("pa2")), 404)
    assert_error(client.get(customer_url(999999, "/timeline"), headers=headers), 404)


# --- scope: a project sees its own customers ------------------------------------------------------


def test_a_project_agent_cannot_reach_a_customer_who_only_owns_in_a_sibling_project(client, world):
    customer = created(client, world, id_number=ID_NUMBER)
    room = new_property(client, world)
    assert link(client, world, room, customer_id=customer["id"]).status_code == 201
    cid = customer["id"]

    # pa2 (P-EAST-2): not found by id, by exact phone, by unit, nor in the full list.
    assert_error(get(client, world, cid, who="pa2"), 404)
    assert search(client, world, PHONE, who="pa2") == set()
    assert search(client, world, "3-2-1201", who="pa2") == set()
    assert search(client, world, who="pa2") == set()
    # Others outside the project's branch, and another group.
    for who in ("rm_south", "pa3"):
        assert_error(get(client, world, cid, who=who), 404)
        assert search(client, world, PHONE, who=who) == set()
    assert_error(get(client, world, cid, who="pa_b", tenant="beta"), 404)
    assert_error(get(client, world, cid, who="admin", tenant="beta"), 403)  # no customer.read at all
    assert_error(get(client, world, 999999), 404)
    # The region sees the project's customers.
    assert get(client, world, cid, who="rm_east").status_code == 200
    assert get(client, world, cid, who="ra_east").status_code == 200

    # pa2's project sells the customer a unit: linked by phone, the file becomes visible there.
    own_room = new_property(client, world, who="pa2", unit="P-EAST-2", building="1", unit_no="1", room="0501")
    linked = link(client, world, own_room, who="pa2", phone="+86 138-1234-1234")
    assert linked.status_code == 201, linked.get_json()
    assert linked.get_json()["customer_id"] == cid
    body = get(client, world, cid, who="pa2").get_json()
    assert (body["phone"], body["id_number"], body["pii_masked"]) == (PHONE, ID_NUMBER, False)
    assert body["org_unit_ids"] == sorted([world.unit("P-EAST-1"), world.unit("P-EAST-2")])
    assert search(client, world, PHONE, who="pa2") == {cid}
    assert search(client, world, "1-1-0501", who="pa2") == {cid}
    # The P-EAST-1 unit itself stays out of pa2's reach.
    assert_error(client.get(f"{PROPERTIES}/{room}", headers=world.headers("pa2")), 404)
    assert search(client, world, PHONE, who="rm_east") == {cid}
    assert_error(get(client, world, cid, who="rm_south"), 404)
    assert_error(get(client, world, cid, who="pa3"), 404)


def test_linking_by_phone_stays_inside_the_group(client, world):
    created(client, world)
    beta_room = new_property(client, world, who="pa_b", tenant="beta", unit="B-PROJECT")
    assert_error(link(client, world, beta_room, who="pa_b", tenant="beta", phone=PHONE), 404)
    assert_error(link(client, world, beta_room, who="pa_b", tenant="beta", customer_id=1), 404)
    assert ids_of(client.get(f"{PROPERTIES}/{beta_room}/owners", headers=world.headers("pa_b", "beta"))) == set()


# --- statement count --------------------------------------------------------------------------------


def test_listing_customers_does_not_grow_its_statements_with_the_page_size(app, client, world):
    for i in range(12):
        created(client, world, name=f"客户{i:02d}", phone=f"1390000{i:04d}", phones=[f"1370000{i:04d}"])
    room = new_property(client, world)
    assert link(client, world, room, phone="13900000001").status_code == 201
    engine = app.extensions["servicehub.db"].engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def run(who, page_size, **query):
        headers = world.headers(who)
        statements.clear()
        response = client.get(CUSTOMERS, query_string={"page_size": page_size, **query}, headers=headers)
        assert response.status_code == 200
        return len(response.get_json()), len(statements)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for who in ("pa1", "viewer"):  # audited (unmasked) and masked reads
            small_rows, small = run(who, 2)
            large_rows, large = run(who, 50)
            assert (small_rows, large_rows) == (2, 12)
            assert small == large, (who, small, large)
        small_rows, small = run("pa1", 2, q="客户")
        large_rows, large = run("pa1", 50, q="客户")
        assert (small_rows, large_rows) == (2, 12) and small == large
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_customer_file_names_its_stage_dates_from_today(client, world):
    """A unit handed over 400 days ago makes its owner stable straight away (not only after the nightly job)."""
    customer = created(client, world)
    room = new_property(client, world, handover_date=(date.today() - timedelta(days=400)).isoformat())
    assert link(client, world, room, customer_id=customer["id"]).status_code == 201
    assert get(client, world, customer["id"]).get_json()["stage"] == "stable"
