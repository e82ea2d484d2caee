"""/api/v1/reports: the overview and every breakdown dimension against a hand-built set of tickets,
weeks of the group's calendar (Asia/Shanghai), the period's validation, scope (reach, org unit,
another group, roles without report.read) and the statement count.

The tickets (period 2025-03-03 .. 2025-03-16, two weeks; "now" is the real now, far after it):

    name  project    type        category            created (+08:00)   status       SLA
    A     P-EAST-1   complaint   leakage (→ 工程质量)  03-03 00:30 Mon    closed       responded, resolved in time; 5
    B     P-EAST-1   repair      construction_quality 03-05 10:00       resolved     responded in time, resolved late; 2
    K     P-EAST-2   suggestion  —                   03-06 09:00        cancelled    response due passed before the cancel
    C     P-EAST-2   complaint*  front_desk_service  03-10 09:00        in_progress  responded late, resolve due passed
    F     P-EAST-1   complaint   —                   03-11 09:00        assigned     responded in time, resolve due ahead
    E     P-SOUTH-1  complaint   parking             03-12 10:00        cancelled    cancelled before both due times
    D     P-SOUTH-1  inquiry     —                   03-16 23:59 Sun    new          both due times ahead
  outside the period:
    G     P-EAST-1   complaint*  —                   03-02 23:59 Sun    in_progress  resolve due passed (overdue)
    H     P-SOUTH-1  repair      —                   02-20 09:00        closed       resolved 03-04 (in the period)
    I     P-EAST-2   complaint   —                   03-17 00:00 Mon    new          response due passed (overdue)
    beta  B-PROJECT  complaint   —                   03-05 09:00        new          (another group)

(* major complaint)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from servicehub.db import bind_tenant
from servicehub.extensions import db
from servicehub.tickets.enums import Channel, Priority, Status, TicketType
from servicehub.tickets.models import Ticket
from tests.scope_tools import api, assert_error

OVERVIEW = api("/reports/overview")
BREAKDOWN = api("/reports/breakdown")
SH = ZoneInfo("Asia/Shanghai")
PERIOD = {"date_from": "2025-03-03", "date_to": "2025-03-16"}
# Both endpoints, each with the arguments it needs.
ENDPOINTS = [(OVERVIEW, {}), (BREAKDOWN, {"dimension": "project"})]
_numbers = count(1)


def at(text: str) -> datetime:
    """'2025-03-03 00:30' in Shanghai → an aware moment."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def add_ticket(world, unit: str, created: str, *, tenant: str = "alpha", type: str = "complaint",
               status: str = "new", category: str | None = None, priority: str = "normal", channel: str = "phone",
               responded: str | None = None, resolved: str | None = None, cancelled: str | None = None,
               response_due: datetime | str | None = None, resolve_due: datetime | str | None = None,
               satisfaction: int | None = None, is_major: bool = False, assignee: str | None = None) -> int:
    """A ticket written straight to the database, every column as given (due times default to a
    day and a week ahead of now, so that it is not overdue)."""
    now = datetime.now(timezone.utc)
    moment = lambda value: at(value) if isinstance(value, str) else value  # noqa: E731
    categories = world.categories(tenant) if category else {}
    with world.app.app_context():
        session = db.session
        bind_tenant(session, world.tenants[tenant])
        responder = world.user("pa1" if tenant == "alpha" else "pa_b", tenant)
        ticket = Ticket(
            tenant_id=world.tenants[tenant], org_unit_id=world.unit(unit, tenant), number=f"R-{next(_numbers):06d}",
            type=TicketType(type), channel=Channel(channel), priority=Priority(priority), status=Status(status),
            category_id=categories.get(category), title="报表测试", description="报表测试",
            first_responder_id=responder, assignee_id=world.user(assignee, tenant) if assignee else None,
            is_major=is_major, created_at=at(created), updated_at=at(created),
            response_due_at=moment(response_due) or now + timedelta(days=1),
            resolve_due_at=moment(resolve_due) or now + timedelta(days=7),
            responded_at=moment(responded), resolved_at=moment(resolved), cancelled_at=moment(cancelled),
            closed_at=moment(resolved) if status == "closed" else None, satisfaction=satisfaction)
        session.add(ticket)
        session.commit()
        return ticket.id


