"""Small helpers shared by the isolation, org, user and audit tests."""

from __future__ import annotations

import json

API = "/api/v1"


def api(path: str) -> str:
    return f"{API}{path}"


def assert_error(response, status: int) -> dict:
    """The response is an error of `status` in the API's one error shape."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert isinstance(body, dict), body
    assert body["code"] == status
    assert isinstance(body["status"], str) and body["status"]
    assert isinstance(body["message"], str) and body["message"]
    return body


def ids_of(response) -> set[int]:
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert isinstance(body, list), body
    return {item["id"] for item in body}


def pagination(response) -> dict:
    return json.loads(response.headers["X-Pagination"])


def tree_ids(nodes: list[dict]) -> set[int]:
    found: set[int] = set()
    for node in nodes:
        found.add(node["id"])
        found |= tree_ids(node["children"])
    return found
