"""/api/v1/customers: opening files (one per household), duplicate phones, personal data masked and
revealed on demand (audited), search, filters, edits, the units of a customer, the timeline, scope,
and the statement count of the list and of the units."""

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


def get(client, world, customer_id, who="pa1", tenant="alpha", **query):
    return client.get(customer_url(customer_id), query_string=query, headers=world.headers(who, tenant))


def revealed(client, world, customer_id, who="pa1") -> dict:
    """The file with phone and ID number unmasked (`?reveal=true`)."""
    response = get(client, world, customer_id, who=who, reveal="true")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["pii_masked"], body["pii_revealable"]) == (False, True)
    return body


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
    # Masked in the answer too: personal data is shown on demand only.
    assert (body["phone"], body["id_number"]) == (MASKED_PHONE, "1101**********002X")
    assert body["phones"] == [{"phone": MASKED_PHONE, "is_primary": True}]
    assert (body["pii_masked"], body["pii_revealable"]) == (True, True)
    assert (body["stage"], body["kind"], body["tier"], body["source_channel"]) == ("prospect", "person", "vip", "walk_in")
    assert body["tags"] == ["老带新", "车位意向"] and body["is_lost"] is False
    assert body["org_unit_id"] == world.unit("P-EAST-1")
    assert body["org_unit_ids"] == [world.unit("P-EAST-1")]
    assert get(client, world, body["id"]).get_json() == body
    shown = revealed(client, world, body["id"])
    assert (shown["phone"], shown["id_number"]) == (PHONE, "11010519491231002X")
    assert shown["phones"] == [{"phone": PHONE, "is_primary": True}]
    assert {k: v for k, v in shown.items() if k not in ("phone", "phones", "id_number", "pii_masked")} == \
        {k: v for k, v in body.items() if k not in ("phone", "phones", "id_number", "pii_masked")}


def test_the_primary_phone_repeated_in_phones_is_kept_once(client, world):
    body = revealed(client, world, created(client, world, phones=["138-1234-1234", "021 1234 5678"])["id"])
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
    assert (body["kind"], revealed(client, world, body["id"])["id_number"]) == ("company", "91350100M000100Y43")
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


def test_a_phone_already_on_file_answers_409_naming_the_customer_to_those_who_read_it(client, world):
    first = created(client, world, phones=["021-12345678"])
    before = search(client, world, who="hq_crm")

    def conflict(response, *, named: bool):
        body = assert_error(response, 409)
        assert "phone" in body["errors"]
        assert PHONE not in body["message"] and "02112345678" not in body["message"]
        if named:
            assert body["errors"]["existing_customer_id"] == [str(first["id"])]
            assert body["message"].endswith(f"already exists: customer {first['id']}.")
        else:
            # A file of another project or region: the number is taken, the file stays unknown.
            assert "existing_customer_id" not in body["errors"]
            assert body["message"].endswith("already exists.")
        return body

    named = conflict(create(client, world, phone="138 1234 1234", name="张伟明"), named=True)
    assert MASKED_PHONE in named["message"]
    conflict(create(client, world, phone="+86 21 1234 5678", name="张伟明"), named=True)  # the second phone
    conflict(create(client, world, phone="13900000001", phones=["13912345678", PHONE]), named=True)  # in `phones`
    conflict(create(client, world, phone="13900000001", phones=["(021) 1234-5678"]), named=True)
    conflict(create(client, world, who="ra_east", unit="EAST"), named=True)  # the region reads the project's files
    conflict(create(client, world, who="hq_crm", unit="SOUTH"), named=True)
    unnamed = conflict(create(client, world, who="pa2", unit="P-EAST-2", name="另一个人"), named=False)  # a sibling
    assert unnamed["message"] == f"A customer file with phone {MASKED_PHONE} already exists."
    conflict(create(client, world, who="pa3", unit="P-SOUTH-1", name="另一个人"), named=False)  # another region
    conflict(create(client, world, who="rm_south", unit="SOUTH", phone="021-1234-5678"), named=False)
    # Changing a phone to that number: the same rule.
    own = created(client, world, who="pa2", unit="P-EAST-2", name="王芳", phone="18600000001")
    conflict(client.patch(customer_url(own["id"]), json={"phones": [PHONE]}, headers=world.headers("pa2")), named=False)
    assert search(client, world, who="hq_crm") == before | {own["id"]}
    # The file named by the conflict stays out of reach for the other projects.
    assert_error(get(client, world, first["id"], who="pa2"), 404)
    # Phones are unique per group: another tenant opens its own file with the same number.
    other = client.post(CUSTOMERS, headers=world.headers("pa_b", "beta"), json={
        "org_unit_id": world.unit("B-PROJECT", "beta"), "name": "张伟明", "phone": PHONE, "phones": ["021-12345678"]})
    assert other.status_code == 201, other.get_json()
    assert other.get_json()["id"] != first["id"]