def build_tickets(world) -> dict[str, int]:
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    return {
        "A": add_ticket(world, "P-EAST-1", "2025-03-03 00:30", category="leakage", priority="high", status="closed",
                        responded="2025-03-03 01:00", response_due="2025-03-03 02:30",
                        resolved="2025-03-04 10:00", resolve_due="2025-03-06 00:30", satisfaction=5),
        "B": add_ticket(world, "P-EAST-1", "2025-03-05 10:00", type="repair", category="construction_quality",
                        channel="wechat", status="resolved", responded="2025-03-05 10:30",
                        response_due="2025-03-05 12:00", resolved="2025-03-12 10:00",
                        resolve_due="2025-03-08 10:00", satisfaction=2),
        "K": add_ticket(world, "P-EAST-2", "2025-03-06 09:00", type="suggestion", channel="walk_in",
                        status="cancelled", response_due="2025-03-06 10:00", cancelled="2025-03-08 09:00",
                        resolve_due="2025-03-20 09:00"),
        "C": add_ticket(world, "P-EAST-2", "2025-03-10 09:00", category="front_desk_service", priority="urgent",
                        channel="hotline", status="in_progress", is_major=True, responded="2025-03-10 12:00",
                        response_due="2025-03-10 10:00", resolve_due=past),
        "F": add_ticket(world, "P-EAST-1", "2025-03-11 09:00", status="assigned", responded="2025-03-11 09:10",
                        response_due="2025-03-11 10:00", assignee="pm1"),
        "E": add_ticket(world, "P-SOUTH-1", "2025-03-12 10:00", category="parking", priority="low",
                        status="cancelled", cancelled="2025-03-12 12:00", response_due="2025-03-12 14:00",
                        resolve_due="2025-03-15 10:00"),
        "D": add_ticket(world, "P-SOUTH-1", "2025-03-16 23:59", type="inquiry", channel="web"),
        "G": add_ticket(world, "P-EAST-1", "2025-03-02 23:59", status="in_progress", is_major=True,
                        responded="2025-03-03 08:00", response_due="2025-03-03 09:00", resolve_due=past),
        "H": add_ticket(world, "P-SOUTH-1", "2025-02-20 09:00", type="repair", status="closed",
                        responded="2025-02-20 10:00", response_due="2025-02-20 12:00",
                        resolved="2025-03-04 09:00", resolve_due="2025-02-27 09:00"),
        "I": add_ticket(world, "P-EAST-2", "2025-03-17 00:00", response_due=past),
        "beta": add_ticket(world, "B-PROJECT", "2025-03-05 09:00", tenant="beta"),
    }


@pytest.fixture
def tickets(world):
    return build_tickets(world)


def get(client, world, url, who="hq_crm", tenant="alpha", **query):
    response = client.get(url, query_string=query, headers=world.headers(who, tenant))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def overview(client, world, who="hq_crm", tenant="alpha", **query):
    return get(client, world, OVERVIEW, who, tenant, **{**PERIOD, **query})


def breakdown(client, world, dimension, who="hq_crm", tenant="alpha", **query):
    return get(client, world, BREAKDOWN, who, tenant, dimension=dimension, **{**PERIOD, **query})


def row(key, count, open=0, overdue=0, resolved=0, rate=None, label=None) -> dict:
    return {"key": key, "label": label, "count": count, "open": open, "overdue": overdue, "resolved": resolved,
            "resolution_rate": rate}


def by_key(rows: list[dict]) -> dict:
    return {r["key"]: r for r in rows}


def assert_sorted(rows: list[dict]) -> None:
    assert rows == sorted(rows, key=lambda r: (-r["count"], r["key"]))


# --- the overview -----------------------------------------------------------------------------------------


