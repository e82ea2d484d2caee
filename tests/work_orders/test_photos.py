"""Before / after photos of a work order (维修前 / 维修后照片): images only, by the dispatcher or the
supervisor, attachments of the ticket too (listed there, downloaded by the same URL), counted on
the work order without a statement per row."""

from __future__ import annotations

import io

import pytest

from tests.customers.test_api import count_statements
from tests.repairs import dispatch, new_contractor, repair_ticket
from tests.scope_tools import api, assert_error
from tests.tickets.test_api import EXE, JPEG, PNG, attachment_rows, stored_files

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"%" * 200
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 200


@pytest.fixture
def work_order(client, world):
    contractor = new_contractor(client, world, "EAST")["id"]
    ticket = repair_ticket(client, world)
    response = dispatch(client, world, ticket["id"], contractor)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def photos_url(work_order_id: int) -> str:
    return api(f"/work-orders/{work_order_id}/photos")


def upload(client, world, work_order_id, content=PNG, filename="before.png", who="eng1", **form):
    data = {"file": (io.BytesIO(content), filename), **form}
    return client.post(photos_url(work_order_id), headers=world.headers(who), data=data,
                       content_type="multipart/form-data")


def get(client, world, path, who="pm1", **query):
    response = client.get(path, headers=world.headers(who), query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_before_and_after_photos_are_attachments_of_the_ticket(client, world, work_order):
    ticket_id = work_order["ticket_id"]
    assert (work_order["photo_count_before"], work_order["photo_count_after"]) == (0, 0)
    before = upload(client, world, work_order["id"], stage="before")
    assert before.status_code == 201, before.get_json()
    photo = before.get_json()
    assert (photo["work_order_id"], photo["stage"], photo["ticket_id"]) == (work_order["id"], "before", ticket_id)
    assert (photo["content_type"], photo["filename"], photo["uploaded_by_name"]) == ("image/png", "before.png", "ENG1")
    after = upload(client, world, work_order["id"], JPEG, "after.jpg", who="pm1", stage="after").get_json()
    second = upload(client, world, work_order["id"], JPEG, "after-2.jpg", stage="after").get_json()

    assert [p["id"] for p in get(client, world, photos_url(work_order["id"]))] == [photo["id"], after["id"], second["id"]]
    assert [p["id"] for p in get(client, world, photos_url(work_order["id"]), stage="after")] == [after["id"], second["id"]]
    # The ticket lists them among its attachments; a plain attachment has no work order.
    plain = client.post(api(f"/tickets/{ticket_id}/attachments"), headers=world.headers("pa1"),
                        data={"file": (io.BytesIO(PNG), "leak.png")}, content_type="multipart/form-data").get_json()
    listed = get(client, world, api(f"/tickets/{ticket_id}/attachments"))
    assert [(a["id"], a["work_order_id"], a["stage"]) for a in listed] == [
        (photo["id"], work_order["id"], "before"), (after["id"], work_order["id"], "after"),
        (second["id"], work_order["id"], "after"), (plain["id"], None, None)]
    download = client.get(api(f"/tickets/{ticket_id}/attachments/{after['id']}"), headers=world.headers("pa1"))
    assert download.status_code == 200 and download.data == JPEG and download.mimetype == "image/jpeg"

    shown = get(client, world, api(f"/work-orders/{work_order['id']}"))
    assert (shown["photo_count_before"], shown["photo_count_after"]) == (1, 2)
    (row,) = get(client, world, api("/work-orders"))
    assert (row["photo_count_before"], row["photo_count_after"]) == (1, 2)
    events = get(client, world, api(f"/tickets/{ticket_id}/events"), page_size=100)
    photo_events = [e for e in events if e["kind"] == "work_order_photo"]
    assert [(e["data"]["stage"], e["data"]["attachment_id"], e["actor_name"]) for e in photo_events] == [
        ("before", photo["id"], "ENG1"), ("after", after["id"], "PM1"), ("after", second["id"], "ENG1")]
    assert photo_events[0]["data"] == {"work_order_id": work_order["id"], "attachment_id": photo["id"],
                                       "stage": "before", "filename": "before.png", "content_type": "image/png",
                                       "size": len(PNG)}
    assert "attachment_added" in [e["kind"] for e in events]  # the plain one only
    assert [e["kind"] for e in events].count("attachment_added") == 1


def test_a_done_work_order_takes_photos_a_rejected_one_does_not(client, world, work_order):
    for to in ("accepted", "on_site"):
        moved = client.post(api(f"/work-orders/{work_order['id']}/transitions"), headers=world.headers("pm1"),
                            json={"to": to})
        assert moved.status_code == 200, moved.get_json()
    done = client.post(api(f"/work-orders/{work_order['id']}/transitions"), headers=world.headers("pm1"),
                       json={"to": "done", "result": "已修复"})
    assert done.status_code == 200, done.get_json()
    assert upload(client, world, work_order["id"], stage="after").status_code == 201

    ticket = repair_ticket(client, world)
    contractor = work_order["contractor_id"]
    other = dispatch(client, world, ticket["id"], contractor).get_json()
    rejected = client.post(api(f"/work-orders/{other['id']}/transitions"), headers=world.headers("pm1"),
                           json={"to": "rejected", "reason": "工期排不开"})
    assert rejected.status_code == 200, rejected.get_json()
    assert_error(upload(client, world, other["id"], stage="before"), 409)
    assert get(client, world, photos_url(other["id"])) == []


BAD_FORMS = [
    ({}, "stage"),  # the stage is required
    ({"stage": "during"}, "stage"),
    ({"stage": "before", "note": "x"}, "note"),  # unknown form fields are refused
]


@pytest.mark.parametrize("form,field", BAD_FORMS)
def test_a_photo_without_a_valid_stage_is_refused(app, client, world, work_order, form, field):
    before = stored_files(app)
    error = assert_error(upload(client, world, work_order["id"], **form), 422)
    assert field in str(error["errors"]), error
    assert stored_files(app) == before and attachment_rows(app, world) == 0


def test_only_images_are_photos(app_factory, world):
    small = app_factory(attachment_max_bytes=1024)
    client = small.test_client()
    contractor = new_contractor(client, world, "EAST")["id"]
    work_order = dispatch(client, world, repair_ticket(client, world)["id"], contractor).get_json()
    before = stored_files(small)
    for content, status in ((PDF, 422), (MP4, 422), (EXE, 422), ("不是图片".encode() * 20, 422), (b"", 422),
                            (PNG + b"\x00" * 1024, 413)):
        error = assert_error(upload(client, world, work_order["id"], content, "x.png", stage="before"), status)
        assert "file" in error["errors"], (content[:10], error)
    assert_error(client.post(photos_url(work_order["id"]), headers=world.headers("eng1"),
                             data={"stage": "before"}, content_type="multipart/form-data"), 422)
    assert stored_files(small) == before and attachment_rows(small, world) == 0
    events = client.get(api(f"/tickets/{work_order['ticket_id']}/events"), headers=world.headers("pm1")).get_json()
    assert "work_order_photo" not in [e["kind"] for e in events]


def test_who_may_add_and_read_photos(client, world, work_order):
    assert_error(upload(client, world, work_order["id"], who="pa1", stage="before"), 403)
    assert_error(upload(client, world, work_order["id"], who="viewer", stage="before"), 403)
    assert_error(upload(client, world, work_order["id"], who="rm_south", stage="before"), 404)
    assert_error(upload(client, world, work_order["id"] + 100, stage="before"), 404)
    assert_error(client.get(photos_url(work_order["id"]), headers=world.headers("pa2")), 404)
    assert_error(client.get(photos_url(work_order["id"]), headers=world.headers("admin")), 403)
    assert get(client, world, photos_url(work_order["id"]), who="viewer") == []


def test_listing_photos_and_work_orders_does_not_grow_its_statements_with_the_page_size(app, client, world,
                                                                                          work_order):
    contractor = work_order["contractor_id"]
    ids = [work_order["id"]] + [dispatch(client, world, repair_ticket(client, world)["id"], contractor).get_json()["id"]
                                for _ in range(2)]
    for work_order_id in ids:
        for stage in ("before", "after", "after"):
            assert upload(client, world, work_order_id, stage=stage).status_code == 201
    headers = world.headers("hq_crm")
    one, few = count_statements(app, lambda: client.get(api("/work-orders?page_size=1"), headers=headers))
    all_, many = count_statements(app, lambda: client.get(api("/work-orders?page_size=50"), headers=headers))
    assert (len(one.get_json()), len(all_.get_json())) == (1, 3) and few == many
    assert {(w["photo_count_before"], w["photo_count_after"]) for w in all_.get_json()} == {(1, 2)}
    url = photos_url(ids[0])
    one, few = count_statements(app, lambda: client.get(f"{url}?page_size=1", headers=headers))
    all_, many = count_statements(app, lambda: client.get(f"{url}?page_size=50", headers=headers))
    assert (len(one.get_json()), len(all_.get_json())) == (1, 3) and few == many