# --- personal data: masked for everyone, revealed on demand -----------------------------------------


@pytest.mark.parametrize("who", ["pa1", "pm1", "ra_east", "rm_east", "hq_crm"])
def test_personal_data_is_masked_by_default_and_revealed_on_demand(client, world, who):
    """Roles with customer.pii (they call customers back) read the file masked like everyone; they
    may reveal it, one audited request at a time."""
    customer = created(client, world, id_number=ID_NUMBER, phones=["13900000001"])
    start = len(audit(client, world))
    body = get(client, world, customer["id"], who=who).get_json()
    assert (body["phone"], body["id_number"], body["pii_masked"], body["pii_revealable"]) == (
        MASKED_PHONE, MASKED_ID, True, True)
    assert body["phones"] == [{"phone": MASKED_PHONE, "is_primary": True}, {"phone": "139****0001", "is_primary": False}]
    listed = client.get(CUSTOMERS, headers=world.headers(who)).get_json()
    assert [(c["phone"], c["id_number"], c["pii_masked"], c["pii_revealable"]) for c in listed] == [
        (MASKED_PHONE, MASKED_ID, True, True)]
    assert get(client, world, customer["id"], who=who, reveal="false").get_json() == body
    assert len(audit(client, world)) == start  # masked reads are not personal-data reads

    shown = revealed(client, world, customer["id"], who=who)
    assert (shown["phone"], shown["id_number"]) == (PHONE, ID_NUMBER)
    assert shown["phones"] == [{"phone": PHONE, "is_primary": True}, {"phone": "13900000001", "is_primary": False}]
    entries = audit(client, world)
    assert len(entries) == start + 1
    assert (entries[0]["actor_id"], entries[0]["target_type"], entries[0]["target_id"]) == (
        world.user(who), "customer", customer["id"])
    # The next plain read is masked again.
    assert get(client, world, customer["id"], who=who).get_json()["pii_masked"] is True


def test_a_viewer_sees_the_file_masked_and_may_not_reveal_it(client, world):
    customer = created(client, world, id_number=ID_NUMBER, phones=["13900000001"], email="a@example.com")
    body = get(client, world, customer["id"], who="viewer").get_json()
    assert (body["phone"], body["id_number"], body["pii_masked"], body["pii_revealable"]) == (
        MASKED_PHONE, MASKED_ID, True, False)
    assert body["phones"] == [{"phone": MASKED_PHONE, "is_primary": True}, {"phone": "139****0001", "is_primary": False}]
    assert body["name"] == "张伟明" and body["email"] == "a@example.com"
    listed = client.get(CUSTOMERS, headers=world.headers("viewer"))
    text = listed.get_data(as_text=True)
    assert listed.status_code == 200 and PHONE not in text and ID_NUMBER not in text and "13900000001" not in text
    assert [c["pii_revealable"] for c in listed.get_json()] == [False]
    # Search by the full number still finds the file; the answer stays masked.
    found = client.get(CUSTOMERS, query_string={"q": PHONE}, headers=world.headers("viewer"))
    assert [c["phone"] for c in found.get_json()] == [MASKED_PHONE]
    start = len(audit(client, world))
    refused = assert_error(get(client, world, customer["id"], who="viewer", reveal="true"), 403)
    assert PHONE not in str(refused) and ID_NUMBER not in str(refused)
    assert len(audit(client, world)) == start