def test_overview_of_the_whole_group(client, world, tickets):
    cats = world.categories()
    body = overview(client, world)
    assert body["period"] == {"from": "2025-03-03", "to": "2025-03-16"}
    assert body["totals"] == {"created": 7, "resolved": 3, "open_now": 5, "overdue_now": 3, "major_open_now": 2}
    assert body["sla"] == {"response_total": 5, "response_met": 3, "response_rate": 0.6,
                           "resolution_total": 3, "resolution_met": 1, "resolution_rate": 0.3333}
    assert body["satisfaction"] == {"count": 2, "average": 3.5}
    assert body["by_status"] == [{"key": "new", "count": 1}, {"key": "assigned", "count": 1},
                                 {"key": "in_progress", "count": 1}, {"key": "resolved", "count": 1},
                                 {"key": "closed", "count": 1}, {"key": "cancelled", "count": 2}]
    assert body["by_type"] == [{"key": "complaint", "count": 4}, {"key": "repair", "count": 1},
                               {"key": "inquiry", "count": 1}, {"key": "suggestion", "count": 1},
                               {"key": "praise", "count": 0}]
    categories = body["by_category"]
    assert categories[:2] == [{"key": "none", "label": None, "count": 3},
                              {"key": str(cats["construction_quality"]), "label": "工程质量", "count": 2}]
    assert sorted(categories[2:], key=lambda c: c["label"]) == sorted([
        {"key": str(cats["service_attitude"]), "label": "服务态度", "count": 1},
        {"key": str(cats["property_management"]), "label": "物业管理", "count": 1}], key=lambda c: c["label"])
    assert categories[2:] == sorted(categories[2:], key=lambda c: c["key"])
    assert body["trend"] == [{"week_start": "2025-03-03", "created": 3, "resolved": 2},
                             {"week_start": "2025-03-10", "created": 4, "resolved": 1}]
    assert body["top_projects"] == [
        {"org_unit_id": world.unit("P-EAST-1"), "name": "上海·滨江壹号", "open_complaints": 2},
        {"org_unit_id": world.unit("P-EAST-2"), "name": "杭州·西溪云庐", "open_complaints": 2}]


def test_overview_of_one_region_and_one_project(client, world, tickets):
    for who, query in (("rm_east", {}), ("hq_crm", {"org_unit_id": world.unit("EAST")}),
                       ("ra_east", {}), ("viewer", {"org_unit_id": world.unit("EAST")})):
        body = overview(client, world, who, **query)
        assert body["totals"] == {"created": 5, "resolved": 2, "open_now": 4, "overdue_now": 3, "major_open_now": 2}, who
        assert body["sla"]["response_total"] == 5 and body["sla"]["resolution_total"] == 3, who
        assert [p["org_unit_id"] for p in body["top_projects"]] == [world.unit("P-EAST-1"), world.unit("P-EAST-2")]
    south = overview(client, world, "rm_south")
    assert south["totals"] == {"created": 2, "resolved": 1, "open_now": 1, "overdue_now": 0, "major_open_now": 0}
    assert south["sla"] == {"response_total": 0, "response_met": 0, "response_rate": None,
                            "resolution_total": 0, "resolution_met": 0, "resolution_rate": None}
    assert south["satisfaction"] == {"count": 0, "average": None}
    assert south["top_projects"] == []
    assert south["trend"] == [{"week_start": "2025-03-03", "created": 0, "resolved": 1},
                              {"week_start": "2025-03-10", "created": 2, "resolved": 0}]
    project = overview(client, world, "pm1")
    assert project["totals"] == {"created": 3, "resolved": 2, "open_now": 2, "overdue_now": 1, "major_open_now": 1}
    whole = overview(client, world, org_unit_id=world.unit("HQ"))
    assert whole == overview(client, world)


def test_overview_by_ticket_type(client, world, tickets):
    body = overview(client, world, type=["complaint"])
    assert body["totals"] == {"created": 4, "resolved": 1, "open_now": 4, "overdue_now": 3, "major_open_now": 2}
    assert {t["key"]: t["count"] for t in body["by_type"]} == {
        "complaint": 4, "repair": 0, "inquiry": 0, "suggestion": 0, "praise": 0}
    repairs = overview(client, world, type=["repair", "inquiry"])
    assert repairs["totals"] == {"created": 2, "resolved": 2, "open_now": 1, "overdue_now": 0, "major_open_now": 0}
    assert repairs["top_projects"] == []


