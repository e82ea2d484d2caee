"""/api/v1/contractors/scorecard (维修单位考核) and its XLSX export: the bonus / penalty arithmetic
against a hand-computed table, ranks with ties, the bottom flagged (末位淘汰), the period's edges in
the group's calendar (Asia/Shanghai), validation, scope and the statement count.

The jobs are written straight to the database (a done work order, its repair ticket, the ticket's
completed resolution callback, a reopen event), every column as the table says. October 2026:

  region EAST                                  cost       score  bonus (half up, per job)   notes
    A 甲级防水   P-EAST-1   a1                  1000.00     5      +20.00                     on time
                            a2                   333.33     4       +3.33  (3.3333)           late; reopened after
                            a3                    12.25     3       -0.12  (-0.1225)          on time; reopened before
                            a4                     0.25     2       -0.01  (-0.005)           on time
                            a5                    10.10     1       -0.51  (-0.505)           on time
                            a6                     1.25     5       +0.03  (0.025)            on time
                            a7                   250.00     —        0                        late (no callback)
                            a8                        —     5        0                        on time (no cost)
                 → 8 jobs, 6 on time, 7 scored (sum 25: 3.57), 1 reopened, cost 1607.18, bonus +22.72
    B 乙方水电   P-EAST-2   one job 5                                            → 5.00, rank 1
    C 丙门窗     P-EAST-1   two jobs 4, 4                                        → 4.00, rank 2
    D 丁装修     P-EAST-2   5, 3; another job with a pending callback (unscored) → 4.00, rank 2
    A                                                                            → 3.57, rank 4
    M 双区综合   P-EAST-2   3                                                    → 3.00, rank 5, flagged
    F 戊综合     P-EAST-1   one job, the callback unreached (no score)           → rank null
    E 己电气     serves EAST, active, no job                                     → jobs 0, rank null
    X 庚停用     serves EAST, inactive, no job                                   → absent
    Y 辛停用     inactive now, a job in P-EAST-1 (no callback)                   → present, rank null

  region SOUTH
    G 壬防水 5 → rank 1;  H 癸水电 3, I 子门窗 3, M 3 → all rank 2, all flagged (a tie at the bottom)
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from servicehub.callbacks.models import Callback, CallbackKind, CallbackStatus
from servicehub.contractors.scorecard import BONUS_PERCENT, flagged_ranks, job_bonus, parse_period
from servicehub.db import bind_tenant
from servicehub.extensions import db
from servicehub.properties.warranty import Component, Reason
from servicehub.tickets.enums import Channel, Priority, Status, TicketType
from servicehub.tickets.models import Ticket, TicketEvent
from servicehub.work_orders.models import WorkOrder
from servicehub.work_orders.workflow import WorkOrderStatus
from tests.customers.test_api import count_statements
from tests.repairs import new_contractor
from tests.scope_tools import api, assert_error

SCORECARD = api("/contractors/scorecard")
EXPORT = api("/contractors/scorecard/export")
SH = ZoneInfo("Asia/Shanghai")
_numbers = count(1)


def at(text: str) -> datetime:
    """'2026-10-05 10:00' in Shanghai → an aware moment."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def add_job(world, contractor_id: int, unit: str, finished: str, *, cost: str | None = "100.00",
            score: int | None = None, callback: str = "completed", on_time: bool = True,
            reopened: str | None = None, status: str = "done", tenant: str = "alpha") -> int:
    """A done work order of `contractor_id` in `unit`, finished at `finished` (Shanghai), on its own repair
    ticket (resolve due an hour after or before the finish), with the ticket's resolution callback
    (`callback` status, `score`; none when `score` is None and `callback` is "completed") and a
    `reopened` event at `reopened`. Returns the work order's id."""
    done_at = at(finished)
    with world.app.app_context():
        session = db.session
        bind_tenant(session, world.tenants[tenant])
        responder = world.user("pa1")
        ticket = Ticket(
            tenant_id=world.tenants[tenant], org_unit_id=world.unit(unit, tenant), number=f"S-{next(_numbers):06d}",
            type=TicketType.repair, channel=Channel.phone, priority=Priority.normal, status=Status.closed,
            title="卫生间漏水", description="主卫天花渗水", first_responder_id=responder,
            created_at=done_at - timedelta(days=2), updated_at=done_at,
            response_due_at=done_at - timedelta(days=1),
            resolve_due_at=done_at + timedelta(hours=1 if on_time else -1),
            resolved_at=done_at, closed_at=done_at + timedelta(days=1), satisfaction=score,
            reopen_count=1 if reopened else 0)
        session.add(ticket)
        session.flush()
        order = WorkOrder(
            tenant_id=ticket.tenant_id, org_unit_id=ticket.org_unit_id, ticket_id=ticket.id,
            contractor_id=contractor_id, supervisor_id=world.user("eng1"), dispatched_by_id=world.user("pm1"),
            status=WorkOrderStatus(status), trade="waterproofing", component=Component.waterproofing,
            finished_at=done_at if status == "done" else None, cost=Decimal(cost) if cost else None,
            result="已修复", in_warranty=True, warranty_reason=Reason.in_warranty)
        session.add(order)
        if score is not None or callback != "completed":
            session.add(Callback(
                tenant_id=ticket.tenant_id, org_unit_id=ticket.org_unit_id, ticket_id=ticket.id,
                kind=CallbackKind.resolution, status=CallbackStatus(callback), due_at=done_at + timedelta(days=1),
                created_at=done_at,
                attempts=1, satisfaction=score if callback == "completed" else None,
                completed_at=done_at + timedelta(days=1) if callback != "pending" else None))
        if reopened:
            session.add(TicketEvent(tenant_id=ticket.tenant_id, ticket_id=ticket.id, at=at(reopened),
                                    actor_name="system", kind="reopened", data={"from": "closed", "to": "in_progress"}))
        session.commit()
        return order.id


