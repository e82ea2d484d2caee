"""Property-based API tests: Schemathesis drives every operation of the committed `openapi.yaml`
in-process (WSGI, the Flask app object; no server) and checks each answer against the spec.

First pass: every operation as alpha's tenant admin (Bearer). Second pass: the `/tenants`
operations as the platform admin. Each operation gets a fresh database (the `world` fixture), so
operations cannot disturb one another; within an operation every example gets a fresh sign-in,
so a `POST /auth/logout` example does not sign the next one out. The service itself refuses
deactivating yourself and removing the last tenant admin, so the admin stays usable throughout.

Positive and negative generation (schema-violating input must answer a declared 4xx, never a
5xx). Deterministic (`derandomize=True`, no example database) and bounded (`MAX_EXAMPLES` per
operation and caller).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi.yaml"
SCHEMA = schemathesis.openapi.from_path(SPEC_PATH)


def _deref(node: dict) -> dict:
    """`node`, or what its local `$ref` points to in the spec."""
    while "$ref" in node:
        target = SCHEMA.raw_schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _inline(node):
    """`node` with every local `$ref` replaced (for the small, non-recursive header schemas)."""
    if isinstance(node, dict):
        return {key: _inline(value) for key, value in _deref(node).items()}
    if isinstance(node, list):
        return [_inline(value) for value in node]
    return node


def json_headers_conformance(ctx, response, case):
    """Response headers declared with `content: application/json` (`X-Pagination`) carry JSON
    that fits their schema: Schemathesis' own header check only reads a header's `schema`."""
    declared = _deref(case.operation.definition.raw.get("responses", {}).get(str(response.status_code), {}))
    for name, header in declared.get("headers", {}).items():
        media = _deref(header).get("content", {}).get("application/json")
        values = response.headers.get(name.lower())
        if media is None or values is None:
            continue
        try:
            value = json.loads(values[0])
        except ValueError as exc:
            raise AssertionError(f"Response header {name} is not JSON: {values[0]!r}") from exc
        errors = [e.message for e in jsonschema.Draft4Validator(_inline(media.get("schema", {}))).iter_errors(value)]
        assert not errors, f"Response header {name} does not conform to its schema: {errors}"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    json_headers_conformance,
]
MAX_EXAMPLES = 40
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    # Every example is a database round trip; the generated bodies are filtered by Schemathesis.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def _operations():
    operations = []
    for result in SCHEMA.get_all_operations():
        if isinstance(result, Err):  # an operation Schemathesis cannot read fails the whole module
            raise result.err()
        operations.append(result.ok())
    return operations


OPERATIONS = _operations()
TENANT_OPERATIONS = [op for op in OPERATIONS if op.path.startswith("/api/v1/tenants")]
# Service data: the tenant admin gets 403 there, so someone who works it drives them too: a project
# manager the customers, units and tickets of their project, HQ's CRM centre the group's settings.
SERVICE_CALLERS = {
    "/api/v1/customers": "pm1",
    "/api/v1/properties": "pm1",
    "/api/v1/tickets": "pm1",
    "/api/v1/categories": "hq_crm",
    "/api/v1/sla-policies": "hq_crm",
    # The background work's inboxes: headquarters' CRM centre is told of escalations and alerts.
    "/api/v1/escalations": "hq_crm",
    "/api/v1/alerts": "hq_crm",
    "/api/v1/notifications": "hq_crm",
    "/api/v1/service-settings": "hq_crm",
    # The reports: headquarters' CRM centre reads the whole group's.
    "/api/v1/reports": "hq_crm",
    # ...and the email copies and outbox messages of that work, which the tenant admin reads.
    "/api/v1/deliveries": "admin",
    "/api/v1/background-jobs": "admin",
}
SERVICE_OPERATIONS = [op for op in OPERATIONS if op.path.startswith(tuple(SERVICE_CALLERS))]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def test_every_operation_is_covered():
    """Both passes together cover every operation the spec declares, nothing is skipped."""
    declared = sum(
        1 for item in SCHEMA.raw_schema["paths"].values() for method in item
        if method in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    )
    assert len(OPERATIONS) == declared
    assert TENANT_OPERATIONS, "the /tenants operations are missing from the spec"


def _known_path_parameters(world, operation) -> list[dict]:
    """Ids that exist (in and out of the caller's tenant), besides the generated ones."""
    names = {p.name for p in operation.path_parameters}
    known = {
        "user_id": [world.user("admin"), world.user("pa1"), world.user("admin", "beta")],
        "org_unit_id": [world.unit("HQ"), world.unit("EAST"), world.unit("P-EAST-1"), world.unit("HQ", "beta")],
        "tenant_id": [world.tenants["alpha"], world.tenants["beta"]],
        "customer_id": world.extra.get("customer_id", []),
        "property_id": world.extra.get("property_id", []),
        "ticket_id": world.extra.get("ticket_id", []),
        "attachment_id": world.extra.get("attachment_id", []),
        "category_id": world.extra.get("category_id", []),
        "escalation_id": world.extra.get("escalation_id", []),
        "alert_id": world.extra.get("alert_id", []),
        "notification_id": world.extra.get("notification_id", []),
    }
    if not names or not names <= set(known):
        return []
    ordered = sorted(names)
    return [dict(zip(ordered, values)) for values in itertools.product(*(known[name] for name in ordered))]


def _run(app, world, operation, caller: str) -> None:
    strategies = []
    for mode in MODES:
        strategies.append(operation.as_strategy(generation_mode=mode))
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters=params)
            for params in _known_path_parameters(world, operation)
        ]

    def headers() -> dict:
        if operation.path == "/api/v1/auth/refresh":
            _access, refresh = world.tokens(caller)
            return {"Authorization": f"Bearer {refresh}"}
        return world.headers(caller)

    @HYPOTHESIS
    @given(case=st.one_of(strategies))
    def check(case):
        response = case.call(app=app, headers=headers())
        case.validate_response(response, checks=CHECKS)

    check()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_api_as_tenant_admin(app, world, operation):
    _run(app, world, operation, "admin")