def test_overview_nothing_in_the_period(client, world, tickets):
    body = overview(client, world, date_from="2024-01-01", date_to="2024-01-07")
    assert body["totals"] == {"created": 0, "resolved": 0, "open_now": 5, "overdue_now": 3, "major_open_now": 2}
    assert body["by_category"] == []
    assert [s["count"] for s in body["by_status"]] == [0] * 6
    assert body["trend"] == [{"week_start": "2024-01-01", "created": 0, "resolved": 0}]


# --- weeks of the group's calendar --------------------------------------------------------------------------


def test_weeks_start_on_monday_in_shanghai(client, world):
    # Sunday 23:30 and Monday 00:30 in Shanghai are both Sunday in UTC: different weeks here.
    add_ticket(world, "P-EAST-1", "2025-03-09 23:30")
    add_ticket(world, "P-EAST-1", "2025-03-10 00:30")
    add_ticket(world, "P-EAST-1", "2025-03-16 23:59:59")
    add_ticket(world, "P-EAST-1", "2025-03-17 00:00")  # the Monday after: outside
    add_ticket(world, "P-EAST-1", "2025-03-02 23:59:59")  # the Sunday before: outside
    body = overview(client, world)
    assert body["trend"] == [{"week_start": "2025-03-03", "created": 1, "resolved": 0},
                             {"week_start": "2025-03-10", "created": 2, "resolved": 0}]
    assert body["totals"]["created"] == 3
    # A period starting mid-week: the first row is that week's Monday; days before the period don't count.
    body = overview(client, world, date_from="2025-03-05", date_to="2025-03-10")
    assert body["trend"] == [{"week_start": "2025-03-03", "created": 1, "resolved": 0},
                             {"week_start": "2025-03-10", "created": 1, "resolved": 0}]
    # One day.
    body = overview(client, world, date_from="2025-03-10", date_to="2025-03-10")
    assert body["trend"] == [{"week_start": "2025-03-10", "created": 1, "resolved": 0}]


def test_the_default_period_is_the_last_twelve_weeks(client, world):
    before = datetime.now(SH).date()
    body = get(client, world, OVERVIEW)
    today = date.fromisoformat(body["period"]["to"])
    assert today in (before, datetime.now(SH).date())
    first = date.fromisoformat(body["period"]["from"])
    assert first.weekday() == 0 and first == today - timedelta(days=today.weekday(), weeks=11)
    assert [w["week_start"] for w in body["trend"]] == [(first + timedelta(weeks=i)).isoformat() for i in range(12)]
    # Only date_to: the twelve weeks ending then; only date_from: up to today.
    assert get(client, world, OVERVIEW, date_to="2025-03-16")["period"] == {"from": "2024-12-23", "to": "2025-03-16"}
    assert get(client, world, OVERVIEW, date_from=first.isoformat())["period"]["to"] == today.isoformat()
    # A ticket created now is in it.
    add_ticket(world, "P-EAST-1", datetime.now(SH).replace(tzinfo=None).isoformat())
    assert get(client, world, OVERVIEW)["totals"]["created"] == 1


@pytest.mark.parametrize("query,field", [
    ({"date_from": "2025-03-17", "date_to": "2025-03-16"}, "date_to"),
    ({"date_from": "2024-01-01", "date_to": "2025-01-01"}, "date_from"),  # 367 days
    ({"date_from": "2000-01-01"}, "date_from"),  # to today: too long
    ({"date_from": "2999-01-01"}, "date_from"),  # after today
    ({"date_from": "2025-02-30"}, "date_from"),
    ({"date_to": "16/03/2025"}, "date_to"),
    ({"date_from": "1900-01-01", "date_to": "1900-01-02"}, "date_from"),
    ({"type": "complaint,repair"}, "type"),
    ({"org_unit_id": "0"}, "org_unit_id"),
])
@pytest.mark.parametrize("url,needed", ENDPOINTS)
def test_invalid_periods_and_arguments_answer_422(client, world, url, needed, query, field):
    body = assert_error(client.get(url, query_string={**needed, **query}, headers=world.headers("hq_crm")), 422)
    assert field in str(body["errors"]), body