def db_contractor(world, tenant: str, unit: str, name: str) -> int:
    """A contractor written straight to the database (beta has nobody who manages contractors)."""
    from servicehub.contractors.models import Contractor, ContractorUnit

    with world.app.app_context():
        session = db.session
        bind_tenant(session, world.tenants[tenant])
        row = Contractor(tenant_id=world.tenants[tenant], name=name, trades=["general"],
                         contract_start=datetime(2026, 1, 1).date(), contract_end=datetime(2027, 12, 31).date())
        row.units = [ContractorUnit(tenant_id=world.tenants[tenant], org_unit_id=world.unit(unit, tenant))]
        session.add(row)
        session.commit()
        return row.id


def contractor(client, world, name, *units, **fields) -> int:
    return new_contractor(client, world, *(units or ("EAST",)), name=name, **fields)["id"]


def october(client, world) -> dict[str, int]:
    """The table of the module docstring."""
    c = {
        "A": contractor(client, world, "甲级防水"),
        "B": contractor(client, world, "乙方水电"),
        "C": contractor(client, world, "丙门窗"),
        "D": contractor(client, world, "丁装修"),
        "M": contractor(client, world, "双区综合", "EAST", "SOUTH"),
        "F": contractor(client, world, "戊综合", "P-EAST-1"),
        "E": contractor(client, world, "己电气", "P-EAST-2"),
        "X": contractor(client, world, "庚停用", is_active=False),
        "Y": contractor(client, world, "辛停用"),
        "G": contractor(client, world, "壬防水", "SOUTH"),
        "H": contractor(client, world, "癸水电", "SOUTH"),
        "I": contractor(client, world, "子门窗", "SOUTH"),
    }
    a = c["A"]
    add_job(world, a, "P-EAST-1", "2026-10-03 10:00", cost="1000.00", score=5)
    add_job(world, a, "P-EAST-1", "2026-10-04 10:00", cost="333.33", score=4, on_time=False,
            reopened="2026-10-06 09:00")
    add_job(world, a, "P-EAST-1", "2026-10-05 10:00", cost="12.25", score=3, reopened="2026-10-05 09:00")
    add_job(world, a, "P-EAST-1", "2026-10-06 10:00", cost="0.25", score=2)
    add_job(world, a, "P-EAST-1", "2026-10-07 10:00", cost="10.10", score=1)
    add_job(world, a, "P-EAST-1", "2026-10-08 10:00", cost="1.25", score=5)
    add_job(world, a, "P-EAST-1", "2026-10-09 10:00", cost="250.00", on_time=False)
    add_job(world, a, "P-EAST-1", "2026-10-10 10:00", cost=None, score=5)
    add_job(world, c["B"], "P-EAST-2", "2026-10-11 10:00", score=5)
    add_job(world, c["C"], "P-EAST-1", "2026-10-12 10:00", score=4)
    add_job(world, c["C"], "P-EAST-1", "2026-10-13 10:00", score=4)
    add_job(world, c["D"], "P-EAST-2", "2026-10-14 10:00", score=5)
    add_job(world, c["D"], "P-EAST-2", "2026-10-15 10:00", score=3)
    add_job(world, c["D"], "P-EAST-2", "2026-10-16 10:00", score=None, callback="pending")
    add_job(world, c["M"], "P-EAST-2", "2026-10-17 10:00", score=3)
    add_job(world, c["F"], "P-EAST-1", "2026-10-18 10:00", score=None, callback="unreached")
    add_job(world, c["Y"], "P-EAST-1", "2026-10-19 10:00")
    client.patch(api(f"/contractors/{c['Y']}"), headers=world.headers("hq_crm"), json={"is_active": False})
    add_job(world, c["G"], "P-SOUTH-1", "2026-10-20 10:00", score=5)
    add_job(world, c["H"], "P-SOUTH-1", "2026-10-21 10:00", score=3)
    add_job(world, c["I"], "P-SOUTH-1", "2026-10-22 10:00", score=3)
    add_job(world, c["M"], "P-SOUTH-1", "2026-10-23 10:00", score=3)
    # Not jobs of October: not done, another month, another group.
    add_job(world, a, "P-EAST-1", "2026-10-24 10:00", score=1, status="on_site")
    add_job(world, a, "P-EAST-1", "2026-11-02 10:00", score=1)
    beta = db_contractor(world, "beta", "B-REGION", "北方防水")
    add_job(world, beta, "B-PROJECT", "2026-10-05 10:00", score=1, tenant="beta")
    return c


