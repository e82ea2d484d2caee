"""SLA due times: the built-in targets, overrides at the hq, a region and a project (the deepest
wins), the policy document with where each target comes from, re-prioritising, and who may set
targets. The lookup functions are tested without HTTP as well."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from servicehub.orgs.models import OrgUnit
from servicehub.sla.defaults import CALLBACK_MINUTES, DEFAULT_TARGETS, INTAKE_MINUTES
from servicehub.sla.models import SlaTarget
from servicehub.sla.service import Target, due_times, path_ids, target_for
from servicehub.tickets.enums import Priority, TicketType
from tests.scope_tools import api, assert_error
from tests.tickets.states import TICKETS, events, moment, read, service_context, ticket_url

POLICIES = api("/sla-policies")
REPAIR, NORMAL = TicketType.repair, Priority.normal
D = 24 * 60


def log(client, world, unit="P-EAST-1", who="hq_crm", type="repair", priority="normal") -> dict:
    response = client.post(TICKETS, headers=world.headers(who), json={
        "type": type, "priority": priority, "channel": "phone", "org_unit_id": world.unit(unit),
        "title": "报修", "description": "厨房水管漏水"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def assert_due(ticket: dict, response_minutes: int, resolve_minutes: int) -> None:
    created = moment(ticket["created_at"])
    assert moment(ticket["response_due_at"]) == created + timedelta(minutes=response_minutes)
    assert moment(ticket["resolve_due_at"]) == created + timedelta(minutes=resolve_minutes)


def target(type="repair", priority="normal", response=60, resolve=600) -> dict:
    return {"type": type, "priority": priority, "response_minutes": response, "resolve_minutes": resolve}


def put(client, world, targets, unit=None, who="hq_crm", tenant="alpha", unit_tenant="alpha"):
    body = {"targets": targets}
    if unit is not None:
        body["org_unit_id"] = world.unit(unit, unit_tenant)
    return client.put(POLICIES, json=body, headers=world.headers(who, tenant))


def policy(client, world, unit=None, who="hq_crm") -> dict:
    query = {} if unit is None else {"org_unit_id": world.unit(unit)}
    response = client.get(POLICIES, query_string=query, headers=world.headers(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def entry(document: dict, type="repair", priority="normal") -> dict:
    (found,) = [t for t in document["targets"] if (t["type"], t["priority"]) == (type, priority)]
    return found


def layered(client, world) -> None:
    """repair/normal set at the hq (600/6000 min), at EAST (300/3000) and at P-EAST-1 (60/600)."""
    for unit, (response, resolve) in (("HQ", (600, 6000)), ("EAST", (300, 3000)), ("P-EAST-1", (60, 600))):
        r = put(client, world, [target(response=response, resolve=resolve)], unit=unit)
        assert r.status_code == 200, r.get_json()


def audit(client, world) -> list[dict]:
    response = client.get(api("/audit-log"), query_string={"action": "sla_policy.updated", "page_size": 100},
                          headers=world.headers("admin"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- the lookup, without HTTP ---------------------------------------------------------------------------


def test_path_ids_lists_the_hq_first_and_the_unit_last():
    assert path_ids("/1/4/9/") == [1, 4, 9]
    assert path_ids("/12/") == [12]


def test_due_times_count_calendar_minutes_from_the_start():
    start = datetime(2026, 2, 16, 23, 50, tzinfo=timezone.utc)  # across midnight and a month end alike
    target = Target(REPAIR, Priority.urgent, 30, D, None)
    assert due_times(target, start) == (datetime(2026, 2, 17, 0, 20, tzinfo=timezone.utc),
                                        datetime(2026, 2, 17, 23, 50, tzinfo=timezone.utc))
    assert target.source == "default"
    assert Target(REPAIR, NORMAL, 1, 2, 7).source == "org_unit"


def test_the_built_in_targets_follow_the_seeds():
    H = 60
    assert DEFAULT_TARGETS[(REPAIR, NORMAL)] == (12 * H, 7 * D)  # someone is sent within 12 hours
    assert DEFAULT_TARGETS[(REPAIR, Priority.urgent)][0] == 30  # emergencies at once
    assert set(DEFAULT_TARGETS) == {(t, p) for t in TicketType for p in Priority}
    assert all(0 < response <= resolve for response, resolve in DEFAULT_TARGETS.values())
    assert (INTAKE_MINUTES, CALLBACK_MINUTES) == (10, 24 * 60)


def test_target_for_without_overrides_is_the_built_in_target(world):
    with service_context(world) as ctx:
        path = path_ids(ctx.session.get(OrgUnit, world.unit("P-EAST-1")).path)
        for (type, priority), (response, resolve) in DEFAULT_TARGETS.items():
            found = target_for(ctx.session, tenant_id=world.tenants["alpha"], path=path, ticket_type=type,
                               priority=priority)
            assert found == Target(type, priority, response, resolve, None)


def test_target_for_takes_the_deepest_unit_on_the_path(world):
    alpha = world.tenants["alpha"]
    with service_context(world) as ctx:
        session = ctx.session
        # Inserted deepest first, so that insertion order cannot be what decides.
        for unit, minutes in (("P-EAST-1", (60, 600)), ("HQ", (600, 6000)), ("EAST", (300, 3000)),
                              ("P-EAST-2", (5, 50))):
            session.add(SlaTarget(tenant_id=alpha, org_unit_id=world.unit(unit), ticket_type=REPAIR, priority=NORMAL,
                                  response_minutes=minutes[0], resolve_minutes=minutes[1]))
        session.add(SlaTarget(tenant_id=alpha, org_unit_id=world.unit("P-EAST-2"), ticket_type=REPAIR,
                              priority=Priority.high, response_minutes=7, resolve_minutes=70))
        session.commit()

        def lookup(unit, priority=NORMAL):
            path = path_ids(session.get(OrgUnit, world.unit(unit)).path)
            found = target_for(session, tenant_id=alpha, path=path, ticket_type=REPAIR, priority=priority)
            return found.response_minutes, found.resolve_minutes, found.source_org_unit_id

        assert lookup("P-EAST-1") == (60, 600, world.unit("P-EAST-1"))
        assert lookup("EAST") == (300, 3000, world.unit("EAST"))
        assert lookup("P-SOUTH-1") == (600, 6000, world.unit("HQ"))
        assert lookup("HQ") == (600, 6000, world.unit("HQ"))
        # A sibling's override stays with the sibling.
        assert lookup("P-EAST-1", Priority.high) == (*DEFAULT_TARGETS[(REPAIR, Priority.high)], None)
        assert lookup("P-EAST-2", Priority.high) == (7, 70, world.unit("P-EAST-2"))


# --- due times of new tickets ----------------------------------------------------------------------------


def test_a_new_ticket_is_due_by_the_built_in_targets(client, world):
    for (type, priority), (response, resolve) in DEFAULT_TARGETS.items():
        ticket = log(client, world, who="pa1", type=type.value, priority=priority.value)
        assert_due(ticket, response, resolve)
        assert (ticket["sla_breached"], ticket["is_overdue"], ticket["responded_at"]) == (False, False, None)
    created = events(client, world, ticket["id"])[0]
    assert created["kind"] == "created" and created["data"]["sla_source"] == "default"


def test_the_deepest_override_wins_and_siblings_inherit_from_their_region(client, world):
    layered(client, world)

    assert_due(log(client, world, "P-EAST-1"), 60, 600)
    assert_due(log(client, world, "P-EAST-2"), 300, 3000)  # the sibling project: the region's
    assert_due(log(client, world, "P-SOUTH-1"), 600, 6000)  # another region: the hq's
    assert_due(log(client, world, "P-EAST-1", priority="urgent"), *DEFAULT_TARGETS[(REPAIR, Priority.urgent)])
    assert_due(log(client, world, "P-EAST-1", type="complaint"), *DEFAULT_TARGETS[(TicketType.complaint, NORMAL)])
    ticket = log(client, world, "P-EAST-2")
    assert events(client, world, ticket["id"], who="hq_crm")[0]["data"]["sla_source"] == "org_unit"


def test_the_policy_names_where_each_target_is_set(client, world):
    layered(client, world)
    hq, east, p1 = world.unit("HQ"), world.unit("EAST"), world.unit("P-EAST-1")
    default = DEFAULT_TARGETS[(REPAIR, NORMAL)]
    # unit: (in force, set at, inherited?), then what applies without the unit's own setting
    expected = {
        "P-EAST-1": (60, 600, p1, False, (300, 3000, east)),
        "P-EAST-2": (300, 3000, east, True, (300, 3000, east)),
        "EAST": (300, 3000, east, False, (600, 6000, hq)),
        "P-SOUTH-1": (600, 6000, hq, True, (600, 6000, hq)),
        "SOUTH": (600, 6000, hq, True, (600, 6000, hq)),
        "HQ": (600, 6000, hq, False, (*default, None)),
    }
    for unit, (response, resolve, source_unit, inherited, above) in expected.items():
        document = policy(client, world, unit)
        assert document["org_unit_id"] == world.unit(unit)
        assert (document["intake_minutes"], document["callback_minutes"]) == (10, 24 * 60)
        assert [(t["type"], t["priority"]) for t in document["targets"]] == [
            (t.value, p.value) for t in TicketType for p in Priority]
        assert entry(document) == {"type": "repair", "priority": "normal", "response_minutes": response,
                                   "resolve_minutes": resolve, "source": "org_unit",
                                   "source_org_unit_id": source_unit, "inherited": inherited,
                                   "inherited_response_minutes": above[0], "inherited_resolve_minutes": above[1],
                                   "inherited_from_org_unit_id": above[2]}, unit
        assert entry(document, priority="urgent") == {
            "type": "repair", "priority": "urgent", "response_minutes": 30, "resolve_minutes": D,
            "source": "default", "source_org_unit_id": None, "inherited": True,
            "inherited_response_minutes": 30, "inherited_resolve_minutes": D, "inherited_from_org_unit_id": None}
    assert policy(client, world) == policy(client, world, "HQ")


def test_the_inherited_values_are_what_applies_once_the_override_is_removed(client, world):
    """What GET answers as `inherited_*` for a unit is what the unit has after its own row is gone."""
    layered(client, world)
    for unit in ("P-EAST-1", "EAST", "HQ"):
        before = entry(policy(client, world, unit))
        assert before["inherited"] is False
        assert put(client, world, [], unit=unit).status_code == 200
        after = entry(policy(client, world, unit))
        assert after["inherited"] is True, unit
        assert (after["response_minutes"], after["resolve_minutes"], after["source_org_unit_id"]) == (
            before["inherited_response_minutes"], before["inherited_resolve_minutes"],
            before["inherited_from_org_unit_id"]), unit
    # Nothing set anywhere now: the built-in default, from nowhere.
    assert entry(policy(client, world, "P-EAST-1"))["source"] == "default"


def test_reading_a_policy_with_its_inherited_values_is_one_query(app, client, world):
    from sqlalchemy import event

    layered(client, world)
    headers = world.headers("hq_crm")
    engine = app.extensions["servicehub.db"].engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(POLICIES, query_string={"org_unit_id": world.unit("P-EAST-1")}, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert len([s for s in statements if "sla_targets" in s]) == 1


def test_the_policy_of_a_unit_is_read_within_the_callers_reach(client, world):
    assert policy(client, world, "P-EAST-1", who="pa1")["org_unit_id"] == world.unit("P-EAST-1")
    assert policy(client, world, "P-EAST-1", who="rm_east")["org_unit_id"] == world.unit("P-EAST-1")
    for who, unit in (("pa1", "P-SOUTH-1"), ("pa1", "EAST"), ("rm_east", "SOUTH")):
        response = client.get(POLICIES, query_string={"org_unit_id": world.unit(unit)}, headers=world.headers(who))
        assert_error(response, 404)
    beta_unit = {"org_unit_id": world.unit("B-PROJECT", "beta")}
    assert_error(client.get(POLICIES, query_string=beta_unit, headers=world.headers("hq_crm")), 404)
    assert_error(client.get(POLICIES, headers=world.headers("root")), 403)


def test_putting_replaces_the_targets_set_at_that_unit(client, world):
    layered(client, world)
    other = target(type="inquiry", priority="low", response=100, resolve=1000)

    assert put(client, world, [other], unit="EAST").status_code == 200
    assert entry(policy(client, world, "P-EAST-2"))["source_org_unit_id"] == world.unit("HQ")
    assert entry(policy(client, world, "P-EAST-2"), "inquiry", "low")["source_org_unit_id"] == world.unit("EAST")

    response = put(client, world, [], unit="P-EAST-1")
    assert response.status_code == 200
    assert entry(response.get_json())["source_org_unit_id"] == world.unit("HQ")
    assert_due(log(client, world, "P-EAST-1"), 600, 6000)

    response = put(client, world, [])  # no org_unit_id: the hq
    assert response.get_json()["org_unit_id"] == world.unit("HQ")
    assert entry(response.get_json())["source"] == "default"
    assert_due(log(client, world, "P-SOUTH-1"), *DEFAULT_TARGETS[(REPAIR, NORMAL)])


def test_a_new_policy_does_not_move_the_due_times_of_open_tickets(client, world):
    ticket = log(client, world, "P-EAST-1")
    assert put(client, world, [target(response=5, resolve=50)], unit="P-EAST-1").status_code == 200
    after = read(client, world, ticket["id"])
    assert (after["response_due_at"], after["resolve_due_at"]) == (ticket["response_due_at"], ticket["resolve_due_at"])
    assert [e["kind"] for e in events(client, world, ticket["id"])] == ["created"]


# --- re-prioritising ---------------------------------------------------------------------------------------


def test_a_new_priority_recomputes_both_due_times_from_the_creation(client, world):
    ticket = log(client, world, "P-EAST-1", who="pa1")
    assert_due(ticket, 12 * 60, 7 * D)

    response = client.patch(ticket_url(ticket["id"]), json={"priority": "urgent"}, headers=world.headers("pa1"))

    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after["created_at"] == ticket["created_at"]
    assert after["version"] == ticket["version"] + 1  # one write, one version
    assert response.headers["ETag"] == f'"{after["version"]}"'
    assert_due(after, 30, D)
    kinds = [e["kind"] for e in events(client, world, ticket["id"])]
    assert kinds == ["created", "updated", "due_changed"]
    changed = events(client, world, ticket["id"])[-1]
    assert changed["actor_id"] == world.user("pa1")
    assert {k: {side: moment(v) for side, v in pair.items()} for k, pair in changed["data"].items()} == {
        "response_due_at": {"from": moment(ticket["response_due_at"]), "to": moment(after["response_due_at"])},
        "resolve_due_at": {"from": moment(ticket["resolve_due_at"]), "to": moment(after["resolve_due_at"])},
        # A repair: the dispatch clock (派工) moves with the response.
        "dispatch_due_at": {"from": moment(ticket["dispatch_due_at"]), "to": moment(after["response_due_at"])},
    }
    assert after["dispatch_due_at"] == after["response_due_at"]


def test_a_new_priority_takes_the_targets_in_force_now(client, world):
    ticket = log(client, world, "P-EAST-2")
    assert put(client, world, [target(priority="high", response=45, resolve=450)], unit="EAST").status_code == 200
    response = client.patch(ticket_url(ticket["id"]), json={"priority": "high"}, headers=world.headers("hq_crm"))
    assert response.status_code == 200, response.get_json()
    assert_due(response.get_json(), 45, 450)


def test_the_same_priority_again_moves_nothing(client, world):
    ticket = log(client, world, "P-EAST-1")
    response = client.patch(ticket_url(ticket["id"]), json={"priority": "normal"}, headers=world.headers("pm1"))
    assert response.status_code == 200
    assert response.get_json()["version"] == ticket["version"]
    assert [e["kind"] for e in events(client, world, ticket["id"])] == ["created"]


def test_a_priority_with_the_same_targets_writes_no_due_change(client, world):
    # praise: urgent (2 h / 1 d) — set high to the same minutes at the hq.
    assert put(client, world, [target("praise", "high", 2 * 60, D)]).status_code == 200
    ticket = log(client, world, "P-EAST-1", type="praise", priority="urgent")
    response = client.patch(ticket_url(ticket["id"]), json={"priority": "high"}, headers=world.headers("pm1"))
    assert response.status_code == 200
    assert [e["kind"] for e in events(client, world, ticket["id"])] == ["created", "updated"]
    assert response.get_json()["resolve_due_at"] == ticket["resolve_due_at"]


# --- validation and permissions of PUT ----------------------------------------------------------------------


INVALID = [
    ({"targets": [target(), target(response=30, resolve=300)]}, "targets"),
    ({"targets": [target(response=600, resolve=599)]}, "targets"),
    ({"targets": [target(response=0)]}, "targets"),
    ({"targets": [target(response=-5)]}, "targets"),
    ({"targets": [target(resolve=365 * D + 1)]}, "targets"),
    ({"targets": [target(response="60")]}, "targets"),
    ({"targets": [target(response=1.5)]}, "targets"),
    ({"targets": [{**target(), "type": "visit"}]}, "targets"),
    ({"targets": [{**target(), "escalate_after": 30}]}, "targets"),
    ({"targets": [{"type": "repair", "priority": "normal", "response_minutes": 60}]}, "targets"),
    ({"targets": [target()], "scope": "all"}, "scope"),
    ({}, "targets"),
    ({"targets": [target()] * 41}, "targets"),
]


def test_an_invalid_policy_answers_422_and_changes_nothing(client, world):
    # duplicate, resolve before response, zero, negative, over a year, a string, a fraction, an unknown
    # type, an unknown field in a target, resolve missing, an unknown field, no targets, too many
    before = policy(client, world)
    for body, field in INVALID:
        response = client.put(POLICIES, json=body, headers=world.headers("hq_crm"))
        errors = assert_error(response, 422)["errors"]
        assert field in errors.get("json", errors), (body, errors)
    assert policy(client, world) == before
    assert audit(client, world) == []


def test_the_resolve_before_response_error_names_the_field(client, world):
    response = put(client, world, [target(), target("inquiry", response=600, resolve=599)])
    errors = assert_error(response, 422)["errors"]["json"]["targets"]
    assert errors == {"1": {"resolve_minutes": ["Must not be shorter than response_minutes."]}}


def test_a_duplicate_pair_is_named(client, world):
    response = put(client, world, [target(), target("inquiry"), target(response=30, resolve=300)])
    assert assert_error(response, 422)["errors"] == {"targets": ["Twice: repair/normal."]}


@pytest.mark.parametrize("who", ["hq_crm", "admin"])
def test_settings_managers_at_the_hq_set_targets_anywhere_and_it_is_audited(client, world, who):
    response = put(client, world, [target(response=90, resolve=900)], unit="P-EAST-2", who=who)
    assert response.status_code == 200, response.get_json()
    assert entry(response.get_json())["source_org_unit_id"] == world.unit("P-EAST-2")

    (logged,) = audit(client, world)
    assert (logged["actor_id"], logged["target_type"], logged["target_id"]) == (
        world.user(who), "org_unit", world.unit("P-EAST-2"))
    assert logged["details"] == {"targets": ["repair/normal=90/900"]}

    # The same targets again change nothing and are not audited again.
    assert put(client, world, [target(response=90, resolve=900)], unit="P-EAST-2", who=who).status_code == 200
    assert len(audit(client, world)) == 1


def test_without_settings_manage_putting_targets_answers_403(client, world):
    before = policy(client, world, "P-EAST-1")
    for who, unit in (("rm_east", "EAST"), ("rm_east", None), ("pm1", "P-EAST-1"), ("pa1", "P-EAST-1"),
                      ("eng1", "P-EAST-1"), ("viewer", None), ("ra_east", "EAST")):
        assert_error(put(client, world, [target(response=1, resolve=2)], unit=unit, who=who), 403)
    assert policy(client, world, "P-EAST-1") == before
    assert audit(client, world) == []


def test_another_groups_unit_answers_404_and_a_platform_admin_403(client, world):
    beta_admin = put(client, world, [target(response=1, resolve=2)], unit="P-EAST-1", who="admin", tenant="beta")
    assert_error(beta_admin, 404)
    alpha_on_beta = put(client, world, [target(response=1, resolve=2)], unit="B-PROJECT", unit_tenant="beta")
    assert_error(alpha_on_beta, 404)
    assert_error(client.put(POLICIES, json={"targets": []}, headers=world.headers("root")), 403)
    assert entry(policy(client, world, "P-EAST-1"))["source"] == "default"
    with service_context(world, "beta") as ctx:
        assert ctx.session.scalars(select(SlaTarget)).all() == []
    assert audit(client, world) == []


def test_without_a_unit_the_policy_is_the_one_at_the_highest_unit_the_caller_sees(client, world):
    expected = {"hq_crm": "HQ", "rm_east": "EAST", "pa1": "P-EAST-1", "pa3": "P-SOUTH-1"}
    for who, unit in expected.items():
        response = client.get(POLICIES, headers=world.headers(who))
        assert response.status_code == 200, (who, response.get_json())
        assert response.get_json()["org_unit_id"] == world.unit(unit), who