def test_a_leap_year_is_one_period(client, world):
    body = get(client, world, OVERVIEW, date_from="2024-01-01", date_to="2024-12-31")  # 366 days
    assert len(body["trend"]) == 53


@pytest.mark.parametrize("query", [{}, {"dimension": "weekday"}, {"dimension": ""}])
def test_breakdown_needs_a_known_dimension(client, world, query):
    body = assert_error(client.get(BREAKDOWN, query_string=query, headers=world.headers("hq_crm")), 422)
    assert "dimension" in body["errors"]["query"]


# --- the breakdown -------------------------------------------------------------------------------------------


def test_breakdown_by_type(client, world, tickets):
    rows = breakdown(client, world, "type")
    assert rows == [row("complaint", 4, open=2, overdue=1, resolved=1, rate=0.5), row("inquiry", 1, open=1),
                    row("repair", 1, resolved=1, rate=0.0), row("suggestion", 1)]


def test_breakdown_by_status(client, world, tickets):
    rows = breakdown(client, world, "status")
    assert rows == [row("cancelled", 2), row("assigned", 1, open=1), row("closed", 1, resolved=1, rate=1.0),
                    row("in_progress", 1, open=1, overdue=1, rate=0.0), row("new", 1, open=1),
                    row("resolved", 1, resolved=1, rate=0.0)]


def test_breakdown_by_priority(client, world, tickets):
    rows = breakdown(client, world, "priority")
    assert rows == [row("normal", 4, open=2, resolved=1, rate=0.0), row("high", 1, resolved=1, rate=1.0),
                    row("low", 1), row("urgent", 1, open=1, overdue=1, rate=0.0)]


def test_breakdown_by_channel(client, world, tickets):
    rows = breakdown(client, world, "channel")
    assert rows == [row("phone", 3, open=1, resolved=1, rate=1.0), row("hotline", 1, open=1, overdue=1, rate=0.0),
                    row("walk_in", 1), row("web", 1, open=1), row("wechat", 1, resolved=1, rate=0.0)]


def test_breakdown_by_category_rolls_children_up(client, world, tickets):
    cats = world.categories()
    rows = breakdown(client, world, "category")
    assert_sorted(rows)
    assert by_key(rows) == by_key([
        row("none", 3, open=2),
        row(str(cats["construction_quality"]), 2, resolved=2, rate=0.5, label="工程质量"),
        row(str(cats["service_attitude"]), 1, open=1, overdue=1, rate=0.0, label="服务态度"),
        row(str(cats["property_management"]), 1, label="物业管理"),
    ])
    assert rows[0]["key"] == "none"


def test_breakdown_of_one_category_by_its_children(client, world, tickets):
    cats = world.categories()
    add_ticket(world, "P-EAST-2", "2025-03-07 09:00", type="repair", category="leakage", status="in_progress",
               responded="2025-03-07 09:30", response_due="2025-03-07 10:00")
    add_ticket(world, "P-EAST-2", "2025-03-07 10:00", type="repair", category="cracks")
    rows = breakdown(client, world, "category", category_id=cats["construction_quality"])
    assert rows == [row(str(cats["leakage"]), 2, open=1, resolved=1, rate=1.0, label="渗漏"),
                    *sorted([row(str(cats["construction_quality"]), 1, resolved=1, rate=0.0, label="工程质量"),
                             row(str(cats["cracks"]), 1, open=1, label="开裂空鼓")], key=lambda r: r["key"])]
    # A leaf: its own tickets only, under its own key.
    assert breakdown(client, world, "category", category_id=cats["leakage"]) == [
        row(str(cats["leakage"]), 2, open=1, resolved=1, rate=1.0, label="渗漏")]
    # The category filter narrows other dimensions too.
    assert breakdown(client, world, "project", category_id=cats["construction_quality"]) == [
        row(str(world.unit("P-EAST-1")), 2, resolved=2, rate=0.5, label="上海·滨江壹号"),
        row(str(world.unit("P-EAST-2")), 2, open=2, label="杭州·西溪云庐")]
    # Another group's category, or none at all: 404.
    beta_leakage = world.categories("beta")["leakage"]
    for unknown in (beta_leakage, 999999):
        assert_error(client.get(BREAKDOWN, query_string={"dimension": "category", "category_id": unknown},
                                headers=world.headers("hq_crm")), 404)