def get(client, world, who="hq_crm", tenant="alpha", url=SCORECARD, **query):
    query.setdefault("period", "2026-10")
    return client.get(url, query_string=query, headers=world.headers(who, tenant))


def body(client, world, who="hq_crm", **query) -> dict:
    response = get(client, world, who, **query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by_name(rows) -> dict[tuple[str, str], dict]:
    return {(r["region_name"], r["contractor_name"]): r for r in rows}


# --- the rules -------------------------------------------------------------------------------------------------


def test_the_bonus_table_and_half_up_rounding_per_job():
    assert BONUS_PERCENT == {5: 2, 4: 1, 3: -1, 2: -2, 1: -5}
    table = [("1000.00", 5, "20.00"), ("333.33", 4, "3.33"), ("12.25", 3, "-0.12"), ("0.25", 2, "-0.01"),
             ("10.10", 1, "-0.51"), ("1.25", 5, "0.03"), ("0.75", 4, "0.01"), ("0.49", 1, "-0.02"),
             ("99999.99", 1, "-5000.00"), ("0.00", 5, "0.00")]
    for cost, score, expected in table:
        assert job_bonus(Decimal(cost), score) == Decimal(expected), (cost, score)


@pytest.mark.parametrize("ranks,flagged", [
    ([1], set()),  # one ranked contractor: nobody to compare with
    ([1, 2], {2}),
    ([1, 2, 2, 4], {4}),
    ([1, 2, 3, 3], {3}),  # a tie at the bottom: both
    ([1, 2, 2, 2], {2}),
    ([1, 1], {1}),  # all equal: the bottom position is everyone's rank
    (list(range(1, 11)), {10}),  # ceil(10 % of 10) = 1
    (list(range(1, 12)), {10, 11}),  # ceil(10 % of 11) = 2
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9], {9}),
    (list(range(1, 21)), {19, 20}),
])
def test_the_bottom_positions_are_flagged_with_their_ties(ranks, flagged):
    assert flagged_ranks(ranks) == flagged


@pytest.mark.parametrize("text,first,last", [
    ("2026-10", "2026-10-01", "2026-10-31"), ("2024-02", "2024-02-01", "2024-02-29"),
    ("2026-12", "2026-12-01", "2026-12-31"), ("2026-Q1", "2026-01-01", "2026-03-31"),
    ("2026-Q4", "2026-10-01", "2026-12-31"), ("2026", "2026-01-01", "2026-12-31"),
])
def test_periods(text, first, last):
    period = parse_period(text)
    assert (period.first.isoformat(), period.last.isoformat(), period.label) == (first, last, text)
    assert period.start == at(f"{first} 00:00")