@pytest.mark.parametrize("who", ["eng1", "admin"])
def test_engineers_and_tenant_admins_do_not_read_customers(client, world, who):
    """Neither role holds customer.read (access.py): the whole resource answers 403, a reveal too."""
    customer = created(client, world)
    assert_error(get(client, world, customer["id"], who=who), 403)
    assert_error(get(client, world, customer["id"], who=who, reveal="true"), 403)
    assert_error(client.get(CUSTOMERS, headers=world.headers(who)), 403)
    assert_error(client.get(customer_url(customer["id"], "/timeline"), headers=world.headers(who)), 403)
    assert_error(client.get(customer_url(customer["id"], "/properties"), headers=world.headers(who)), 403)
    assert_error(client.patch(customer_url(customer["id"]), json={"tier": "vip"}, headers=world.headers(who)), 403)


def test_a_reveal_outside_the_callers_reach_answers_404(client, world):
    customer = created(client, world, id_number=ID_NUMBER)
    start = len(audit(client, world))
    for who, tenant in (("rm_south", "alpha"), ("pa3", "alpha"), ("pa2", "alpha"), ("pa_b", "beta")):
        body = assert_error(get(client, world, customer["id"], who=who, tenant=tenant, reveal="true"), 404)
        assert PHONE not in str(body)
    assert_error(get(client, world, 999999, reveal="true"), 404)
    assert_error(get(client, world, customer["id"], reveal="maybe"), 422)
    assert len(audit(client, world)) == start


def test_revealing_is_decided_per_customer(client, world):
    """pa1 also views the whole group (viewer at HQ): P-EAST-1's files revealable, the others not."""
    own = created(client, world)
    south = created(client, world, who="pa3", unit="P-SOUTH-1", name="李娜", phone="13900000002")
    granted = client.post(api(f"/users/{world.user('pa1')}/memberships"), headers=world.headers("admin"),
                          json={"org_unit_id": world.unit("HQ"), "role": "viewer"})
    assert granted.status_code == 201
    start = len(audit(client, world))
    listed = {c["id"]: c for c in client.get(CUSTOMERS, headers=world.headers("pa1")).get_json()}
    assert (listed[own["id"]]["phone"], listed[own["id"]]["pii_masked"], listed[own["id"]]["pii_revealable"]) == (
        MASKED_PHONE, True, True)
    assert (listed[south["id"]]["phone"], listed[south["id"]]["pii_masked"], listed[south["id"]]["pii_revealable"]) == (
        "139****0002", True, False)
    assert revealed(client, world, own["id"])["phone"] == PHONE
    assert_error(get(client, world, south["id"], reveal="true"), 403)
    entries = audit(client, world)
    assert len(entries) == start + 1 and entries[0]["target_id"] == own["id"]
    # pa1 may read the southern file but not write it.
    assert_error(client.patch(customer_url(south["id"]), json={"tier": "vip"}, headers=world.headers("pa1")), 403)


