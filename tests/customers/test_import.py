"""POST /api/v1/customers/import: a 10,000-row sales sheet with a few bad rows, all or nothing unless
skip_invalid, dry runs, idempotence, GBK and XLSX files, scope, and the in-process path for large files."""

from __future__ import annotations

import io
import time

import pytest
from sqlalchemy import func, select

from servicehub.customers import imports
from servicehub.customers.imports import ImportJob
from servicehub.customers.jobs import run_import
from servicehub.customers.models import Customer, CustomerPhone, CustomerScope
from servicehub.db import bind_tenant
from servicehub.extensions import db
from servicehub.properties.models import Ownership, Property
from tests.customers import sheets
from tests.scope_tools import api, assert_error

IMPORT = api("/customers/import")


def upload(client, world, content: bytes, filename="客户名单.csv", who="pa1", project="P-EAST-1", tenant="alpha",
           **flags):
    form = {"org_unit_id": str(world.unit(project, tenant)), "file": (io.BytesIO(content), filename)}
    form.update({key: "true" if value else "false" for key, value in flags.items()})
    return client.post(IMPORT, data=form, content_type="multipart/form-data", headers=world.headers(who, tenant))


def job_url(job_id) -> str:
    return api(f"/customers/imports/{job_id}")


def counts(app, world, tenant="alpha") -> dict[str, int]:
    with app.app_context():
        session = db.session
        bind_tenant(session, world.tenants[tenant])
        return {name: session.scalar(select(func.count()).select_from(model)) for name, model in (
            ("customers", Customer), ("phones", CustomerPhone), ("scopes", CustomerScope),
            ("properties", Property), ("ownerships", Ownership))}


NOTHING = {"customers": 0, "phones": 0, "scopes": 0, "properties": 0, "ownerships": 0}


def expected(sheet: sheets.Sheet) -> dict[str, int]:
    return {"customers": sheet.customers, "phones": sheet.customers, "scopes": sheet.customers,
            "properties": sheet.properties, "ownerships": sheet.ownerships}


def reported(body) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for error in body["errors"]:
        assert error["message"]
        found.setdefault(error["row"], set()).add(error["field"])
    return found


# --- the 10,000-row sheet ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_sheet() -> sheets.Sheet:
    return sheets.build(10_000)


def test_a_10000_row_sheet_with_five_bad_rows(app_factory, world, big_sheet):
    """Large files go to the queue; without Redis (this app) the job runs in-process and answers 201."""
    app = app_factory(redis_url="")
    client = app.test_client()
    content = big_sheet.csv()
    assert len(content) > 64 * 1024
    assert len(big_sheet.rows) == 10_000 and len(big_sheet.bad) == 5
    assert big_sheet.customers < 9_995  # owners with several units, in one file each
    bad_rows = {row: {fieldname} for row, fieldname in big_sheet.bad.items()}

    # All or nothing: five bad rows reject the file, every one reported with its row and field.
    started = time.perf_counter()
    rejected = upload(client, world, content)
    assert rejected.status_code == 201, rejected.get_json()
    body = rejected.get_json()
    assert (body["status"], body["total_rows"], body["imported_rows"], body["error_count"]) == ("rejected", 10_000, 0, 5)
    assert reported(body) == bad_rows
    assert "nothing was imported" in body["message"]
    assert counts(app, world) == NOTHING

    # A dry run validates and imports nothing either.
    dry = upload(client, world, content, dry_run=True, skip_invalid=True).get_json()
    assert (dry["status"], dry["error_count"], dry["progress"]) == ("validated", 5, 1.0)
    assert reported(dry) == bad_rows
    assert counts(app, world) == NOTHING

    # skip_invalid: the good rows are imported, the bad ones reported.
    imported = upload(client, world, content, skip_invalid=True)
    elapsed = time.perf_counter() - started
    assert imported.status_code == 201, imported.get_json()
    body = imported.get_json()
    assert (body["status"], body["total_rows"], body["processed_rows"], body["imported_rows"]) == (
        "succeeded", 10_000, 10_000, 9_995)
    assert (body["progress"], body["error_count"]) == (1.0, 5)
    assert reported(body) == bad_rows
    assert counts(app, world) == expected(big_sheet)
    print(f"\n10,000-row sheet: rejected + dry run + import in {elapsed:.1f} s")

    # The imported owners are found like any other: by phone, by unit, with their stage.
    headers = world.headers("pa1")
    first = big_sheet.rows[0]
    found = client.get(api("/customers"), query_string={"q": first[1]}, headers=headers).get_json()
    assert [(c["name"], c["source_channel"], c["stage"]) for c in found] == [
        (first[0], "import", "veteran")]  # handed over 2021-06-30
    shown = client.get(api(f"/customers/{found[0]['id']}"), query_string={"reveal": "true"}, headers=headers)
    assert shown.get_json()["id_number"] == first[2]
    label = "-".join(big_sheet.rows[19][4:7])  # the second unit of row 21's owner
    by_unit = client.get(api("/customers"), query_string={"q": label}, headers=headers).get_json()
    owner = client.get(api("/customers"), query_string={"q": big_sheet.rows[18][1]}, headers=headers).get_json()
    assert len(owner) == 1 and [c["id"] for c in by_unit] == [owner[0]["id"]]
    # A sibling project sees none of it.
    assert client.get(api("/customers"), query_string={"q": first[1]}, headers=world.headers("pa2")).get_json() == []

    # Running the finished job again changes nothing.
    job_id = body["id"]
    with app.app_context():
        session = db.session
        bind_tenant(session, world.tenants["alpha"])
        job = session.get(ImportJob, job_id)
        assert imports.run(session, job).status.value == "succeeded"
        assert run_import(world.tenants["alpha"], job_id) == "succeeded"
    assert counts(app, world) == expected(big_sheet)
    again = client.get(job_url(job_id), headers=headers).get_json()
    assert (again["imported_rows"], again["finished_at"]) == (body["imported_rows"], body["finished_at"])
    assert elapsed < 60  # the budget is a few seconds per 10,000 rows; this guards a regression