# --- the scorecard -----------------------------------------------------------------------------------------------


def test_the_hand_computed_table(client, world):
    c = october(client, world)
    result = body(client, world, org_unit_id=world.unit("HQ"))
    assert (result["period"], result["starts_on"], result["ends_on"], result["org_unit_id"]) == (
        "2026-10", "2026-10-01", "2026-10-31", world.unit("HQ"))
    rows = by_name(result["rows"])
    a = rows[("华东区域", "甲级防水")]
    assert a == {
        "region_id": world.unit("EAST"), "region_name": "华东区域", "contractor_id": c["A"],
        "contractor_name": "甲级防水", "trades": ["waterproofing", "plumbing"],
        "jobs": 8, "on_time_jobs": 6, "on_time_rate": 0.75, "scored_jobs": 7, "avg_satisfaction": 3.57,
        "reopened_jobs": 1, "reopen_rate": 0.125, "cost_total": "1607.18", "bonus_penalty": "22.72",
        "rank": 4, "ranked_in_region": 5, "flagged": False,
    }
    # The order: region by code (EAST, SOUTH), then rank (unranked last), then name.
    order = [(r["region_name"], r["contractor_name"], r["rank"], r["flagged"]) for r in result["rows"]]
    assert order == [
        ("华东区域", "乙方水电", 1, False),
        ("华东区域", "丁装修", 2, False), ("华东区域", "丙门窗", 2, False),
        ("华东区域", "甲级防水", 4, False),
        ("华东区域", "双区综合", 5, True),
        ("华东区域", "己电气", None, False), ("华东区域", "戊综合", None, False), ("华东区域", "辛停用", None, False),
        ("华南区域", "壬防水", 1, False),
        ("华南区域", "双区综合", 2, True), ("华南区域", "子门窗", 2, True), ("华南区域", "癸水电", 2, True),
    ]


def test_each_row_as_computed(client, world):
    october(client, world)
    rows = by_name(body(client, world)["rows"])
    figures = {key: (r["jobs"], r["scored_jobs"], r["avg_satisfaction"], r["rank"], r["ranked_in_region"],
                     r["flagged"], r["bonus_penalty"], r["cost_total"]) for key, r in rows.items()}
    assert figures == {
        ("华东区域", "乙方水电"): (1, 1, 5.0, 1, 5, False, "2.00", "100.00"),
        ("华东区域", "丙门窗"): (2, 2, 4.0, 2, 5, False, "2.00", "200.00"),
        ("华东区域", "丁装修"): (3, 2, 4.0, 2, 5, False, "1.00", "300.00"),
        ("华东区域", "甲级防水"): (8, 7, 3.57, 4, 5, False, "22.72", "1607.18"),
        ("华东区域", "双区综合"): (1, 1, 3.0, 5, 5, True, "-1.00", "100.00"),
        ("华东区域", "戊综合"): (1, 0, None, None, 5, False, "0.00", "100.00"),
        ("华东区域", "辛停用"): (1, 0, None, None, 5, False, "0.00", "100.00"),
        ("华东区域", "己电气"): (0, 0, None, None, 5, False, "0.00", "0.00"),
        ("华南区域", "壬防水"): (1, 1, 5.0, 1, 4, False, "2.00", "100.00"),
        ("华南区域", "癸水电"): (1, 1, 3.0, 2, 4, True, "-1.00", "100.00"),
        ("华南区域", "子门窗"): (1, 1, 3.0, 2, 4, True, "-1.00", "100.00"),
        ("华南区域", "双区综合"): (1, 1, 3.0, 2, 4, True, "-1.00", "100.00"),
    }
    idle = rows[("华东区域", "己电气")]
    assert (idle["on_time_rate"], idle["reopen_rate"]) == (None, None)