def test_only_reveals_are_audited(client, world):
    first = created(client, world)
    created(client, world, name="李娜", phone="13900000002")
    start = len(audit(client, world))
    assert get(client, world, first["id"], who="pm1").status_code == 200
    assert client.get(CUSTOMERS, headers=world.headers("rm_east")).status_code == 200
    assert client.get(CUSTOMERS, query_string={"q": PHONE}, headers=world.headers("pa1")).status_code == 200
    assert get(client, world, first["id"], who="viewer").status_code == 200
    assert client.patch(customer_url(first["id"]), json={"tier": "vip"}, headers=world.headers("pa1")).status_code == 200
    assert len(audit(client, world)) == start
    revealed(client, world, first["id"], who="pm1")
    (entry, *_rest) = entries = audit(client, world)
    assert len(entries) == start + 1
    assert (entry["actor_id"], entry["target_type"], entry["target_id"]) == (world.user("pm1"), "customer", first["id"])
    assert entry["details"] == {"customer_ids": [first["id"]]}
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

    def phones():
        return revealed(client, world, customer["id"])["phones"]

    for taken in ("13900000002", "13900000003", "+86 139 0000 0003"):
        body = assert_error(client.patch(customer_url(customer["id"]), json={"phone": taken}, headers=headers), 409)
        assert body["errors"]["existing_customer_id"] == [str(other["id"])]
        body = assert_error(client.patch(customer_url(customer["id"]), json={"phones": [taken]}, headers=headers), 409)
        assert body["errors"]["existing_customer_id"] == [str(other["id"])]
    assert phones() == [{"phone": PHONE, "is_primary": True}]

    # A new number becomes the primary one; the old one stays on file as a further phone.
    moved = client.patch(customer_url(customer["id"]), json={"phone": "186 0000 0001"}, headers=headers)
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["phone"], moved.get_json()["pii_masked"]) == ("186****0001", True)
    assert moved.get_json()["phones"] == [{"phone": "186****0001", "is_primary": True},
                                          {"phone": MASKED_PHONE, "is_primary": False}]
    assert phones() == [{"phone": "18600000001", "is_primary": True}, {"phone": PHONE, "is_primary": False}]
    # Its own numbers, reordered or repeated, are no conflict.
    again = client.patch(customer_url(customer["id"]), json={"phone": PHONE, "phones": ["18600000001"]}, headers=headers)
    assert again.status_code == 200, again.get_json()
    assert phones() == [{"phone": PHONE, "is_primary": True}, {"phone": "18600000001", "is_primary": False}]
    # Dropping a number frees it for another file.
    dropped = client.patch(customer_url(customer["id"]), json={"phones": []}, headers=headers)
    assert dropped.status_code == 200, dropped.get_json()
    assert phones() == [{"phone": PHONE, "is_primary": True}]
    assert search(client, world, "18600000001") == set()
    assert revealed(client, world, created(client, world, name="王芳", phone="18600000001")["id"])["phone"] == "18600000001"
    assert search(client, world, "1234") == {customer["id"]}


def test_editing_fields(client, world):
    customer = created(client, world)
    headers = world.headers("pa1")
    response = client.patch(customer_url(customer["id"]), headers=headers, json={
        "name": "张伟民", "email": "z@example.com", "tier": "key_account", "notes": "喜欢电话回访", "id_number": ID_NUMBER})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["tier"], body["notes"], body["id_number"]) == ("张伟民", "key_account", "喜欢电话回访", MASKED_ID)
    assert revealed(client, world, customer["id"])["id_number"] == ID_NUMBER
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
    body = revealed(client, world, cid, who="pa2")  # customer.pii in one of the customer's units
    assert (body["phone"], body["id_number"]) == (PHONE, ID_NUMBER)
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
        for who in ("pa1", "viewer"):  # a role that may reveal personal data, and one that may not
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


# --- the org-unit filter: the unit and everything below it ------------------------------------------


