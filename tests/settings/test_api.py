"""The group's service settings (`/service-settings`): read and changed at headquarters by the
tenant admin and the CRM centre, validated, the webhook secret never shown, every change audited
with the secret masked."""

from __future__ import annotations

import pytest

from servicehub.settings.models import ServiceSettings
from tests.background import SETTINGS, count, patch_settings
from tests.scope_tools import api, assert_error

DEFAULTS = {
    "major_households": 5, "group_complaint_count": 3, "group_complaint_days": 7, "group_complaint_scope": "project",
    "reminder_minutes": 60, "sla_escalation": True, "webhook_url": None, "webhook_secret_set": False,
    "sms_on_major": True, "updated_at": None,
}
SECRET = "0123456789abcdef-secret"


def read(client, world, who: str = "admin", tenant: str = "alpha") -> dict:
    response = client.get(SETTINGS, headers=world.headers(who, tenant))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def audit(client, world, tenant: str = "alpha") -> list[dict]:
    response = client.get(api("/audit-log"), headers=world.headers("admin", tenant),
                          query_string={"action": "service_settings.updated", "page_size": 100})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("who", ["admin", "hq_crm"])
def test_headquarters_reads_the_defaults_until_something_changes(client, world, who):
    assert read(client, world, who) == DEFAULTS
    assert count(world, ServiceSettings) == 0  # the defaults are not stored


@pytest.mark.parametrize("who", ["admin", "hq_crm"])
def test_headquarters_changes_the_settings(client, world, who):
    changes = {"major_households": 8, "group_complaint_count": 4, "group_complaint_days": 14,
               "group_complaint_scope": "building", "reminder_minutes": 30, "sla_escalation": False,
               "sms_on_major": False, "webhook_url": "https://hooks.alpha.example/a"}
    answer = patch_settings(client, world, who=who, **changes)
    assert {k: answer[k] for k in changes} == changes and answer["updated_at"] is not None
    assert read(client, world) == answer
    # One group's settings are not another's.
    assert read(client, world, tenant="beta") == DEFAULTS
    assert patch_settings(client, world, who="admin", tenant="beta", major_households=3)["major_households"] == 3
    assert read(client, world)["major_households"] == 8
    # A partial change keeps the rest.
    assert patch_settings(client, world, reminder_minutes=90) == {**answer, "reminder_minutes": 90,
                                                                  "updated_at": read(client, world)["updated_at"]}


@pytest.mark.parametrize("who,tenant", [
    ("rm_east", "alpha"), ("rm_south", "alpha"), ("pm1", "alpha"), ("pa1", "alpha"), ("eng1", "alpha"),
    ("viewer", "alpha"), ("ra_east", "alpha"), ("pa_b", "beta"), ("root", "alpha"),
])
def test_nobody_else_reads_or_changes_them(client, world, who, tenant):
    headers = world.headers(who, tenant)
    assert_error(client.get(SETTINGS, headers=headers), 403)
    assert_error(client.patch(SETTINGS, headers=headers, json={"major_households": 1}), 403)
    assert read(client, world) == DEFAULTS and read(client, world, tenant="beta") == DEFAULTS
    assert audit(client, world) == []


@pytest.mark.parametrize("body", [
    {"major_households": 0},
    {"major_households": "5"},
    {"major_households": 10_001},
    {"group_complaint_count": 1},
    {"group_complaint_days": 0},
    {"group_complaint_days": 91},
    {"group_complaint_scope": "street"},
    {"reminder_minutes": 4},
    {"reminder_minutes": 7 * 24 * 60 + 1},
    {"sla_escalation": "maybe"},
    {"webhook_url": "not a url"},
    {"webhook_url": "ftp://hooks.alpha.example/a"},
    {"webhook_url": "https://" + "a" * 500 + ".example"},
    {"webhook_secret": "too-short"},
    {"webhook_secret": "x" * 201},
    {"webhook_secret_set": True},
    {"updated_at": "2026-01-01T00:00:00+00:00"},
    {"tenant_id": 2},
])
def test_invalid_changes_are_refused(client, world, body):
    body_ = assert_error(client.patch(SETTINGS, headers=world.headers("admin"), json=body), 422)
    assert body_["errors"]
    assert read(client, world) == DEFAULTS
    assert count(world, ServiceSettings) == 0


def test_the_webhook_secret_is_never_shown_and_audited_masked(client, world):
    answer = patch_settings(client, world, who="admin", webhook_url="https://hooks.alpha.example/a",
                            webhook_secret=SECRET, major_households=8)
    assert "webhook_secret" not in answer and answer["webhook_secret_set"] is True
    assert "webhook_secret" not in read(client, world) and read(client, world)["webhook_secret_set"] is True
    assert count(world, ServiceSettings) == 1

    patch_settings(client, world, webhook_secret="another-secret-0123456789")
    patch_settings(client, world, webhook_secret=None)
    assert read(client, world)["webhook_secret_set"] is False
    patch_settings(client, world, major_households=8)  # no change: no entry

    entries = audit(client, world)
    assert [e["details"] for e in entries] == [
        {"webhook_secret": {"from": "********", "to": None}},
        {"webhook_secret": {"from": "********", "to": "********"}},
        {"webhook_url": {"from": None, "to": "https://hooks.alpha.example/a"},
         "webhook_secret": {"from": None, "to": "********"},
         "major_households": {"from": 5, "to": 8}},
    ]
    assert [(e["actor_id"], e["target_type"], e["target_id"]) for e in entries] == [
        (world.user("hq_crm"), "tenant", world.tenants["alpha"])] * 2 + [
        (world.user("admin"), "tenant", world.tenants["alpha"])]
    for entry in entries:
        assert SECRET not in str(entry) and "another-secret" not in str(entry)
    assert audit(client, world, "beta") == []


def test_the_spec_declares_whether_a_secret_is_set_as_a_read_only_boolean(app):
    schemas = app.extensions["servicehub.api"].spec.to_dict()["components"]["schemas"]
    assert schemas["ServiceSettings"]["properties"]["webhook_secret_set"] == {
        "type": "boolean", "readOnly": True,
        "description": "Whether a webhook secret is set; the secret itself is never shown."}
    assert "webhook_secret_set" not in schemas["ServiceSettingsUpdate"]["properties"]