def test_a_contractor_serving_two_regions_has_a_row_in_each_with_that_regions_jobs(client, world):
    both = contractor(client, world, "双区综合", "EAST", "SOUTH")
    add_job(world, both, "P-EAST-1", "2026-10-03 10:00", cost="200.00", score=5)
    add_job(world, both, "P-EAST-2", "2026-10-04 10:00", cost="100.00", score=4)
    add_job(world, both, "P-SOUTH-1", "2026-10-05 10:00", cost="50.00", score=1, reopened="2026-10-06 10:00")
    rows = by_name(body(client, world)["rows"])
    east, south = rows[("华东区域", "双区综合")], rows[("华南区域", "双区综合")]
    assert (east["jobs"], east["avg_satisfaction"], east["cost_total"], east["bonus_penalty"], east["reopened_jobs"]) \
        == (2, 4.5, "300.00", "5.00", 0)
    assert (south["jobs"], south["avg_satisfaction"], south["cost_total"], south["bonus_penalty"],
            south["reopened_jobs"]) == (1, 1.0, "50.00", "-2.50", 1)
    assert east["rank"] == south["rank"] == 1 and not east["flagged"] and not south["flagged"]  # alone: no flag
    # Each region's manager sees their row only.
    (only_east,) = body(client, world, "rm_east")["rows"]
    assert only_east == east
    (only_south,) = body(client, world, "rm_south")["rows"]
    assert only_south == south


def test_the_periods_edges_in_the_groups_calendar(client, world):
    c = contractor(client, world, "边界防水")
    add_job(world, c, "P-EAST-1", "2026-09-30 23:59:59", score=1)
    add_job(world, c, "P-EAST-1", "2026-10-01 00:00", score=2)
    add_job(world, c, "P-EAST-1", "2026-10-31 23:59", score=3)
    add_job(world, c, "P-EAST-1", "2026-11-01 00:00", score=4)
    add_job(world, c, "P-EAST-1", "2026-12-31 23:59:59", score=5)
    add_job(world, c, "P-EAST-1", "2027-01-01 00:00", score=5)

    def figures(period):
        result = body(client, world, "rm_east", period=period)
        (row,) = result["rows"]
        return result["starts_on"], result["ends_on"], row["jobs"], row["avg_satisfaction"]

    assert figures("2026-10") == ("2026-10-01", "2026-10-31", 2, 2.5)  # 10-31 23:59 in, 11-01 00:00 out
    assert figures("2026-11") == ("2026-11-01", "2026-11-30", 1, 4.0)
    assert figures("2026-09") == ("2026-09-01", "2026-09-30", 1, 1.0)
    assert figures("2026-Q3") == ("2026-07-01", "2026-09-30", 1, 1.0)
    assert figures("2026-Q4") == ("2026-10-01", "2026-12-31", 4, 3.5)
    assert figures("2026") == ("2026-01-01", "2026-12-31", 5, 3.0)
    assert figures("2027-Q1") == ("2027-01-01", "2027-03-31", 1, 5.0)
    # An active contractor of the region without a job in the period still has its row.
    assert figures("2025") == ("2025-01-01", "2025-12-31", 0, None)


@pytest.mark.parametrize("period", ["2026-13", "2026-00", "2026-Q5", "2026-Q0", "26-10", "2026-1", "2026-10-01",
                                    "2026/10", "", "1969", "9999", "２０２６", "2026-q4", "2026-10\n"])
def test_a_bad_period_is_a_field_error(client, world, period):
    errors = assert_error(get(client, world, period=period), 422)["errors"]
    assert "period" in errors["query"]


def test_the_period_is_required(client, world):
    response = client.get(SCORECARD, headers=world.headers("hq_crm"))
    assert "period" in assert_error(response, 422)["errors"]["query"]


def test_a_project_is_refused_the_scorecard_ranks_within_a_region(client, world):
    for who in ("hq_crm", "rm_east"):
        for url in (SCORECARD, EXPORT):
            errors = assert_error(get(client, world, who, url=url, org_unit_id=world.unit("P-EAST-1")), 422)["errors"]
            assert "org_unit_id" in errors