def test_the_unit_filter_takes_the_unit_and_everything_below_it_within_the_reach(client, world):
    east1 = created(client, world, name="东一", phone="13900000011")["id"]
    east2 = created(client, world, who="pa2", unit="P-EAST-2", name="东二", phone="13900000012")["id"]
    region = created(client, world, who="ra_east", unit="EAST", name="区域建档", phone="13900000013")["id"]
    south = created(client, world, who="pa3", unit="P-SOUTH-1", name="南一", phone="13900000014")["id"]
    # 东一 buys a unit in the south too: visible there as well.
    room = new_property(client, world, who="pa3", unit="P-SOUTH-1", building="8", unit_no="1", room="0101")
    assert link(client, world, room, who="pa3", phone="13900000011").status_code == 201

    def at(who, code, **filters):
        return search(client, world, who=who, org_unit_id=world.unit(code), **filters)

    east = {east1, east2, region}
    assert at("hq_crm", "EAST") == at("viewer", "EAST") == at("rm_east", "EAST") == at("ra_east", "EAST") == east
    assert at("hq_crm", "SOUTH") == at("rm_south", "SOUTH") == {south, east1}
    assert at("hq_crm", "HQ") == east | {south}
    assert at("rm_east", "P-EAST-2") == {east2}
    assert at("hq_crm", "EAST", q="东") == {east1, east2}
    assert at("hq_crm", "EAST", q="13900000014") == set()
    # Never wider than the caller's reach: the part of the subtree they reach, or nothing.
    assert at("pa1", "EAST") == {east1}
    assert at("rm_east", "HQ") == east
    assert at("rm_east", "SOUTH") == at("rm_south", "EAST") == at("pa2", "P-EAST-1") == set()
    beta = client.get(CUSTOMERS, query_string={"org_unit_id": world.unit("EAST")}, headers=world.headers("pa_b", "beta"))
    assert ids_of(beta) == set()


# --- the units of a customer --------------------------------------------------------------------------


def holdings(client, world, customer_id, who="pa1", tenant="alpha"):
    return client.get(customer_url(customer_id, "/properties"), headers=world.headers(who, tenant))


def units_of(client, world, customer_id, who="pa1") -> list[int]:
    response = holdings(client, world, customer_id, who)
    assert response.status_code == 200, response.get_json()
    return [h["property"]["id"] for h in response.get_json()]


@pytest.fixture
def household(client, world):
    """张伟明 (opened by P-EAST-1) owns 3-2-1201 (handed over 400 days ago), co-owns a parking space,
    sold 3-2-0801, and rents 8-1-0101 in P-SOUTH-1 (linked there by phone)."""
    cid = created(client, world)["id"]
    handed = (date.today() - timedelta(days=400)).isoformat()
    home = new_property(client, world, room="1201", floor=12, floor_area="89.50", handover_date=handed)
    parking = new_property(client, world, building="P", unit_no="B1", room="018", type="parking")
    sold = new_property(client, world, room="0801")
    assert link(client, world, home, customer_id=cid, since="2022-01-10").status_code == 201
    assert link(client, world, parking, customer_id=cid, relation="co_owner").status_code == 201
    ended = link(client, world, sold, customer_id=cid, since="2019-05-01").get_json()
    assert client.post(f"{PROPERTIES}/{sold}/owners/{ended['id']}/end", json={"until": "2021-12-31"},
                       headers=world.headers("pa1")).status_code == 200
    south = new_property(client, world, who="pa3", unit="P-SOUTH-1", building="8", unit_no="1", room="0101")
    assert link(client, world, south, who="pa3", phone=PHONE, relation="resident").status_code == 201
    return {"customer": cid, "home": home, "parking": parking, "sold": sold, "south": south, "handed": handed}


def test_the_units_of_a_customer_current_first_with_the_relation_the_project_and_the_warranty(client, world, household):
    h = household
    response = holdings(client, world, h["customer"])
    assert response.status_code == 200
    body = response.get_json()
    assert [(x["property"]["id"], x["ownership"]["relation"], x["ownership"]["until"]) for x in body] == [
        (h["home"], "owner", None), (h["parking"], "co_owner", None), (h["sold"], "owner", "2021-12-31")]
    home = body[0]
    assert home["project_name"] == "上海·滨江壹号"
    assert (home["ownership"]["customer_id"], home["ownership"]["property_id"], home["ownership"]["since"]) == (
        h["customer"], h["home"], "2022-01-10")
    unit = home["property"]
    assert (unit["org_unit_id"], unit["building"], unit["unit"], unit["room"], unit["label"], unit["floor"]) == (
        world.unit("P-EAST-1"), "3", "2", "1201", "3-2-1201", 12)
    assert (unit["floor_area"], unit["handover_date"], unit["type"]) == ("89.50", h["handed"], "residential")
    warranty = {w["component"]: w for w in unit["warranty"]}
    assert warranty["waterproofing"]["in_warranty"] and warranty["electrical"]["in_warranty"]
    assert body[1]["property"]["type"] == "parking" and body[1]["property"]["handover_date"] is None
    assert not any(w["in_warranty"] for w in body[1]["property"]["warranty"])  # not handed over: no clock yet
    # The unit in the south is not the project's to show.
    assert "8-1-0101" not in response.get_data(as_text=True) and "深圳" not in response.get_data(as_text=True)


