"""How the ticket list pages: a capped total (counting 200,000 matches costs more than the page) and
keyset pages (`after=`) that carry no page numbers."""

from __future__ import annotations

import json

import pytest

from servicehub.tickets import service
from tests.scope_tools import api


@pytest.fixture
def eight_tickets(client, world):
    for n in range(8):
        response = client.post(api("/tickets"), headers=world.headers("pa1"), json={
            "type": "inquiry", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": f"咨询 {n}",
            "description": "交付时间"})
        assert response.status_code == 201, response.get_json()


def _page(client, world, **query):
    response = client.get(api("/tickets"), query_string=query, headers=world.headers("pm1"))
    assert response.status_code == 200, response.get_json()
    return [t["title"] for t in response.get_json()], json.loads(response.headers["X-Pagination"])


def test_below_the_cap_the_total_is_exact(client, world, eight_tickets):
    titles, meta = _page(client, world, page_size=3, page=3)
    assert titles == ["咨询 1", "咨询 0"]
    assert meta == {"total": 8, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 3, "previous_page": 2}


def test_above_the_cap_the_total_is_a_lower_bound_and_deeper_pages_still_answer(client, world, eight_tickets,
                                                                                 monkeypatch):
    monkeypatch.setattr(service, "COUNT_CAP", 5)
    titles, meta = _page(client, world, page_size=3, page=1)
    assert titles == ["咨询 7", "咨询 6", "咨询 5"]
    assert meta["total"] == 5 and meta["total_is_lower_bound"] is True
    assert (meta["page"], meta["next_page"]) == (1, 2)
    assert "last_page" not in meta and "total_pages" not in meta
    # Page 3 starts at row 7, beyond the counted 5: it is still served, and it is the last.
    titles, meta = _page(client, world, page_size=3, page=3)
    assert titles == ["咨询 1", "咨询 0"]
    assert (meta["page"], meta["previous_page"], "next_page" in meta) == (3, 2, False)


def test_keyset_pages_name_the_next_cursor_and_no_page_numbers(client, world, eight_tickets):
    titles, meta = _page(client, world, page_size=5)
    assert titles == ["咨询 7", "咨询 6", "咨询 5", "咨询 4", "咨询 3"]
    titles, meta = _page(client, world, page_size=5, after=meta["next_cursor"])
    assert titles == ["咨询 2", "咨询 1", "咨询 0"]
    assert meta == {"total": 8}  # the last page: no cursor; keyset: no page numbers


def test_a_project_filter_within_the_callers_reach_lists_the_same_tickets_as_without_it(client, world,
                                                                                        eight_tickets):
    everything, _ = _page(client, world, page_size=100)
    filtered, meta = _page(client, world, page_size=100, org_unit_id=world.unit("P-EAST-1"))
    assert filtered == everything and meta["total"] == 8
    # A unit outside the caller's reach finds nothing (the filter never widens the scope).
    outside, meta = _page(client, world, page_size=100, org_unit_id=world.unit("P-EAST-2"))
    assert outside == [] and meta["total"] == 0


def test_mine_lists_the_tickets_the_caller_holds_or_took_first(client, world, eight_tickets):
    """我的工单: assigned to me, or logged by me (first responder); `mine=false` is the rest."""
    pm1 = world.headers("pm1")
    listed = client.get(api("/tickets"), query_string={"page_size": 100}, headers=pm1).get_json()
    handed = listed[0]["id"]
    response = client.patch(api(f"/tickets/{handed}"), headers=pm1, json={"assignee_id": world.user("pm1")})
    assert response.status_code == 200, response.get_json()
    logged = client.post(api("/tickets"), headers=pm1, json={
        "type": "inquiry", "channel": "walk_in", "org_unit_id": world.unit("P-EAST-1"), "title": "经理登记",
        "description": "来访"}).get_json()["id"]

    def ids(**query):
        response = client.get(api("/tickets"), query_string={"page_size": 100, **query}, headers=pm1)
        assert response.status_code == 200, response.get_json()
        return {t["id"] for t in response.get_json()}

    assert ids(mine="true") == {handed, logged}
    assert ids(mine="false") == ids() - {handed, logged}
    # pa1 took all eight first; none of pm1's own is pa1's.
    pa1 = client.get(api("/tickets"), query_string={"page_size": 100, "mine": "true"}, headers=world.headers("pa1"))
    assert {t["id"] for t in pa1.get_json()} == ids() - {logged}
