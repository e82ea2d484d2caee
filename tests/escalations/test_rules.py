"""Escalation rules (a major ticket, a complaint of many households, a sensitive complaint → hq), one
escalation per ticket, rule and level, nothing for a rolled-back change, manual escalation, the
inbox of the level reached, acknowledging and reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from servicehub.errors import Invalid
from servicehub.escalations import service as escalation_service
from servicehub.escalations.models import Escalation
from servicehub.jobs.outbox import MessageStatus, OutboxMessage
from servicehub.notifications.models import Channel, Delivery, Notification
from servicehub.tickets import service as ticket_service
from servicehub.tickets.enums import Channel as TicketChannel
from servicehub.tickets.enums import TicketType
from servicehub.tickets.models import Ticket, TicketEvent
from tests.background import (
    ESCALATIONS,
    TICKETS,
    add_user,
    count,
    escalations,
    events,
    give_contact,
    inbox,
    log,
    patch_settings,
    rows,
    set_rows,
    tenant_session,
    ticket,
)
from tests.scope_tools import assert_error
from tests.tickets.states import called_back, service_context


def only_escalation(client, world, ticket_id: int) -> dict:
    found = escalations(client, world, ticket_id=ticket_id)
    assert len(found) == 1, found
    return found[0]


def escalated_events(client, world, ticket_id: int) -> list[dict]:
    return [e for e in events(client, world, ticket_id) if e["kind"] == "escalated"]


def acknowledge(client, world, escalation_id: int, who: str, tenant: str = "alpha"):
    return client.post(f"{ESCALATIONS}/{escalation_id}/acknowledge", headers=world.headers(who, tenant))


def evaluate_again(world, ticket_id: int) -> str:
    """Run the rules' job once more, as a redelivered message would."""
    with tenant_session(world) as session:
        result = escalation_service.evaluate(session, world.tenants["alpha"], ticket_id=ticket_id)
        session.commit()
    return result


def remind(world, now) -> int:
    with tenant_session(world) as session:
        return escalation_service.remind(session, world.tenants["alpha"], now=now)


def state(world) -> dict:
    """What the rules write: escalations, notifications, deliveries, timeline entries, outbox rows."""
    return {model.__name__: count(world, model)
            for model in (Escalation, Notification, Delivery, TicketEvent, OutboxMessage)}


# --- the rules --------------------------------------------------------------------------------------------


def test_a_major_ticket_goes_to_hq_by_rule(client, world):
    logged = log(client, world, type="repair", is_major=True, title="外墙脱落")
    # The rules run after the request committed (the outbox): the answer still says project.
    assert logged["escalation_level"] == "project"
    escalation = only_escalation(client, world, logged["id"])
    assert {k: escalation[k] for k in ("ticket_id", "org_unit_id", "from_level", "to_level", "rule", "created_by_id",
                                       "acknowledged_at", "acknowledged_by_id", "reminder_count")} == {
        "ticket_id": logged["id"], "org_unit_id": world.unit("P-EAST-1"), "from_level": "project", "to_level": "hq",
        "rule": "major", "created_by_id": None, "acknowledged_at": None, "acknowledged_by_id": None,
        "reminder_count": 0}
    assert escalation["reason"] == "标记为重大投诉"
    assert escalation["ticket_number"] == logged["number"] and escalation["ticket_title"] == "外墙脱落"
    assert ticket(client, world, logged["id"])["escalation_level"] == "hq"
    (event,) = escalated_events(client, world, logged["id"])
    assert event["actor_name"] == "system" and event["actor_id"] is None
    assert event["data"] == {"from": "project", "to": "hq", "rule": "major", "reason": "标记为重大投诉"}
    # The job's outbox row is done.
    (message,) = rows(world, OutboxMessage)
    assert (message.handler, message.status, message.attempts) == (
        "servicehub.escalations.service.evaluate", MessageStatus.done, 1)
    assert message.args == {"ticket_id": logged["id"]} and message.created_by_id == world.user("pa1")