def test_the_units_of_a_customer_are_those_of_projects_the_caller_reaches(client, world, household):
    h = household
    everything = [h["home"], h["parking"], h["south"], h["sold"]]
    assert units_of(client, world, h["customer"], "hq_crm") == everything
    assert units_of(client, world, h["customer"], "viewer") == everything
    assert units_of(client, world, h["customer"], "rm_east") == [h["home"], h["parking"], h["sold"]]
    assert units_of(client, world, h["customer"], "pm1") == [h["home"], h["parking"], h["sold"]]
    (south,) = holdings(client, world, h["customer"], "rm_south").get_json()
    assert (south["property"]["id"], south["project_name"], south["ownership"]["relation"]) == (
        h["south"], "深圳·前海湾", "resident")
    assert units_of(client, world, h["customer"], "pa3") == [h["south"]]
    # The customer itself out of reach, unknown, or in another group: 404, as GET /customers/{id}.
    assert_error(holdings(client, world, h["customer"], "pa2"), 404)
    assert_error(holdings(client, world, h["customer"], "pa_b", "beta"), 404)
    assert_error(holdings(client, world, 999999), 404)
    assert units_of(client, world, created(client, world, name="李娜", phone="13900000002")["id"]) == []


def test_the_timeline_shows_the_units_the_caller_reaches_only(client, world, household):
    h = household

    def property_entries(who):
        response = client.get(customer_url(h["customer"], "/timeline"), query_string={"page_size": 100},
                              headers=world.headers(who))
        assert response.status_code == 200, response.get_json()
        entries = [e for e in response.get_json() if e["ref_type"] == "property"]
        return {e["ref_id"] for e in entries}, " ".join(e["title"] for e in entries)

    east, south = {h["home"], h["parking"], h["sold"]}, {h["south"]}
    assert property_entries("hq_crm")[0] == east | south
    for who in ("pa1", "rm_east"):
        refs, titles = property_entries(who)
        assert refs == east and "8-1-0101" not in titles, who
    for who in ("rm_south", "pa3"):
        refs, titles = property_entries(who)
        assert refs == south and "3-2-" not in titles and "P-B1-018" not in titles, who


def count_statements(app, call) -> tuple[object, int]:
    """The response of `call()` and how many SQL statements it ran."""
    engine = app.extensions["servicehub.db"].engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response, len(statements)


def test_the_units_of_a_customer_take_as_many_statements_for_one_unit_as_for_many(app, client, world):
    few = created(client, world)["id"]
    many = created(client, world, name="李娜", phone="13900000002")["id"]
    assert link(client, world, new_property(client, world, room="0101"), customer_id=few).status_code == 201
    for floor in range(2, 10):
        assert link(client, world, new_property(client, world, room=f"{floor}01", handover_date="2024-01-01"),
                    customer_id=many).status_code == 201
    south = new_property(client, world, who="pa3", unit="P-SOUTH-1", room="0101")
    assert link(client, world, south, who="pa3", phone="13900000002").status_code == 201
    for who in ("pa1", "hq_crm"):
        headers = world.headers(who)
        one, small = count_statements(app, lambda: client.get(customer_url(few, "/properties"), headers=headers))
        nine, large = count_statements(app, lambda: client.get(customer_url(many, "/properties"), headers=headers))
        assert (len(one.get_json()), len(nine.get_json())) == (1, 8 if who == "pa1" else 9)
        assert small == large, (who, small, large)