# --- smaller sheets ----------------------------------------------------------------------------------------


def test_the_same_sheet_twice_imports_once(app, client, world):
    sheet = sheets.build(120, with_bad=False)
    first = upload(client, world, sheet.csv()).get_json()
    assert (first["status"], first["imported_rows"]) == ("succeeded", 120)
    after_first = counts(app, world)
    assert after_first == expected(sheet)
    second = upload(client, world, sheet.csv()).get_json()
    assert second["status"] == "succeeded" and second["id"] != first["id"]
    assert counts(app, world) == after_first


def test_an_import_links_files_already_opened_elsewhere(app, client, world):
    """A buyer whose file P-EAST-2 opened is linked, not duplicated; a phone on file under another
    name is a bad row."""
    sheet = sheets.build(30, with_bad=False)
    opened = client.post(api("/customers"), headers=world.headers("pa2"), json={
        "org_unit_id": world.unit("P-EAST-2"), "name": sheet.rows[0][0], "phone": sheet.rows[0][1]})
    assert opened.status_code == 201
    other = client.post(api("/customers"), headers=world.headers("pa2"), json={
        "org_unit_id": world.unit("P-EAST-2"), "name": "另一位客户", "phone": sheet.rows[1][1]})
    assert other.status_code == 201
    # Another group's file with row 4's phone is no concern of alpha's import.
    beta = client.post(api("/customers"), headers=world.headers("pa_b", "beta"), json={
        "org_unit_id": world.unit("B-PROJECT", "beta"), "name": "别的集团的客户", "phone": sheet.rows[2][1]})
    assert beta.status_code == 201
    body = upload(client, world, sheet.csv()).get_json()
    assert body["status"] == "rejected" and reported(body) == {3: {"phone"}}
    # The other file is in a project pa1 does not reach: the error does not name its customer.
    assert not any("另一位客户" in error["message"] for error in body["errors"])
    body = upload(client, world, sheet.csv(), skip_invalid=True).get_json()
    assert (body["status"], body["imported_rows"]) == ("succeeded", 29)
    customer = client.get(api(f"/customers/{opened.get_json()['id']}"), headers=world.headers("pa1")).get_json()
    assert customer["org_unit_ids"] == sorted([world.unit("P-EAST-1"), world.unit("P-EAST-2")])
    assert customer["stage"] == "veteran"
    # Row 3's phone stays with the other customer, in P-EAST-2 only.
    assert counts(app, world)["customers"] == sheet.customers
    assert counts(app, world, "beta")["customers"] == 1
    kept = client.get(api(f"/customers/{other.get_json()['id']}"), headers=world.headers("pa2")).get_json()
    assert (kept["name"], kept["org_unit_ids"]) == ("另一位客户", [world.unit("P-EAST-2")])