def test_breakdown_of_a_grandchild_tree(client, world):
    """Three levels: a grandchild counts in its top-level category, and in its parent under that."""
    cats = world.categories()
    created = client.post(api("/categories"), headers=world.headers("hq_crm"),
                          json={"code": "roof_leak", "name": "屋面渗漏", "parent_id": cats["leakage"]})
    assert created.status_code == 201, created.get_json()
    add_ticket(world, "P-EAST-1", "2025-03-04 09:00", type="repair", category="roof_leak")
    assert breakdown(client, world, "category") == [row(str(cats["construction_quality"]), 1, open=1, label="工程质量")]
    assert breakdown(client, world, "category", category_id=cats["construction_quality"]) == [
        row(str(cats["leakage"]), 1, open=1, label="渗漏")]
    assert overview(client, world)["by_category"] == [
        {"key": str(cats["construction_quality"]), "label": "工程质量", "count": 1}]


def test_breakdown_by_project_and_region(client, world, tickets):
    projects = breakdown(client, world, "project")
    assert projects == [row(str(world.unit("P-EAST-1")), 3, open=1, resolved=2, rate=0.5, label="上海·滨江壹号"),
                        *sorted([row(str(world.unit("P-EAST-2")), 2, open=1, overdue=1, rate=0.0, label="杭州·西溪云庐"),
                                 row(str(world.unit("P-SOUTH-1")), 2, open=1, label="深圳·前海湾")],
                                key=lambda r: r["key"])]
    assert breakdown(client, world, "region") == [
        row(str(world.unit("EAST")), 5, open=2, overdue=1, resolved=2, rate=0.3333, label="华东区域"),
        row(str(world.unit("SOUTH")), 2, open=1, label="华南区域")]
    # A region manager: their region, its projects.
    assert breakdown(client, world, "region", "rm_east") == [
        row(str(world.unit("EAST")), 5, open=2, overdue=1, resolved=2, rate=0.3333, label="华东区域")]
    assert {r["key"] for r in breakdown(client, world, "project", "rm_east")} == {
        str(world.unit("P-EAST-1")), str(world.unit("P-EAST-2"))}
    assert breakdown(client, world, "project", "rm_south") == [
        row(str(world.unit("P-SOUTH-1")), 2, open=1, label="深圳·前海湾")]
    # Narrowed to one project.
    assert breakdown(client, world, "region", org_unit_id=world.unit("P-EAST-2")) == [
        row(str(world.unit("EAST")), 2, open=1, overdue=1, rate=0.0, label="华东区域")]


def test_every_dimension_adds_up_to_the_overview(client, world, tickets):
    totals = overview(client, world)["totals"]
    for dimension in ("type", "status", "priority", "channel", "category", "project", "region"):
        rows = breakdown(client, world, dimension)
        assert_sorted(rows)
        assert sum(r["count"] for r in rows) == totals["created"], dimension
        assert sum(r["overdue"] for r in rows) == 1, dimension  # C: the only overdue one created in the period


# --- scope ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url,needed", ENDPOINTS)
def test_scope(client, world, tickets, url, needed):
    def status(who, tenant="alpha", **query):
        return client.get(url, query_string={**needed, **query}, headers=world.headers(who, tenant)).status_code

    east, south, hq = world.unit("EAST"), world.unit("SOUTH"), world.unit("HQ")
    # Outside the caller's report.read reach, or not a unit at all: 404.
    assert status("rm_east", org_unit_id=south) == 404
    assert status("rm_east", org_unit_id=world.unit("P-SOUTH-1")) == 404
    assert status("rm_east", org_unit_id=hq) == 404
    assert status("rm_south", org_unit_id=east) == 404
    assert status("pm1", org_unit_id=world.unit("P-EAST-2")) == 404
    assert status("hq_crm", org_unit_id=world.unit("B-PROJECT", "beta")) == 404
    assert status("hq_crm", org_unit_id=999999) == 404
    assert status("rm_east", org_unit_id=east) == 200
    assert status("rm_east", org_unit_id=world.unit("P-EAST-1")) == 200
    # Without report.read: 403, whatever the unit.
    for who in ("eng1", "admin", "pa1", "pa3"):
        assert_error(client.get(url, query_string=needed, headers=world.headers(who)), 403)
        assert_error(client.get(url, query_string={**needed, "org_unit_id": south}, headers=world.headers(who)), 403)
    assert_error(client.get(url, query_string=needed, headers=world.headers("root")), 403)
    assert_error(client.get(url, query_string=needed, headers=world.headers("admin", "beta")), 403)