@pytest.mark.parametrize("operation", TENANT_OPERATIONS, ids=lambda op: op.label)
def test_tenants_api_as_platform_admin(app, world, operation):
    _run(app, world, operation, "root")


@pytest.mark.parametrize("operation", SERVICE_OPERATIONS, ids=lambda op: op.label)
def test_service_api_as_its_users(app, world, operation):
    """Customers, units and tickets as pm1 of P-EAST-1, with a customer, a unit and a ticket (with a
    photo) on file there; categories, SLA policies, service settings, reports and the inboxes of
    escalations, alerts and notifications as hq_crm. Besides these, known ids of a sibling project and
    of the other group."""
    import io

    client = app.test_client()
    headers = world.headers("pm1")
    customer = client.post("/api/v1/customers", headers=headers, json={
        "org_unit_id": world.unit("P-EAST-1"), "name": "张伟明", "phone": "13812345678"})
    unit = client.post("/api/v1/properties", headers=headers, json={
        "org_unit_id": world.unit("P-EAST-1"), "building": "3", "unit": "2", "room": "1201",
        "handover_date": "2025-06-30"})
    assert customer.status_code == 201 and unit.status_code == 201
    world.extra["customer_id"] = [customer.json["id"]]
    world.extra["property_id"] = [unit.json["id"]]
    if operation.path.startswith(("/api/v1/tickets", "/api/v1/categories", "/api/v1/reports")):
        alpha, beta = world.categories(), world.categories("beta")
        world.extra["category_id"] = [alpha["leakage"], alpha["construction_quality"], beta["leakage"]]
        ticket = client.post("/api/v1/tickets", headers=headers, json={
            "type": "repair", "channel": "phone", "org_unit_id": world.unit("P-EAST-1"), "title": "卫生间漏水",
            "description": "主卫天花渗水", "category_id": alpha["leakage"], "customer_id": customer.json["id"],
            "property_id": unit.json["id"]})
        sibling = client.post("/api/v1/tickets", headers=world.headers("pa2"), json={
            "type": "inquiry", "channel": "web", "org_unit_id": world.unit("P-EAST-2"), "title": "物业费",
            "description": "咨询物业费"})
        other = client.post("/api/v1/tickets", headers=world.headers("pa_b", "beta"), json={
            "type": "complaint", "channel": "phone", "org_unit_id": world.unit("B-PROJECT", "beta"),
            "title": "噪音", "description": "夜间施工"})
        photo = client.post(f"/api/v1/tickets/{ticket.json['id']}/attachments", headers=headers,
                            data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "leak.png")},
                            content_type="multipart/form-data")
        assert {r.status_code for r in (ticket, sibling, other, photo)} == {201}
        world.extra["ticket_id"] = [ticket.json["id"], sibling.json["id"], other.json["id"]]
        world.extra["attachment_id"] = [photo.json["id"]]
    if operation.path.startswith(("/api/v1/escalations", "/api/v1/alerts", "/api/v1/notifications",
                                  "/api/v1/deliveries", "/api/v1/background-jobs")):
        _background_work(client, world)
    caller = next(who for prefix, who in SERVICE_CALLERS.items() if operation.path.startswith(prefix))
    _run(app, world, operation, caller)


def _background_work(client, world) -> None:
    """An hq escalation (a major complaint) with hq_crm's note about it (and its email) and a
    group-complaint alert (three leakage complaints) in P-EAST-1; an escalation, its note and an
    alert of the other group."""
    leakage = {"alpha": world.categories()["leakage"], "beta": world.categories("beta")["leakage"]}
    email = client.patch(f"/api/v1/users/{world.user('hq_crm')}", headers=world.headers("admin"),
                         json={"email": "crm@alpha.example"})
    assert email.status_code == 200
    beta_crm = client.post("/api/v1/users", headers=world.headers("admin", "beta"), json={
        "username": "crm_b", "password": "Another-pass-1", "name": "CRM B"})
    assert beta_crm.status_code == 201
    member = client.post(f"/api/v1/users/{beta_crm.json['id']}/memberships", headers=world.headers("admin", "beta"),
                         json={"org_unit_id": world.unit("HQ", "beta"), "role": "hq_crm"})
    assert member.status_code == 201
    world.users[("beta", "crm_b")] = beta_crm.json["id"]
    for tenant, who, unit in (("alpha", "pm1", "P-EAST-1"), ("beta", "pa_b", "B-PROJECT")):
        for i in range(4):
            response = client.post("/api/v1/tickets", headers=world.headers(who, tenant), json={
                "type": "complaint", "channel": "phone", "org_unit_id": world.unit(unit, tenant), "title": "渗漏",
                "description": "地下室渗水", "category_id": leakage[tenant], "is_major": i == 0})
            assert response.status_code == 201
    found = {}
    for tenant, who in (("alpha", "hq_crm"), ("beta", "crm_b")):
        for kind, path in (("escalation_id", "/api/v1/escalations"), ("alert_id", "/api/v1/alerts"),
                           ("notification_id", "/api/v1/notifications")):
            rows = client.get(path, headers=world.headers(who, tenant)).json
            assert rows, (tenant, path)
            found.setdefault(kind, []).append(rows[0]["id"])
    world.extra.update(found)