def test_a_gbk_encoded_csv(app, client, world):
    sheet = sheets.build(40)
    content = sheet.csv("gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    body = upload(client, world, content, filename="客户.CSV", skip_invalid=True).get_json()
    assert (body["status"], body["imported_rows"], body["error_count"]) == ("succeeded", 35, 5)
    assert reported(body) == {row: {f} for row, f in sheet.bad.items()}
    assert counts(app, world) == expected(sheet)
    names = {c["name"] for c in client.get(api("/customers?page_size=100"), headers=world.headers("pa1")).get_json()}
    assert sheet.rows[0][0] in names


def test_an_xlsx_sheet(app, client, world):
    sheet = sheets.build(300)
    content = sheet.xlsx()
    rejected = upload(client, world, content, filename="客户名单.xlsx").get_json()
    assert rejected["status"] == "rejected" and reported(rejected) == {row: {f} for row, f in sheet.bad.items()}
    body = upload(client, world, content, filename="客户名单.xlsx", skip_invalid=True).get_json()
    assert (body["status"], body["imported_rows"]) == ("succeeded", 295)
    assert counts(app, world) == expected(sheet)
    first = sheet.rows[0]
    found = client.get(api("/customers"), query_string={"q": first[1]}, headers=world.headers("pa1")).get_json()
    assert [c["name"] for c in found] == [first[0]]
    shown = client.get(api(f"/customers/{found[0]['id']}"), query_string={"reveal": "true"}, headers=world.headers("pa1"))
    assert shown.get_json()["id_number"] == first[2]
    unit = client.get(api("/properties"), query_string={"building": first[4], "unit": first[5], "room": first[6]},
                      headers=world.headers("pa1")).get_json()
    assert [(p["handover_date"], p["floor_area"]) for p in unit] == [("2021-06-30", f"{float(first[7]):.2f}")]


def test_files_that_cannot_be_read(app, client, world):
    assert_error(upload(client, world, b"name,phone\n", filename="customers.txt"), 422)
    assert_error(upload(client, world, b"PK\x03\x04", filename="customers.xls"), 422)
    broken = upload(client, world, b"this is no workbook", filename="customers.xlsx")
    assert broken.status_code == 201
    assert (broken.get_json()["status"], broken.get_json()["message"]) == ("failed", "The XLSX file cannot be read.")
    no_phone = upload(client, world, "姓名,楼栋\n张伟,3\n".encode(), filename="customers.csv").get_json()
    assert no_phone["status"] == "failed" and "phone" in no_phone["message"]
    empty = upload(client, world, b"", filename="customers.csv").get_json()
    assert empty["status"] == "failed"
    # The form itself: a file and a project id are required.
    response = client.post(IMPORT, data={"org_unit_id": str(world.unit("P-EAST-1"))},
                           content_type="multipart/form-data", headers=world.headers("pa1"))
    assert_error(response, 422)
    response = client.post(IMPORT, data={"file": (io.BytesIO(b"x"), "a.csv")},
                           content_type="multipart/form-data", headers=world.headers("pa1"))
    assert_error(response, 422)
    response = client.post(IMPORT, data={"org_unit_id": str(world.unit("P-EAST-1")), "file": "name,phone"},
                           content_type="multipart/form-data", headers=world.headers("pa1"))
    assert "file" in assert_error(response, 422)["errors"]["files"]
    response = client.post(IMPORT, data={"org_unit_id": str(world.unit("P-EAST-1")), "extra": "1",
                                         "file": (io.BytesIO(b"x"), "a.csv")},
                           content_type="multipart/form-data", headers=world.headers("pa1"))
    assert "extra" in assert_error(response, 422)["errors"]["files"]
    response = client.post(IMPORT, json={"org_unit_id": world.unit("P-EAST-1")}, headers=world.headers("pa1"))
    assert_error(response, 422)
    assert counts(app, world) == NOTHING


def test_imports_in_scope_only(app, client, world):
    content = sheets.build(20, with_bad=False).csv()
    assert_error(upload(client, world, content, who="pa2"), 404)
    assert_error(upload(client, world, content, who="rm_south"), 404)
    assert_error(client.post(IMPORT, data={"org_unit_id": str(world.unit("P-EAST-1")),
                                           "file": (io.BytesIO(content), "a.csv")},
                             content_type="multipart/form-data", headers=world.headers("pa_b", "beta")), 404)
    assert_error(upload(client, world, content, who="viewer"), 403)
    assert_error(upload(client, world, content, who="eng1"), 403)
    assert_error(upload(client, world, content, who="admin"), 403)
    # A region imports into one of its projects, not into itself.
    assert "org_unit_id" in assert_error(upload(client, world, content, who="rm_east", project="EAST"), 422)["errors"]
    assert counts(app, world) == NOTHING

    job = upload(client, world, content, who="rm_east").get_json()
    assert job["status"] == "succeeded" and job["org_unit_id"] == world.unit("P-EAST-1")
    for who in ("pa1", "pm1", "rm_east", "ra_east", "hq_crm"):
        response = client.get(job_url(job["id"]), headers=world.headers(who))
        assert response.status_code == 200 and response.get_json()["id"] == job["id"]
    for who in ("pa2", "pa3", "rm_south"):
        assert_error(client.get(job_url(job["id"]), headers=world.headers(who)), 404)
    assert_error(client.get(job_url(job["id"]), headers=world.headers("pa_b", "beta")), 404)
    for who in ("viewer", "eng1", "admin"):
        assert_error(client.get(job_url(job["id"]), headers=world.headers(who)), 403)
    assert_error(client.get(job_url(999999), headers=world.headers("pa1")), 404)


def test_the_job_reports_what_it_did(client, world):
    sheet = sheets.build(60)
    body = upload(client, world, sheet.csv(), skip_invalid=True).get_json()
    assert set(body) >= {"id", "org_unit_id", "filename", "status", "skip_invalid", "dry_run", "total_rows",
                         "processed_rows", "imported_rows", "progress", "error_count", "errors", "message",
                         "created_at", "started_at", "finished_at"}
    assert "content" not in body
    assert (body["filename"], body["skip_invalid"], body["dry_run"]) == ("客户名单.csv", True, False)
    assert body["started_at"] <= body["finished_at"]
    assert client.get(job_url(body["id"]), headers=world.headers("pa1")).get_json() == body