def test_another_group_sees_only_its_own(client, world, tickets):
    viewer = client.post(api(f"/users/{world.user('admin', 'beta')}/memberships"),
                         headers=world.headers("admin", "beta"),
                         json={"org_unit_id": world.unit("HQ", "beta"), "role": "viewer"})
    assert viewer.status_code == 201, viewer.get_json()
    body = overview(client, world, "admin", "beta")
    assert body["totals"] == {"created": 1, "resolved": 0, "open_now": 1, "overdue_now": 0, "major_open_now": 0}
    assert body["top_projects"] == [{"org_unit_id": world.unit("B-PROJECT", "beta"), "name": "天津·海河湾",
                                     "open_complaints": 1}]
    assert breakdown(client, world, "region", "admin", "beta") == [
        row(str(world.unit("B-REGION", "beta")), 1, open=1, label="北方区域")]
    for unit in ("EAST", "P-EAST-1", "HQ"):
        for url, needed in ENDPOINTS:
            assert_error(client.get(url, query_string={**needed, "org_unit_id": world.unit(unit)},
                                    headers=world.headers("admin", "beta")), 404)


# --- statement count ----------------------------------------------------------------------------------------


def test_the_statements_do_not_grow_with_tickets_or_projects(app, client, world, tickets):
    engine = app.extensions["servicehub.db"].engine
    statements: list[str] = []

    def counting(_conn, _cursor, statement, *_args):
        statements.append(statement)

    calls = [(OVERVIEW, {}), (OVERVIEW, {"type": ["complaint", "repair"]}), (OVERVIEW, {"org_unit_id": world.unit("EAST")})]
    calls += [(BREAKDOWN, {"dimension": d}) for d in ("type", "status", "priority", "channel", "category", "project",
                                                       "region")]
    calls += [(BREAKDOWN, {"dimension": "category", "category_id": world.categories()["construction_quality"]})]

    def measure() -> list[int]:
        counts = []
        for who in ("hq_crm", "rm_east"):
            headers = world.headers(who)
            for url, query in calls:
                if who == "rm_east" and "org_unit_id" in query:
                    continue
                statements.clear()
                event.listen(engine, "before_cursor_execute", counting)
                try:
                    response = client.get(url, query_string={**PERIOD, **query}, headers=headers)
                finally:
                    event.remove(engine, "before_cursor_execute", counting)
                assert response.status_code == 200, response.get_json()
                counts.append(len(statements))
        return counts

    before = measure()
    # Ten more projects in each region, and sixty more tickets over them and every category.
    cats = list(world.categories().values())
    for region in ("EAST", "SOUTH"):
        for i in range(10):
            created = client.post(api("/org-units"), headers=world.headers("admin"), json={
                "kind": "project", "parent_id": world.unit(region), "name": f"{region} {i}", "code": f"{region}-X{i}"})
            assert created.status_code == 201, created.get_json()
            world.units[("alpha", f"{region}-X{i}")] = created.get_json()["id"]
    codes = {v: k for k, v in world.categories().items()}
    for i in range(60):
        region = ("EAST", "SOUTH")[i % 2]
        add_ticket(world, f"{region}-X{i % 10}", f"2025-03-{3 + i % 14:02d} 09:00",
                   type=("complaint", "repair", "inquiry")[i % 3], status=("new", "in_progress", "closed")[i % 3],
                   category=codes[cats[i % len(cats)]], resolved="2025-03-16 09:00" if i % 3 == 2 else None)
    after = measure()
    assert before == after
    assert max(before) <= 12, before  # authentication included