@pytest.mark.parametrize("households,escalated", [(1, False), (4, False), (5, True), (120, True)])
def test_a_complaint_of_many_households_goes_to_hq(client, world, households, escalated):
    logged = log(client, world, households_affected=households)
    found = escalations(client, world, ticket_id=logged["id"])
    level = ticket(client, world, logged["id"])["escalation_level"]
    if not escalated:
        assert found == [] and level == "project"
        assert escalated_events(client, world, logged["id"]) == []
        return
    (escalation,) = found
    assert (escalation["rule"], escalation["from_level"], escalation["to_level"]) == (
        "group_complaint", "project", "hq")
    assert escalation["reason"] == f"涉及 {households} 户（阈值 5 户）"
    assert level == "hq"


def test_the_households_threshold_is_the_groups_setting(client, world):
    assert patch_settings(client, world, major_households=8)["major_households"] == 8
    below = log(client, world, households_affected=7)
    at = log(client, world, households_affected=8)
    assert escalations(client, world, ticket_id=below["id"]) == []
    assert only_escalation(client, world, at["id"])["reason"] == "涉及 8 户（阈值 8 户）"
    patch_settings(client, world, major_households=2)
    now_above = log(client, world, households_affected=2)
    assert only_escalation(client, world, now_above["id"])["rule"] == "group_complaint"
    # Another group keeps the default.
    beta = log(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", households_affected=4)
    assert count(world, Escalation, Escalation.ticket_id == beta["id"], tenant="beta") == 0


@pytest.mark.parametrize("flags,label", [
    (["media"], "媒体"),
    (["lawsuit"], "诉讼"),
    (["government_hotline"], "政府热线"),
    (["media", "lawsuit"], "诉讼、媒体"),  # stored sorted
])
def test_a_sensitive_complaint_goes_to_hq(client, world, flags, label):
    logged = log(client, world, sensitive=flags)
    escalation = only_escalation(client, world, logged["id"])
    assert (escalation["rule"], escalation["to_level"], escalation["reason"]) == ("sensitive", "hq", f"敏感：{label}")


@pytest.mark.parametrize("type", ["repair", "inquiry", "suggestion", "praise"])
def test_other_tickets_of_many_households_or_sensitive_stay_in_the_project(client, world, type):
    logged = log(client, world, type=type, households_affected=200, sensitive=["media"])
    assert escalations(client, world, ticket_id=logged["id"]) == []
    assert ticket(client, world, logged["id"])["escalation_level"] == "project"
    assert count(world, Escalation) == 0 and count(world, Notification) == 0


def test_a_flag_set_later_escalates_then(client, world):
    logged = log(client, world)
    assert escalations(client, world, ticket_id=logged["id"]) == []
    response = client.patch(f"{TICKETS}/{logged['id']}", headers=world.headers("pa1"), json={"sensitive": ["lawsuit"]})
    assert response.status_code == 200, response.get_json()
    assert only_escalation(client, world, logged["id"])["rule"] == "sensitive"


# --- one escalation per ticket, rule and level --------------------------------------------------------------


def test_a_rule_escalates_once_however_often_it_runs(client, world):
    logged = log(client, world, is_major=True, households_affected=30, sensitive=["media"])
    # The first rule takes the ticket to hq; the others find it there.
    assert only_escalation(client, world, logged["id"])["rule"] == "major"
    before = state(world)
    assert evaluate_again(world, logged["id"]) == "nothing"
    assert state(world) == before
    # An unrelated change does not run the rules; a change of what they read does, and adds nothing.
    for change in ({"title": "噪音扰民（已联系）"}, {"households_affected": 31}):
        response = client.patch(f"{TICKETS}/{logged['id']}", headers=world.headers("pa1"), json=change)
        assert response.status_code == 200, response.get_json()
    after = state(world)
    assert after["Escalation"] == before["Escalation"] and after["Notification"] == before["Notification"]
    assert after["OutboxMessage"] == before["OutboxMessage"] + 1  # the households change only
    assert len(escalated_events(client, world, logged["id"])) == 1


def test_a_rule_that_took_the_ticket_to_a_level_does_not_take_it_there_twice(client, world):
    logged = log(client, world, is_major=True)
    only_escalation(client, world, logged["id"])
    # Were the ticket back at the project (say, by a data fix), the major rule stays spent...
    set_rows(world, Ticket, Ticket.id == logged["id"], escalation_level="project")
    assert evaluate_again(world, logged["id"]) == "nothing"
    assert count(world, Escalation) == 1
    # ...while another rule may still take it up.
    set_rows(world, Ticket, Ticket.id == logged["id"], sensitive=["media"])
    assert evaluate_again(world, logged["id"]) == "sensitive"
    assert [e["rule"] for e in escalations(client, world, ticket_id=logged["id"])] == ["sensitive", "major"]


def test_a_manual_escalation_then_a_rule_climb_one_level_each(client, world):
    logged = log(client, world, type="repair")
    response = client.post(f"{TICKETS}/{logged['id']}/escalate", headers=world.headers("pm1"),
                           json={"reason": "业主情绪激动"})
    assert response.status_code == 201, response.get_json()
    patch = client.patch(f"{TICKETS}/{logged['id']}", headers=world.headers("pm1"), json={"is_major": True})
    assert patch.status_code == 200, patch.get_json()
    found = escalations(client, world, ticket_id=logged["id"])
    assert [(e["rule"], e["from_level"], e["to_level"]) for e in found] == [
        ("major", "region", "hq"), ("manual", "project", "region")]
    assert evaluate_again(world, logged["id"]) == "nothing"
    assert count(world, Escalation) == 2


# --- nothing for a change that did not happen ---------------------------------------------------------------


def test_a_failed_request_escalates_nothing(client, world, monkeypatch):
    real = ticket_service._evaluate_later

    def then_fail(session, actor, ticket):
        real(session, actor, ticket)
        assert session.new, "the outbox row is in the transaction by now"
        raise Invalid("The request fails after the outbox row was written.")

    monkeypatch.setattr(ticket_service, "_evaluate_later", then_fail)
    response = client.post(TICKETS, headers=world.headers("pa1"), json={
        "type": "complaint", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": "外墙脱落",
        "description": "外墙砖脱落", "is_major": True})
    assert_error(response, 422)
    assert state(world) == {"Escalation": 0, "Notification": 0, "Delivery": 0, "TicketEvent": 0, "OutboxMessage": 0}
    assert count(world, Ticket) == 0
    assert inbox(client, world, "hq_crm") == []


def test_a_rolled_back_transaction_escalates_nothing(client, world):
    with service_context(world) as ctx:
        actor = ctx.actor("pa1")
        ticket_service._new_ticket(ctx.session, actor=actor, type=TicketType.complaint, channel=TicketChannel.phone,
                                   org_unit_id=world.unit("P-EAST-1"), title="外墙脱落", description="外墙砖脱落",
                                   is_major=True)
        ctx.session.flush()  # the outbox row went to the database, in the transaction
        assert ctx.session.scalar(select(OutboxMessage.id)) is not None
        ctx.session.rollback()
        # The same session commits something else afterwards: the forgotten message stays forgotten.
        kept, _ = ticket_service.create_ticket(
            ctx.session, actor=actor, type=TicketType.inquiry, channel=TicketChannel.phone,
            org_unit_id=world.unit("P-EAST-1"), title="物业费", description="咨询物业费")
        kept_id = kept.id
    assert [t.id for t in rows(world, Ticket)] == [kept_id]
    assert state(world)["Escalation"] == 0 and state(world)["OutboxMessage"] == 0
    assert state(world)["Notification"] == 0


# --- manual escalation and who is told -------------------------------------------------------------------------


def test_a_manual_escalation_tells_the_region_then_hq(client, world):
    logged = log(client, world, type="repair")
    url = f"{TICKETS}/{logged['id']}/escalate"
    first = client.post(url, headers=world.headers("pm1"), json={"reason": "业主情绪激动"})
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert (body["rule"], body["from_level"], body["to_level"], body["created_by_id"], body["reason"]) == (
        "manual", "project", "region", world.user("pm1"), "业主情绪激动")
    (note,) = inbox(client, world, "rm_east")
    assert (note["kind"], note["ticket_id"], note["ref_type"], note["ref_id"], note["read_at"]) == (
        "escalation", logged["id"], "escalation", body["id"], None)
    assert logged["number"] in note["title"] and "区域" in note["title"]
    for nobody in ("rm_south", "hq_crm", "ra_east", "pm1", "admin"):
        assert inbox(client, world, nobody) == [], nobody
    (event,) = escalated_events(client, world, logged["id"])
    assert (event["actor_id"], event["actor_name"]) == (world.user("pm1"), "PM1")

    second = client.post(url, headers=world.headers("rm_east"), json={"reason": "区域协调无果"})
    assert second.status_code == 201, second.get_json()
    assert (second.get_json()["from_level"], second.get_json()["to_level"]) == ("region", "hq")
    (hq_note,) = inbox(client, world, "hq_crm")
    assert (hq_note["kind"], hq_note["ref_id"]) == ("escalation", second.get_json()["id"])
    assert "集团" in hq_note["title"]
    assert len(inbox(client, world, "rm_east")) == 1
    third = client.post(url, headers=world.headers("hq_crm"), json={"reason": "再升级"})
    assert_error(third, 409)


def test_a_rule_escalation_lands_in_the_inbox_of_hq(client, world):
    give_contact(client, world, "hq_crm", email="crm@alpha.example", phone="13900001111")
    logged = log(client, world, is_major=True)
    escalation = only_escalation(client, world, logged["id"])
    (note,) = inbox(client, world, "hq_crm")
    assert (note["kind"], note["ticket_id"], note["ref_id"]) == ("escalation", logged["id"], escalation["id"])
    assert "重大投诉" in note["title"]
    for nobody in ("rm_east", "pm1", "pa1", "viewer", "admin"):
        assert inbox(client, world, nobody) == [], nobody
    # The copies: an email and, for a major complaint, a text to hq.
    copies = {(d.channel, d.recipient, d.user_id, d.key) for d in rows(world, Delivery)}
    key = f"escalation:{escalation['id']}"
    assert copies == {(Channel.email, "crm@alpha.example", world.user("hq_crm"), key),
                      (Channel.sms, "13900001111", world.user("hq_crm"), key)}


def test_no_text_for_other_rules_or_when_switched_off(client, world):
    give_contact(client, world, "hq_crm", email="crm@alpha.example", phone="13900001111")
    log(client, world, households_affected=9)
    patch_settings(client, world, sms_on_major=False)
    log(client, world, is_major=True)
    assert count(world, Escalation) == 2
    assert {d.channel for d in rows(world, Delivery)} == {Channel.email}


# --- acknowledging ----------------------------------------------------------------------------------------------


def test_hq_acknowledges_an_hq_escalation(client, world):
    add_user(client, world, "crm_b", "hq_crm", "HQ", tenant="beta")
    escalation = only_escalation(client, world, log(client, world, is_major=True)["id"])
    url_id = escalation["id"]
    assert_error(acknowledge(client, world, url_id, "rm_east"), 403)  # the region sees it, hq takes it on
    assert_error(acknowledge(client, world, url_id, "pm1"), 403)
    assert_error(acknowledge(client, world, url_id, "pa1"), 403)  # no escalation.handle at all
    assert_error(acknowledge(client, world, url_id, "viewer"), 403)
    assert_error(acknowledge(client, world, url_id, "rm_south"), 404)
    assert_error(acknowledge(client, world, url_id, "crm_b", "beta"), 404)
    assert_error(acknowledge(client, world, url_id, "root"), 403)
    assert escalations(client, world, acknowledged="false") == [escalation]

    response = acknowledge(client, world, url_id, "hq_crm")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["acknowledged_by_id"] == world.user("hq_crm") and body["acknowledged_at"] is not None
    assert_error(acknowledge(client, world, url_id, "hq_crm"), 409)
    assert escalations(client, world, acknowledged="false") == []
    assert [e["id"] for e in escalations(client, world, acknowledged="true")] == [url_id]
    (event,) = [e for e in events(client, world, escalation["ticket_id"]) if e["kind"] == "escalation_acknowledged"]
    assert event["actor_id"] == world.user("hq_crm") and event["data"] == {"escalation_id": url_id, "level": "hq"}


def test_the_region_acknowledges_a_region_escalation(client, world):
    logged = log(client, world, type="repair")
    response = client.post(f"{TICKETS}/{logged['id']}/escalate", headers=world.headers("pm1"), json={"reason": "升级"})
    escalation_id = response.get_json()["id"]
    assert_error(acknowledge(client, world, escalation_id, "pm1"), 403)
    assert_error(acknowledge(client, world, escalation_id, "rm_south"), 404)
    answer = acknowledge(client, world, escalation_id, "rm_east")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["acknowledged_by_id"] == world.user("rm_east")


def test_the_escalation_inbox_is_the_callers_part(client, world):
    east = log(client, world, is_major=True)
    south = log(client, world, who="pa3", unit="P-SOUTH-1", is_major=True)
    sibling = log(client, world, who="pa2", unit="P-EAST-2", is_major=True)
    ids = {name: only_escalation(client, world, t["id"])["id"] for name, t in
           (("east", east), ("south", south), ("sibling", sibling))}
    seen = lambda who, tenant="alpha": {e["id"] for e in escalations(client, world, who, tenant)}  # noqa: E731
    assert seen("hq_crm") == set(ids.values())
    assert seen("rm_east") == {ids["east"], ids["sibling"]}
    assert seen("rm_south") == {ids["south"]}
    assert seen("pm1") == {ids["east"]}
    for who, tenant in (("pa1", "alpha"), ("viewer", "alpha"), ("admin", "alpha"), ("pa_b", "beta"), ("root", "alpha")):
        response = client.get(ESCALATIONS, headers=world.headers(who, tenant))
        assert_error(response, 403)
    add_user(client, world, "crm_b", "hq_crm", "HQ", tenant="beta")
    assert seen("crm_b", "beta") == set()
    filtered = escalations(client, world, rule="major", to_level="hq", ticket_id=east["id"])
    assert [e["id"] for e in filtered] == [ids["east"]]


# --- reminders ------------------------------------------------------------------------------------------------------


def test_an_unacknowledged_escalation_is_reminded_once_per_interval(client, world):
    escalation = only_escalation(client, world, log(client, world, is_major=True)["id"])
    created = rows(world, Escalation)[0].created_at
    assert remind(world, created + timedelta(minutes=59)) == 0
    assert remind(world, created + timedelta(minutes=61)) == 1
    assert remind(world, created + timedelta(minutes=61)) == 0
    assert remind(world, created + timedelta(minutes=119)) == 0  # not an interval since the reminder yet
    assert remind(world, created + timedelta(minutes=122)) == 1
    keys = [n.key for n in rows(world, Notification, Notification.user_id == world.user("hq_crm"))]
    base = f"escalation:{escalation['id']}"
    assert keys == [base, f"{base}:reminder:1", f"{base}:reminder:2"]
    kinds = [n["kind"] for n in inbox(client, world, "hq_crm")]
    assert kinds == ["escalation_reminder", "escalation_reminder", "escalation"]
    assert "催办 2" in inbox(client, world, "hq_crm")[0]["title"]
    assert escalations(client, world)[0]["reminder_count"] == 2

    assert acknowledge(client, world, escalation["id"], "hq_crm").status_code == 200
    assert remind(world, created + timedelta(days=3)) == 0
    assert len(inbox(client, world, "hq_crm")) == 3


def test_the_reminder_interval_is_the_groups_setting(client, world):
    patch_settings(client, world, reminder_minutes=15)
    only_escalation(client, world, log(client, world, is_major=True)["id"])
    created = rows(world, Escalation)[0].created_at
    assert remind(world, created + timedelta(minutes=16)) == 1
    assert remind(world, created + timedelta(minutes=32)) == 1


@pytest.mark.parametrize("moves", [
    [("pm1", "cancelled", "重复登记")],
    [("pa1", "in_progress", None), ("pa1", "resolved", None)],
    [("pa1", "in_progress", None), ("pa1", "resolved", None), ("pm1", "closed", None)],
], ids=["cancelled", "resolved", "closed"])
def test_no_reminder_for_a_ticket_that_is_no_longer_open(client, world, moves):
    logged = log(client, world, is_major=True)
    only_escalation(client, world, logged["id"])
    for who, to, reason in moves:
        if to == "closed":
            called_back(world, logged["id"])
        body = {"to": to} if reason is None else {"to": to, "reason": reason}
        moved = client.post(f"{TICKETS}/{logged['id']}/transitions", headers=world.headers(who), json=body)
        assert moved.status_code == 200, moved.get_json()
    created = rows(world, Escalation)[0].created_at
    assert remind(world, created + timedelta(hours=5)) == 0
    assert len(inbox(client, world, "hq_crm")) == 1


def test_escalations_of_closed_tickets_do_not_crowd_out_the_open_ones(client, world):
    """A reminder round takes a batch; escalations of tickets closed since must not fill it."""
    closed = log(client, world, is_major=True)
    open_one = log(client, world, is_major=True)
    cancel = client.post(f"{TICKETS}/{closed['id']}/transitions", headers=world.headers("pm1"),
                         json={"to": "cancelled", "reason": "重复登记"})
    assert cancel.status_code == 200
    latest = max(e.created_at for e in rows(world, Escalation))
    with tenant_session(world) as session:
        assert escalation_service.remind(session, world.tenants["alpha"], now=latest + timedelta(hours=2), batch=1) == 1
    (reminded,) = rows(world, Escalation, Escalation.reminder_count > 0)
    assert reminded.ticket_id == open_one["id"]


def test_the_periodic_job_reminds_each_active_group_by_the_real_clock(client, world):
    from servicehub.db import utcnow
    from servicehub.escalations.jobs import remind_all

    add_user(client, world, "crm_b", "hq_crm", "HQ", tenant="beta")
    alpha = only_escalation(client, world, log(client, world, is_major=True)["id"])
    log(client, world, who="pa_b", unit="B-PROJECT", tenant="beta", is_major=True)
    fresh = log(client, world, is_major=True)["id"]
    two_hours_ago = utcnow() - timedelta(hours=2)
    set_rows(world, Escalation, Escalation.id == alpha["id"], created_at=two_hours_ago)
    set_rows(world, Escalation, Escalation.tenant_id == world.tenants["beta"], created_at=two_hours_ago,
             tenant="beta")
    with world.app.app_context():
        assert remind_all() == 2  # one job per active group
    assert [e["reminder_count"] for e in escalations(client, world)] == [0, 1]  # newest first: `fresh` waits
    assert escalations(client, world)[0]["ticket_id"] == fresh
    assert [e["reminder_count"] for e in escalations(client, world, "crm_b", "beta")] == [1]
    assert [n["kind"] for n in inbox(client, world, "crm_b", "beta")] == ["escalation_reminder", "escalation"]


def test_escalations_of_the_sla_sweep_are_not_reminded_one_by_one(client, world):
    """The sweep escalates in bulk and tells digests; reminding each would flood the region."""
    from servicehub.sla.sweep import sweep

    logged = log(client, world)  # an ordinary complaint: no rule escalates it
    due = rows(world, Ticket, Ticket.id == logged["id"])[0].response_due_at
    with tenant_session(world) as session:
        assert sweep(session, world.tenants["alpha"], now=due + timedelta(minutes=1))["response"] == 1
    (escalation,) = rows(world, Escalation)
    assert (escalation.rule.value, escalation.to_level.value) == ("sla_response", "region")
    assert remind(world, escalation.created_at + timedelta(days=1)) == 0
    assert rows(world, Escalation)[0].reminder_count == 0