def test_scope(client, world):
    october(client, world)
    hq = body(client, world)
    assert hq["org_unit_id"] == world.unit("HQ")
    assert {r["region_name"] for r in hq["rows"]} == {"华东区域", "华南区域"}
    assert "北方防水" not in {r["contractor_name"] for r in hq["rows"]}
    south = body(client, world, "rm_south")
    assert south["org_unit_id"] == world.unit("SOUTH")
    assert [r["region_name"] for r in south["rows"]] == ["华南区域"] * 4
    assert south["rows"] == [r for r in hq["rows"] if r["region_name"] == "华南区域"]
    assert body(client, world, "rm_south", org_unit_id=world.unit("SOUTH")) == south
    assert body(client, world, "hq_crm", org_unit_id=world.unit("EAST"))["rows"] == \
        [r for r in hq["rows"] if r["region_name"] == "华东区域"]
    for url in (SCORECARD, EXPORT):
        # Another region, the hq above one's region, another group's region or hq: not found.
        for who, unit in (("rm_south", world.unit("EAST")), ("rm_south", world.unit("HQ")),
                          ("rm_east", world.unit("SOUTH")), ("hq_crm", world.unit("B-REGION", "beta")),
                          ("hq_crm", world.unit("HQ", "beta")), ("hq_crm", 999999)):
            assert_error(get(client, world, who, url=url, org_unit_id=unit), 404)
        # Without contractor.manage: forbidden, wherever.
        for who in ("pm1", "pa1", "eng1", "ra_east", "viewer", "admin"):
            assert_error(get(client, world, who, url=url), 403)
            assert_error(get(client, world, who, url=url, org_unit_id=world.unit("EAST")), 403)
        assert_error(get(client, world, "pa_b", "beta", url=url), 403)


def test_the_statements_do_not_grow_with_contractors_or_jobs(app, client, world):
    first = contractor(client, world, "甲级防水")
    add_job(world, first, "P-EAST-1", "2026-10-03 10:00", score=5)
    headers = world.headers("hq_crm")
    call = lambda: client.get(SCORECARD, query_string={"period": "2026-10"}, headers=headers)  # noqa: E731
    small, few = count_statements(app, call)
    assert small.status_code == 200 and len(small.get_json()["rows"]) == 1
    october(client, world)
    large, many = count_statements(app, call)
    assert large.status_code == 200 and len(large.get_json()["rows"]) == 13
    assert few == many


def test_the_export_holds_the_same_rows(client, world):
    from openpyxl import load_workbook

    october(client, world)
    shown = body(client, world)["rows"]
    response = get(client, world, url=EXPORT, period="2026-10")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == 'attachment; filename="scorecard-2026-10.xlsx"'
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert len(workbook.worksheets) == 1
    sheet = workbook.worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0] == ("区域", "维修单位", "工种", "完工单数", "及时完工率", "已评价", "平均满意度", "返修率",
                        "维修金额", "奖惩金额", "排名", "末位")
    assert len(lines) == 1 + len(shown)
    assert [(line[0], line[1], line[10]) for line in lines[1:]] == \
        [(r["region_name"], r["contractor_name"], r["rank"]) for r in shown]
    a = next(n for n, line in enumerate(lines) if line[1] == "甲级防水")
    assert lines[a] == ("华东区域", "甲级防水", "防水、给排水", 8, 0.75, 7, 3.57, 0.125, 1607.18, 22.72, 4, None)
    flagged = next(n for n, line in enumerate(lines) if line[:2] == ("华东区域", "双区综合"))
    assert lines[flagged][9:] == (-1, 5, "是")
    idle = next(line for line in lines if line[1] == "己电气")
    assert idle[3:] == (0, None, 0, None, None, 0, 0, None, None)
    row = sheet[a + 1]
    assert row[4].number_format == "0.0%" and row[7].number_format == "0.0%"
    assert row[8].number_format == "#,##0.00" and row[6].number_format == "0.00"
    fill = lambda cells: {c.fill.fgColor.rgb for c in cells}  # noqa: E731
    assert fill(sheet[flagged + 1]) == {"00FFC7CE"}
    assert "00FFC7CE" not in fill(row)
    # The region manager's file holds their region's rows only.
    south = load_workbook(io.BytesIO(get(client, world, "rm_south", url=EXPORT).get_data())).worksheets[0]
    assert {line[0] for line in list(south.iter_rows(values_only=True))[1:]} == {"华南区域"}


