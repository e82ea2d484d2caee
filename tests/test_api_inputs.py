"""Edge inputs the fuzzer (tests/test_schemathesis.py) does not generate: it sends only UTF-8
encodable text, few extreme date-time offsets, and no values one newline away from a pattern."""

from __future__ import annotations

import json

import pytest

from servicehub.extensions import MAX_ID


def _post(client, path, body, headers):
    # json.dumps keeps a lone surrogate as the `\udc80` escape that a client may send.
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)


@pytest.mark.parametrize("email", ["a@b.c\udc80", "\udc80@b.com", "a@\udc80.com"])
def test_email_with_lone_surrogate_is_refused(client, world, email):
    body = {"username": "newbie", "password": "Secret-pass-1", "name": "N", "email": email}
    response = _post(client, "/api/v1/users", body, world.headers("admin"))
    assert response.status_code == 422
    assert "email" in response.json["errors"]["json"]


@pytest.mark.parametrize("field, value", [
    ("username", "newbie\n"),
    ("phone", "13800138000\n"),
])
def test_user_pattern_must_match_the_whole_value(client, world, field, value):
    body = {"username": "newbie", "password": "Secret-pass-1", "name": "N", field: value}
    response = _post(client, "/api/v1/users", body, world.headers("admin"))
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_org_unit_code_must_match_the_whole_value(client, world):
    body = {"kind": "region", "parent_id": world.unit("HQ"), "name": "North", "code": "NORTH\n"}
    response = _post(client, "/api/v1/org-units", body, world.headers("admin"))
    assert response.status_code == 422
    assert "code" in response.json["errors"]["json"]


def test_tenant_slug_must_match_the_whole_value(client, world):
    body = {"slug": "gamma\n", "name": "Gamma", "admin_username": "boss", "admin_password": "Secret-pass-1"}
    response = _post(client, "/api/v1/tenants", body, world.headers("root"))
    assert response.status_code == 422
    assert "slug" in response.json["errors"]["json"]


@pytest.mark.parametrize("query", [
    "at_from=0001-01-01T00:00:00%2B01:00",
    "at_to=9999-12-31T23:59:59-01:00",
])
def test_audit_window_outside_utc_years_is_refused(client, world, query):
    response = client.get(f"/api/v1/audit-log?{query}", headers=world.headers("admin"))
    assert response.status_code == 422


def test_audit_window_with_offset_is_read_in_utc(client, world):
    # 12:00+14:00 is 22:00 the day before in UTC: everything recorded now is after it.
    response = client.get("/api/v1/audit-log?at_from=2000-01-02T12:00:00%2B14:00", headers=world.headers("admin"))
    assert response.status_code == 200


@pytest.mark.parametrize("path", [
    f"/api/v1/users/{MAX_ID + 1}",
    "/api/v1/users/0",
    f"/api/v1/org-units/{10**20}",
    f"/api/v1/tenants/{MAX_ID + 1}",
])
def test_out_of_range_id_is_not_found_whatever_the_method(client, world, path):
    headers = world.headers("root" if "tenants" in path else "admin")
    for method in ("get", "patch"):
        response = getattr(client, method)(path, json={}, headers=headers)
        assert response.status_code == 404, (method, response.status_code)


def test_body_that_is_not_json_answers_400(client, world):
    response = client.post("/api/v1/org-units", data="{not json", content_type="application/json",
                           headers=world.headers("admin"))
    assert response.status_code == 400
    assert response.json["code"] == 400


def test_tenant_with_longest_name_gets_an_hq(client, world):
    name = "名" * 120
    body = {"slug": "gamma", "name": name, "admin_username": "boss", "admin_password": "Secret-pass-1"}
    response = _post(client, "/api/v1/tenants", body, world.headers("root"))
    assert response.status_code == 201, response.json
    login = client.post("/api/v1/auth/login", json={"tenant": "gamma", "username": "boss", "password": "Secret-pass-1"})
    tree = client.get("/api/v1/org-units/tree", headers={"Authorization": f"Bearer {login.json['access_token']}"})
    assert [node["name"] for node in tree.json] == [name]


@pytest.mark.parametrize("path, q, expected", [
    ("/api/v1/org-units", "%", 0),
    ("/api/v1/org-units", "_", 0),
    ("/api/v1/org-units", "P-EAST", 2),
    ("/api/v1/users", "%", 0),
    ("/api/v1/users", "_", 4),  # hq_crm, rm_east, ra_east, rm_south
])
def test_search_wildcards_are_literal(client, world, path, q, expected):
    response = client.get(path, query_string={"q": q}, headers=world.headers("admin"))
    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["total"] == expected
