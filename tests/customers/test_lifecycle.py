"""Lifecycle stage (客户阶段): the rule at its edges, and the daily refresh as time goes by."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from servicehub.customers.jobs import refresh_lifecycle_stages
from servicehub.customers.lifecycle import compute_stage
from servicehub.customers.models import Customer, Stage
from servicehub.customers.service import refresh_stages
from servicehub.db import bind_tenant
from servicehub.extensions import db
from tests.scope_tools import api

DAY = timedelta(days=1)
HANDOVER = date(2021, 6, 15)
Y = date.today().year + 5  # the refresh tests' timeline starts in year Y


def stage(today, *handovers, holds_units=True, is_lost=False):
    return compute_stage(handovers=list(handovers), holds_units=holds_units, is_lost=is_lost, today=today)


# --- the rule ----------------------------------------------------------------------------------


def test_no_unit_is_a_prospect():
    assert stage(HANDOVER, holds_units=False) == Stage.prospect


@pytest.mark.parametrize("handovers", [[None], [None, None], [HANDOVER + DAY], [date(2030, 1, 1), None]])
def test_a_unit_not_yet_handed_over_makes_a_pending_owner(handovers):
    assert stage(HANDOVER, *handovers) == Stage.pending_owner


@pytest.mark.parametrize(("today", "expected"), [
    (HANDOVER - DAY, Stage.pending_owner),
    (HANDOVER, Stage.break_in),  # handover day
    (date(2022, 6, 14), Stage.break_in),  # the day before the first anniversary
    (date(2022, 6, 15), Stage.stable),  # the first anniversary
    (date(2024, 6, 14), Stage.stable),  # the day before the third anniversary
    (date(2024, 6, 15), Stage.veteran),  # from year 3
    (date(2040, 1, 1), Stage.veteran),
])
def test_stage_by_time_since_handover(today, expected):
    assert stage(today, HANDOVER) == expected


@pytest.mark.parametrize("today", [HANDOVER - DAY, HANDOVER, date(2023, 1, 1), date(2030, 1, 1)])
def test_lost_overrides_everything(today):
    assert stage(today, HANDOVER, is_lost=True) == Stage.lost
    assert stage(today, holds_units=False, is_lost=True) == Stage.lost


def test_the_earliest_handover_counts():
    later = date(2023, 9, 1)
    assert stage(date(2024, 6, 20), later, HANDOVER) == Stage.veteran
    assert stage(date(2024, 6, 20), HANDOVER, later, None) == Stage.veteran
    # A unit handed over in the future does not hold back the one already delivered.
    assert stage(date(2021, 7, 1), date(2025, 1, 1), HANDOVER) == Stage.break_in


@pytest.mark.parametrize(("today", "expected"), [
    (date(2024, 2, 29), Stage.break_in),
    (date(2025, 2, 27), Stage.break_in),
    (date(2025, 2, 28), Stage.stable),  # no 29 February in 2025: the anniversary falls on the 28th
    (date(2027, 2, 27), Stage.stable),
    (date(2027, 2, 28), Stage.veteran),
])
def test_a_29_february_handover(today, expected):
    assert stage(today, date(2024, 2, 29)) == expected


# --- the daily refresh -------------------------------------------------------------------------


def _customer(client, headers, unit, name, phone):
    response = client.post(api("/customers"), headers=headers,
                           json={"org_unit_id": unit, "name": name, "phone": phone})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _unit(client, headers, unit, room, handover):
    response = client.post(api("/properties"), headers=headers, json={
        "org_unit_id": unit, "building": "8", "unit": "1", "room": room,
        "handover_date": handover.isoformat() if handover else None})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _own(client, headers, property_id, customer_id, relation="owner"):
    response = client.post(api(f"/properties/{property_id}/owners"), headers=headers,
                           json={"customer_id": customer_id, "relation": relation})
    assert response.status_code == 201, response.get_json()


def _stages(app, tenant_id) -> dict[int, Stage]:
    with app.app_context():
        bind_tenant(db.session, tenant_id)
        return dict(db.session.execute(select(Customer.id, Customer.stage)).all())


@pytest.fixture
def households(client, world):
    """Customers of P-EAST-1; every handover date lies ahead of today (in the years Y+1 and Y+2)."""
    headers = world.headers("pa1")
    project = world.unit("P-EAST-1")
    ids = {
        "prospect": _customer(client, headers, project, "王小明", "13900000001"),
        "bought": _customer(client, headers, project, "李娜", "13900000002"),
        "owner": _customer(client, headers, project, "张伟", "13900000003"),
        "two_units": _customer(client, headers, project, "刘洋", "13900000004"),
        "lost": _customer(client, headers, project, "陈静", "13900000005"),
        "resident": _customer(client, headers, project, "赵磊", "13900000006"),
    }
    _own(client, headers, _unit(client, headers, project, "101", None), ids["bought"])
    _own(client, headers, _unit(client, headers, project, "102", date(Y + 1, 3, 1)), ids["owner"])
    _own(client, headers, _unit(client, headers, project, "103", date(Y + 1, 9, 1)), ids["two_units"])
    _own(client, headers, _unit(client, headers, project, "104", date(Y + 2, 9, 1)), ids["two_units"], "co_owner")
    _own(client, headers, _unit(client, headers, project, "105", date(Y + 1, 3, 1)), ids["lost"])
    _own(client, headers, _unit(client, headers, project, "106", date(Y + 1, 3, 1)), ids["resident"], "resident")
    assert client.patch(api(f"/customers/{ids['lost']}"), headers=headers,
                        json={"is_lost": True}).status_code == 200
    return ids


def test_stages_move_as_time_goes_by(app, world, households):
    tenant = world.tenants["alpha"]
    ids = households
    names = {v: k for k, v in ids.items()}

    def at(day):
        with app.app_context():
            bind_tenant(db.session, tenant)
            changed = refresh_stages(db.session, tenant_id=tenant, today=day)
        return changed, {names[i]: s for i, s in _stages(app, tenant).items()}

    # Today (before every handover): what the API set when the units were linked.
    base = {"prospect": Stage.prospect, "bought": Stage.pending_owner, "owner": Stage.pending_owner,
            "two_units": Stage.pending_owner, "lost": Stage.lost, "resident": Stage.prospect}
    changed, now = at(date(Y, 1, 1))
    assert (changed, now) == (0, base)

    changed, now = at(date(Y + 1, 3, 1))  # handover day of 102
    assert changed == 1 and now == {**base, "owner": Stage.break_in}
    assert at(date(Y + 1, 3, 1))[0] == 0  # nothing left to change: nothing counted

    changed, now = at(date(Y + 1, 9, 1))  # handover of 103; 104 (co-owner) is still ahead
    assert changed == 1 and now == {**base, "owner": Stage.break_in, "two_units": Stage.break_in}

    changed, now = at(date(Y + 2, 3, 1))  # first anniversary of 102
    assert changed == 1 and now["owner"] == Stage.stable and now["two_units"] == Stage.break_in

    changed, now = at(date(Y + 2, 9, 1))  # 103's anniversary; 104's handover does not restart the clock
    assert changed == 1 and now["two_units"] == Stage.stable

    changed, now = at(date(Y + 4, 3, 1))
    assert changed == 1 and now == {**base, "owner": Stage.veteran, "two_units": Stage.stable}

    changed, now = at(date(Y + 4, 9, 1))
    assert changed == 1 and now["two_units"] == Stage.veteran
    # Lost stays lost, a resident is no owner, a unit without handover date keeps its buyer pending.
    assert (now["lost"], now["resident"], now["bought"], now["prospect"]) == (
        Stage.lost, Stage.prospect, Stage.pending_owner, Stage.prospect)

    # Back in time (a corrected clock): everyone returns, and every change is counted once.
    changed, now = at(date(Y, 1, 1))
    assert (changed, now) == (2, base)


def test_the_daily_job_takes_an_explicit_date_and_its_own_tenant(app, world, households):
    alpha, beta = world.tenants["alpha"], world.tenants["beta"]
    with app.app_context():
        assert refresh_lifecycle_stages(beta, f"{Y + 1}-03-01") == 0  # beta has no customers
        assert refresh_lifecycle_stages(alpha, f"{Y + 1}-03-01") == 1
        assert refresh_lifecycle_stages(alpha, f"{Y + 1}-03-01") == 0
    assert _stages(app, alpha)[households["owner"]] == Stage.break_in
    with app.app_context():
        # Without a date: today, when every handover is still ahead.
        assert refresh_lifecycle_stages(alpha) == 1
    assert _stages(app, alpha)[households["owner"]] == Stage.pending_owner


def test_the_api_shows_the_refreshed_stage(app, client, world, households):
    with app.app_context():
        refresh_lifecycle_stages(world.tenants["alpha"], f"{Y + 2}-03-01")
    headers = world.headers("pa1")
    body = client.get(api(f"/customers/{households['owner']}"), headers=headers).get_json()
    assert body["stage"] == "stable"
    listed = client.get(api("/customers?stage=stable"), headers=headers).get_json()
    assert [c["id"] for c in listed] == [households["owner"]]