def test_a_callback_with_a_low_score_counts_as_a_reopen_end_to_end(client, world):
    """Through the API: dispatch, finish with a cost, resolve, a callback with a 2: the job is scored 2,
    penalised 2 % and counted as reopened in this month's scorecard."""
    from tests.callbacks.test_api import complete, rows as callback_rows
    from tests.repairs import dispatch, repair_ticket
    from tests.tickets.states import ticket_url

    east = contractor(client, world, "华东防水")
    ticket = repair_ticket(client, world)
    order = dispatch(client, world, ticket["id"], east).get_json()
    headers = world.headers("pm1")
    assert client.patch(api(f"/work-orders/{order['id']}"), headers={**headers, "If-Match": '"1"'},
                        json={"cost": "1234.50"}).status_code == 200
    for to in ("accepted", "on_site", "done"):
        moved = client.post(api(f"/work-orders/{order['id']}/transitions"), headers=headers,
                            json={"to": to, "result": "已修复"} if to == "done" else {"to": to})
        assert moved.status_code == 200, moved.get_json()
    finished = datetime.fromisoformat(moved.get_json()["finished_at"]).astimezone(SH)
    assert client.post(ticket_url(ticket["id"], "/transitions"), headers=headers,
                       json={"to": "resolved"}).status_code == 200
    (callback,) = callback_rows(world, Callback, Callback.ticket_id == ticket["id"],
                                Callback.kind == CallbackKind.resolution)
    done = complete(client, world, callback.id, reached=True,
                    satisfaction={"timeliness": 2, "quality": 3, "attitude": 4})
    assert done.status_code == 200, done.get_json()
    period = finished.strftime("%Y-%m")
    (row,) = body(client, world, "rm_east", period=period)["rows"]
    assert (row["jobs"], row["scored_jobs"], row["avg_satisfaction"], row["reopened_jobs"], row["cost_total"],
            row["bonus_penalty"], row["rank"], row["flagged"]) == (1, 1, 2.0, 1, "1234.50", "-24.69", 1, False)


def test_each_job_of_a_reopened_ticket_is_judged_by_the_callback_that_followed_it(client, world):
    """The owner gives 2 after the first repair (the ticket reopens), 5 after the second: two jobs, one
    scored 2 (reopened after it), one scored 5 — not both jobs with both scores."""
    from tests.callbacks.test_api import complete, rows as callback_rows
    from tests.repairs import dispatch, repair_ticket
    from tests.tickets.states import ticket_url

    east = contractor(client, world, "华东防水")
    ticket = repair_ticket(client, world)
    headers = world.headers("pm1")

    def repair_and_call_back(cost: str, scores: dict) -> datetime:
        order = dispatch(client, world, ticket["id"], east).get_json()
        assert client.patch(api(f"/work-orders/{order['id']}"), headers={**headers, "If-Match": '"1"'},
                            json={"cost": cost}).status_code == 200
        for to in ("accepted", "on_site", "done"):
            moved = client.post(api(f"/work-orders/{order['id']}/transitions"), headers=headers,
                                json={"to": to, "result": "已修复"} if to == "done" else {"to": to})
            assert moved.status_code == 200, moved.get_json()
        resolved = client.post(ticket_url(ticket["id"], "/transitions"), headers=headers, json={"to": "resolved"})
        assert resolved.status_code == 200, resolved.get_json()
        pending = [c for c in callback_rows(world, Callback, Callback.ticket_id == ticket["id"],
                                            Callback.kind == CallbackKind.resolution)
                   if c.status == CallbackStatus.pending]
        assert len(pending) == 1
        done = complete(client, world, pending[0].id, reached=True, satisfaction=scores)
        assert done.status_code == 200, done.get_json()
        return datetime.fromisoformat(moved.get_json()["finished_at"]).astimezone(SH)

    first = repair_and_call_back("1234.50", {"timeliness": 2, "quality": 3, "attitude": 4})
    second = repair_and_call_back("1000.00", {"timeliness": 5, "quality": 5, "attitude": 5})
    assert first.strftime("%Y-%m") == second.strftime("%Y-%m")
    (row,) = body(client, world, "rm_east", period=first.strftime("%Y-%m"))["rows"]
    assert (row["jobs"], row["scored_jobs"], row["avg_satisfaction"], row["reopened_jobs"], row["cost_total"],
            row["bonus_penalty"]) == (2, 2, 3.5, 1, "2234.50", "-4.69")  # −24.69 + 20.00
