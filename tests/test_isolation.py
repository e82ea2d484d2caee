"""Tenant and org-scope isolation across every endpoint that reads or writes tenant data.

The world (tests/factories.py):

    alpha: HQ ─┬─ EAST ─┬─ P-EAST-1   (pm1, pa1, eng1)
               │        └─ P-EAST-2   (pa2)
               └─ SOUTH ── P-SOUTH-1  (pa3)
           hq: admin (tenant_admin), hq_crm, viewer; EAST: rm_east, ra_east; SOUTH: rm_south
    beta:  HQ ── B-REGION ── B-PROJECT (pa_b); hq: admin

Rules under test: an object outside the caller's tenant or org scope answers 404 (whatever the
permission), a missing permission answers 403, and lists hold exactly the caller's part.

Tickets: `<ticket:east1>` is a complaint logged by pa1 in P-EAST-1 (routed to customer service)
and `<attachment:east1>` a photo on it; `<escalation:east1>` is pm1's escalation of it to the region
and `<notification:rm_east>` the note it put in rm_east's inbox; `<alert:east1>` is the group-complaint
alert of three leakage complaints in P-EAST-1. Each is created only for the cases that name it. Users
beyond the world (`beta:pm_b`, a project manager of B-PROJECT; `pm2`, of P-EAST-2) are added on
demand too, so that a caller holding the permission meets the scope (404), not the role (403).
Reports take an `org_unit_id` outside the caller's report.read reach as such an id (404).
"""

from __future__ import annotations

import io
import re

import pytest

from tests.scope_tools import api, assert_error, ids_of, pagination, tree_ids

ALPHA_UNITS = ("HQ", "EAST", "SOUTH", "P-EAST-1", "P-EAST-2", "P-SOUTH-1")
BETA_UNITS = ("HQ", "B-REGION", "B-PROJECT")
ALPHA_USERS = ("admin", "hq_crm", "viewer", "rm_east", "ra_east", "rm_south", "pm1", "pa1", "eng1", "pa2", "pa3")
EAST_USERS = ("rm_east", "ra_east", "pm1", "pa1", "eng1", "pa2")

_TOKEN = re.compile(
    r"<(unit|user|tenant|ticket|attachment|category|escalation|alert|notification|contractor|work_order|callback|customer):"
    r"(?:(alpha|beta):)?([^>]+)>")


class Upload:
    """A multipart body with one file part, `file` (the attachment endpoints), and form `fields`."""

    def __init__(self, content: bytes, filename: str, **fields):
        self.content, self.filename, self.fields = content, filename, fields

    def __repr__(self):
        return f"Upload({self.filename})"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PHOTO = Upload(PNG, "leak.png")
BEFORE = Upload(PNG, "before.png", stage="before")  # a work order's photo


def _resolve(world, value):
    """Replace `<unit:CODE>`, `<user:NAME>`, `<tenant:SLUG>`, `<ticket:NAME>`, `<attachment:NAME>`,
    `<category:CODE>` (optionally `<unit:beta:CODE>`) by ids."""
    if isinstance(value, dict):
        return {k: _resolve(world, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(world, v) for v in value]
    if not isinstance(value, str):
        return value

    def lookup(kind, tenant, name):
        tenant = tenant or "alpha"
        if kind == "unit":
            return world.unit(name, tenant)
        if kind == "user":
            return world.user(name, tenant)
        if kind in ("ticket", "attachment", "escalation", "alert", "notification", "contractor", "work_order",
                    "callback", "customer"):
            return world.extra[kind][name]
        if kind == "category":
            return _categories(world, tenant)[name]
        return world.tenants[name]

    whole = _TOKEN.fullmatch(value)
    if whole:
        return lookup(*whole.groups())
    return _TOKEN.sub(lambda m: str(lookup(*m.groups())), value)


def _headers(world, who: str) -> dict:
    if who == "root":
        return world.headers("root")
    tenant, _, username = who.rpartition(":")
    return world.headers(username, tenant or "alpha")


def _call(client, world, who, method, path, body=None):
    if isinstance(body, Upload):
        return client.open(api(_resolve(world, path)), method=method, headers=_headers(world, who),
                           data={"file": (io.BytesIO(body.content), body.filename), **body.fields},
                           content_type="multipart/form-data")
    return client.open(api(_resolve(world, path)), method=method, json=_resolve(world, body),
                       headers=_headers(world, who))


# --- what some cases need beyond the world, made only for them --------------------------------------

EXTRA_USERS = {
    # name: (tenant, role, unit, function)
    "beta:pm_b": ("beta", "project_manager", "B-PROJECT", "customer_service"),
    "pm2": ("alpha", "project_manager", "P-EAST-2", "customer_service"),
}


def _categories(world, tenant: str) -> dict[str, int]:
    cache = world.extra.setdefault("categories", {})
    if tenant not in cache:
        cache[tenant] = world.categories(tenant)
    return cache[tenant]


def _add_user(world, who: str) -> None:
    from servicehub.access import Role
    from servicehub.db import bind_tenant
    from servicehub.extensions import db
    from servicehub.users.models import Function, Membership, User
    from tests.factories import _password_hash

    tenant, role, unit, function = EXTRA_USERS[who]
    username = who.rpartition(":")[2]
    with world.app.app_context():
        session = db.session
        bind_tenant(session, world.tenants[tenant])
        user = User(tenant_id=world.tenants[tenant], org_unit_id=world.unit(unit, tenant), username=username,
                    name=username.upper(), password_hash=_password_hash())
        user.memberships = [Membership(tenant_id=world.tenants[tenant], org_unit_id=world.unit(unit, tenant),
                                       role=Role(role), function=Function(function))]
        session.add(user)
        session.commit()
        world.users[(tenant, username)] = user.id


def _prepare(client, world, who, path, body) -> None:
    """Create what the case names: its caller if not in the world, the ticket, the attachment."""
    if who in EXTRA_USERS and (EXTRA_USERS[who][0], who.rpartition(":")[2]) not in world.users:
        _add_user(world, who)
    text = f"{path} {body!r}"
    names = lambda *kinds: any(f"<{kind}:" in text for kind in kinds)  # noqa: E731
    if names("ticket", "attachment", "escalation", "notification") and "ticket" not in world.extra:
        response = client.post(api("/tickets"), headers=world.headers("pa1"), json=_resolve(world, TICKET))
        assert response.status_code == 201, response.get_json()
        world.extra["ticket"] = {"east1": response.get_json()["id"]}
    if names("attachment") and "attachment" not in world.extra:
        response = _call(client, world, "pa1", "POST", "/tickets/<ticket:east1>/attachments", PHOTO)
        assert response.status_code == 201, response.get_json()
        world.extra["attachment"] = {"east1": response.get_json()["id"]}
    if names("escalation", "notification") and "escalation" not in world.extra:
        response = _call(client, world, "pm1", "POST", "/tickets/<ticket:east1>/escalate", {"reason": "业主要求"})
        assert response.status_code == 201, response.get_json()
        world.extra["escalation"] = {"east1": response.get_json()["id"]}
        (note,) = client.get(api("/notifications"), headers=world.headers("rm_east")).get_json()
        world.extra["notification"] = {"rm_east": note["id"]}
    if names("contractor", "work_order") and "contractor" not in world.extra:
        from tests.repairs import new_contractor

        world.extra["contractor"] = {"east": new_contractor(client, world, "EAST")["id"]}
    if names("work_order") and "work_order" not in world.extra:
        from tests.repairs import dispatch, repair_ticket

        ticket = repair_ticket(client, world)
        response = dispatch(client, world, ticket["id"], world.extra["contractor"]["east"])
        assert response.status_code == 201, response.get_json()
        world.extra["work_order"] = {"east1": response.get_json()["id"]}
        world.extra.setdefault("ticket", {})["repair1"] = ticket["id"]
    if "<ticket:repair2>" in text and "repair2" not in world.extra.get("ticket", {}):
        from tests.repairs import repair_ticket

        world.extra.setdefault("ticket", {})["repair2"] = repair_ticket(client, world)["id"]
    if names("callback", "customer") and "callback" not in world.extra:
        # A customer of P-EAST-1 and the callback of their resolved repair (pa1's, the first responder).
        response = client.post(api("/customers"), headers=world.headers("pa1"), json={
            "org_unit_id": world.unit("P-EAST-1"), "name": "王建国", "phone": "13800138001"})
        assert response.status_code == 201, response.get_json()
        world.extra["customer"] = {"east1": response.get_json()["id"]}
        response = client.post(api("/tickets"), headers=world.headers("pa1"), json=_resolve(world, {
            **TICKET, "type": "repair", "customer_id": "<customer:east1>"}))
        assert response.status_code == 201, response.get_json()
        for to in ("in_progress", "resolved"):
            moved = _call(client, world, "pa1", "POST", f"/tickets/{response.get_json()['id']}/transitions", {"to": to})
            assert moved.status_code == 200, moved.get_json()
        (callback,) = client.get(api("/callbacks"), headers=world.headers("pa1")).get_json()
        world.extra["callback"] = {"east1": callback["id"]}
    if names("alert") and "alert" not in world.extra:
        leakage = _categories(world, "alpha")["leakage"]
        for _ in range(3):
            response = client.post(api("/tickets"), headers=world.headers("pa1"),
                                   json=_resolve(world, {**TICKET, "category_id": leakage}))
            assert response.status_code == 201, response.get_json()
        (alert,) = client.get(api("/alerts"), headers=world.headers("hq_crm")).get_json()
        world.extra["alert"] = {"east1": alert["id"]}
    _resolve(world, path)  # categories are seeded on first use: before any snapshot is taken
    _resolve(world, None if isinstance(body, Upload) else body)


NEW_UNIT = {"kind": "project", "parent_id": "<unit:EAST>", "name": "新项目", "code": "P-NEW"}
NEW_USER = {"username": "newbie", "password": "Another-pass-1", "name": "Newbie"}
TICKET = {"type": "complaint", "channel": "phone", "org_unit_id": "<unit:P-EAST-1>", "title": "卫生间漏水",
          "description": "主卫天花渗水"}
T = "/tickets/<ticket:east1>"
ATTACHMENT = f"{T}/attachments/<attachment:east1>"
NEW_CATEGORY = {"code": "noise", "name": "噪音", "parent_id": "<category:property_management>"}
SLA = {"org_unit_id": "<unit:P-EAST-1>",
       "targets": [{"type": "repair", "priority": "normal", "response_minutes": 60, "resolve_minutes": 600}]}
# Every ticket endpoint, with a body that the ticket's own people may send (200/201 for them).
TICKET_CALLS = [
    ("GET", T, None),
    ("PATCH", T, {"title": "taken over"}),
    ("POST", f"{T}/transitions", {"to": "cancelled", "reason": "重复登记"}),
    ("GET", f"{T}/comments", None),
    ("POST", f"{T}/comments", {"body": "已联系业主", "kind": "reply"}),
    ("GET", f"{T}/attachments", None),
    ("POST", f"{T}/attachments", PHOTO),
    ("GET", ATTACHMENT, None),
    ("POST", f"{T}/escalate", {"reason": "业主要求"}),
    ("GET", f"{T}/events", None),
]
TICKET_WRITES = [call for call in TICKET_CALLS if call[0] != "GET"]
C = "/contractors/<contractor:east>"
W = "/work-orders/<work_order:east1>"
CONTRACTOR = {"name": "华东防水", "trades": ["waterproofing"], "org_unit_ids": ["<unit:EAST>"],
              "contract_start": "2020-01-01", "contract_end": "2099-12-31"}
# Another repair ticket of P-EAST-1 to dispatch (the work order east1 is on ticket repair1).
DISPATCH = {"ticket_id": "<ticket:repair2>", "contractor_id": "<contractor:east>", "supervisor_id": "<user:eng1>",
            "component": "plumbing"}
WORK_ORDER_CALLS = [
    ("GET", W, None),
    ("PATCH", W, {"materials": "防水涂料"}),
    ("POST", f"{W}/transitions", {"to": "accepted"}),
]
CB = "/callbacks/<callback:east1>"
CALLBACK_CALLS = [("GET", CB, None), ("POST", f"{CB}/complete", {"reached": False, "comment": "无人接听"})]
CALLBACK = {"org_unit_id": "<unit:P-EAST-1>", "customer_id": "<customer:east1>", "kind": "property_service",
            "due_at": "2030-01-01T09:00:00+08:00"}
BULK_CALLBACKS = {"org_unit_id": "<unit:P-EAST-1>", "customer_ids": ["<customer:east1>"], "kind": "handover",
                  "due_at": "2030-01-01T09:00:00+08:00"}
ACK_ESCALATION = "/escalations/<escalation:east1>/acknowledge"
ACK_ALERT = "/alerts/<alert:east1>/acknowledge"
READ_NOTE = "/notifications/<notification:rm_east>/read"
SETTINGS_CHANGE = {"major_households": 6}
ASSIGNEES = f"{T}/assignees"
REPORTS = ("/reports/overview", "/reports/breakdown?dimension=project")
SCORECARD = ("/contractors/scorecard?period=2026-10", "/contractors/scorecard/export?period=2026-Q4")


def _at(path: str, unit: str) -> str:
    """`path` narrowed to an org unit (`?org_unit_id=<unit:...>`)."""
    return f"{path}{'&' if '?' in path else '?'}org_unit_id=<unit:{unit}>"


# (caller, method, path, body, expected status)
MATRIX = [
    # --- another group: nothing of alpha exists for beta -------------------------------------
    ("beta:admin", "GET", "/org-units/<unit:HQ>", None, 404),
    ("beta:admin", "GET", "/org-units/<unit:EAST>", None, 404),
    ("beta:admin", "GET", "/org-units/<unit:P-EAST-1>", None, 404),
    ("beta:admin", "PATCH", "/org-units/<unit:EAST>", {"name": "taken over"}, 404),
    ("beta:admin", "PATCH", "/org-units/<unit:P-EAST-1>", {"is_active": False}, 404),
    ("beta:admin", "PATCH", "/org-units/<unit:beta:B-PROJECT>", {"parent_id": "<unit:EAST>"}, 404),
    ("beta:admin", "POST", "/org-units", NEW_UNIT, 404),
    ("beta:admin", "GET", "/users/<user:pa1>", None, 404),
    ("beta:admin", "GET", "/users/<user:admin>", None, 404),
    ("beta:admin", "PATCH", "/users/<user:pa1>", {"name": "taken over"}, 404),
    ("beta:admin", "PATCH", "/users/<user:admin>", {"password": "Hijacked-pass-1"}, 404),
    ("beta:admin", "PATCH", "/users/<user:beta:pa_b>", {"org_unit_id": "<unit:P-EAST-1>"}, 404),
    ("beta:admin", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:EAST>"}, 404),
    ("beta:admin", "GET", "/users/<user:pa1>/memberships", None, 404),
    ("beta:admin", "POST", "/users/<user:pa1>/memberships",
     {"org_unit_id": "<unit:beta:B-PROJECT>", "role": "project_agent"}, 404),
    ("beta:admin", "POST", "/users/<user:beta:pa_b>/memberships",
     {"org_unit_id": "<unit:P-EAST-1>", "role": "project_agent"}, 404),
    ("beta:admin", "DELETE", "/users/<user:pa1>/memberships?org_unit_id=<unit:P-EAST-1>&role=project_agent", None, 404),
    ("beta:pa_b", "GET", "/org-units/<unit:P-EAST-1>", None, 404),
    # --- a project reaches its own project only ----------------------------------------------
    ("pa1", "GET", "/org-units/<unit:P-EAST-1>", None, 200),
    ("pa1", "GET", "/org-units/<unit:P-EAST-2>", None, 404),
    ("pa1", "GET", "/org-units/<unit:EAST>", None, 404),
    ("pa1", "GET", "/org-units/<unit:HQ>", None, 404),
    ("eng1", "GET", "/org-units/<unit:P-EAST-2>", None, 404),
    ("pm1", "GET", "/org-units/<unit:P-EAST-1>", None, 200),
    ("pm1", "GET", "/org-units/<unit:P-EAST-2>", None, 404),
    ("pm1", "GET", "/users/<user:pa1>", None, 200),
    ("pm1", "GET", "/users/<user:pa2>", None, 404),
    ("pm1", "GET", "/users/<user:rm_east>", None, 404),
    ("pm1", "PATCH", "/users/<user:pa1>", {"name": "PA ONE"}, 200),
    ("pm1", "PATCH", "/users/<user:pa2>", {"name": "taken over"}, 404),
    ("pm1", "PATCH", "/users/<user:pa2>", {"password": "Hijacked-pass-1"}, 404),
    ("pm1", "PATCH", "/users/<user:pa1>", {"org_unit_id": "<unit:P-EAST-2>"}, 404),
    ("pm1", "GET", "/users/<user:pa1>/memberships", None, 200),
    ("pm1", "GET", "/users/<user:pa2>/memberships", None, 404),
    ("pm1", "POST", "/users/<user:pa2>/memberships", {"org_unit_id": "<unit:P-EAST-1>", "role": "project_agent"}, 404),
    ("pm1", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-EAST-2>", "role": "project_agent"}, 404),
    ("pm1", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-EAST-1>", "role": "viewer"}, 201),
    ("pm1", "DELETE", "/users/<user:pa2>/memberships?org_unit_id=<unit:P-EAST-2>&role=project_agent", None, 404),
    ("pm1", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:P-EAST-2>"}, 404),
    ("pm1", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:P-EAST-1>"}, 201),
    # --- a region reaches its projects, not the other region ----------------------------------
    ("rm_east", "GET", "/org-units/<unit:EAST>", None, 200),
    ("rm_east", "GET", "/org-units/<unit:P-EAST-1>", None, 200),
    ("rm_east", "GET", "/org-units/<unit:P-EAST-2>", None, 200),
    ("rm_east", "GET", "/org-units/<unit:SOUTH>", None, 404),
    ("rm_east", "GET", "/org-units/<unit:P-SOUTH-1>", None, 404),
    ("rm_east", "GET", "/org-units/<unit:HQ>", None, 404),
    ("ra_east", "GET", "/org-units/<unit:P-EAST-2>", None, 200),
    ("ra_east", "GET", "/org-units/<unit:P-SOUTH-1>", None, 404),
    ("rm_east", "GET", "/users/<user:pa1>", None, 200),
    ("rm_east", "GET", "/users/<user:pa2>", None, 200),
    ("rm_east", "GET", "/users/<user:pa3>", None, 404),
    ("rm_east", "GET", "/users/<user:rm_south>", None, 404),
    ("rm_east", "GET", "/users/<user:admin>", None, 404),
    ("rm_east", "PATCH", "/users/<user:pa2>", {"name": "PA TWO"}, 200),
    ("rm_east", "PATCH", "/users/<user:pa3>", {"name": "taken over"}, 404),
    ("rm_east", "PATCH", "/users/<user:pa3>", {"is_active": False}, 404),
    ("rm_east", "PATCH", "/users/<user:pa1>", {"org_unit_id": "<unit:P-SOUTH-1>"}, 404),
    ("rm_east", "PATCH", "/users/<user:pa1>", {"org_unit_id": "<unit:P-EAST-2>"}, 200),
    ("rm_east", "GET", "/users/<user:pa3>/memberships", None, 404),
    ("rm_east", "GET", "/users/<user:pa2>/memberships", None, 200),
    ("rm_east", "POST", "/users/<user:pa3>/memberships", {"org_unit_id": "<unit:P-SOUTH-1>", "role": "viewer"}, 404),
    ("rm_east", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-SOUTH-1>", "role": "project_agent"}, 404),
    ("rm_east", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-EAST-2>", "role": "project_agent"}, 201),
    ("rm_east", "DELETE", "/users/<user:pa3>/memberships?org_unit_id=<unit:P-SOUTH-1>&role=project_agent", None, 404),
    ("rm_east", "DELETE", "/users/<user:pa2>/memberships?org_unit_id=<unit:P-EAST-2>&role=project_agent", None, 204),
    ("rm_east", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:SOUTH>"}, 404),
    ("rm_east", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:P-SOUTH-1>"}, 404),
    ("rm_east", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:HQ>"}, 404),
    ("rm_east", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:P-EAST-2>"}, 201),
    ("rm_south", "GET", "/users/<user:pa3>", None, 200),
    ("rm_south", "GET", "/users/<user:pa1>", None, 404),
    ("rm_south", "GET", "/org-units/<unit:P-EAST-1>", None, 404),
    # --- the hq reaches all of its group ------------------------------------------------------
    ("admin", "GET", "/org-units/<unit:HQ>", None, 200),
    ("admin", "GET", "/org-units/<unit:P-SOUTH-1>", None, 200),
    ("admin", "PATCH", "/org-units/<unit:P-SOUTH-1>", {"name": "深圳·前海湾二期"}, 200),
    ("admin", "POST", "/org-units", NEW_UNIT, 201),
    ("admin", "GET", "/users/<user:pa3>", None, 200),
    ("admin", "PATCH", "/users/<user:pa3>", {"name": "PA THREE"}, 200),
    ("admin", "GET", "/users/<user:pa3>/memberships", None, 200),
    ("admin", "POST", "/users/<user:pa3>/memberships", {"org_unit_id": "<unit:P-EAST-1>", "role": "project_agent"}, 201),
    ("admin", "DELETE", "/users/<user:pa3>/memberships?org_unit_id=<unit:P-SOUTH-1>&role=project_agent", None, 204),
    ("admin", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:P-SOUTH-1>"}, 201),
    ("admin", "GET", "/audit-log", None, 200),
    ("hq_crm", "GET", "/org-units/<unit:P-SOUTH-1>", None, 200),
    ("hq_crm", "GET", "/users/<user:pa3>", None, 200),
    ("hq_crm", "GET", "/users/<user:pa3>/memberships", None, 200),
    ("viewer", "GET", "/org-units/<unit:P-EAST-2>", None, 200),
    # --- missing permission: 403 (whatever the id) --------------------------------------------
    ("pa1", "POST", "/org-units", NEW_UNIT, 403),
    ("pm1", "POST", "/org-units", NEW_UNIT, 403),
    ("rm_east", "POST", "/org-units", NEW_UNIT, 403),
    ("hq_crm", "POST", "/org-units", NEW_UNIT, 403),
    ("rm_east", "PATCH", "/org-units/<unit:P-EAST-1>", {"name": "x"}, 403),
    ("pm1", "PATCH", "/org-units/<unit:P-EAST-1>", {"name": "x"}, 403),
    ("viewer", "POST", "/users", NEW_USER, 403),
    ("hq_crm", "POST", "/users", NEW_USER, 403),
    ("pa1", "POST", "/users", NEW_USER, 403),
    ("pa1", "GET", "/users", None, 403),
    ("pa1", "GET", "/users/<user:pa1>", None, 403),
    ("pa1", "GET", "/users/<user:pa1>/memberships", None, 403),
    ("eng1", "GET", "/users", None, 403),
    ("viewer", "GET", "/users", None, 403),
    ("ra_east", "GET", "/users", None, 403),
    ("hq_crm", "PATCH", "/users/<user:pa1>", {"name": "x"}, 403),
    ("hq_crm", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-EAST-1>", "role": "viewer"}, 403),
    ("pa1", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:P-EAST-1>", "role": "project_manager"}, 403),
    ("pa1", "DELETE", "/users/<user:pa1>/memberships?org_unit_id=<unit:P-EAST-1>&role=project_agent", None, 403),
    ("pa1", "GET", "/audit-log", None, 403),
    ("viewer", "GET", "/audit-log", None, 403),
    ("hq_crm", "GET", "/audit-log", None, 403),
    ("rm_east", "GET", "/audit-log", None, 403),
    ("pm1", "GET", "/audit-log", None, 403),
    # --- tenants: platform admins only ---------------------------------------------------------
    ("admin", "GET", "/tenants", None, 403),
    ("admin", "POST", "/tenants", {"slug": "gamma", "name": "Gamma", "admin_username": "gadmin",
                                   "admin_password": "Gamma-pass-1"}, 403),
    ("admin", "GET", "/tenants/<tenant:alpha>", None, 403),
    ("admin", "PATCH", "/tenants/<tenant:alpha>", {"name": "Renamed"}, 403),
    ("beta:admin", "GET", "/tenants/<tenant:alpha>", None, 403),
    ("beta:admin", "PATCH", "/tenants/<tenant:alpha>", {"status": "suspended"}, 403),
    ("pa1", "GET", "/tenants", None, 403),
    ("root", "GET", "/tenants", None, 200),
    ("root", "GET", "/tenants/<tenant:alpha>", None, 200),
    ("root", "PATCH", "/tenants/<tenant:beta>", {"name": "Beta Renamed"}, 200),
    ("root", "POST", "/tenants", {"slug": "gamma", "name": "Gamma", "admin_username": "gadmin",
                                  "admin_password": "Gamma-pass-1"}, 201),
    # --- a platform admin has no access to a group's data --------------------------------------
    ("root", "GET", "/users", None, 403),
    ("root", "GET", "/users/<user:pa1>", None, 403),
    ("root", "PATCH", "/users/<user:pa1>", {"name": "x"}, 403),
    ("root", "POST", "/users", {**NEW_USER, "org_unit_id": "<unit:HQ>"}, 403),
    ("root", "GET", "/users/<user:pa1>/memberships", None, 403),
    ("root", "POST", "/users/<user:pa1>/memberships", {"org_unit_id": "<unit:HQ>", "role": "viewer"}, 403),
    ("root", "DELETE", "/users/<user:pa1>/memberships?org_unit_id=<unit:P-EAST-1>&role=project_agent", None, 403),
    ("root", "GET", "/org-units", None, 403),
    ("root", "GET", "/org-units/tree", None, 403),
    ("root", "GET", "/org-units/<unit:HQ>", None, 403),
    ("root", "PATCH", "/org-units/<unit:EAST>", {"name": "x"}, 403),
    ("root", "POST", "/org-units", NEW_UNIT, 403),
    ("root", "GET", "/audit-log", None, 403),
    # --- the role catalogue: no group data, for every user of a group (not a platform admin) -----
    *[(who, "GET", "/roles", None, 200) for who in ("admin", "viewer", "pa1", "eng1", "beta:pa_b")],
    ("root", "GET", "/roles", None, 403),
    # --- tickets: another group, another region, a sibling project, another function: 404 --------
    # (Escalating needs ticket.escalate, which agents lack anywhere (403 below): a manager of the
    # other group or the sibling project stands in for them there.)
    *[("beta:pa_b", method, path, body, 404) for method, path, body in TICKET_CALLS if "escalate" not in path],
    ("beta:pm_b", "POST", f"{T}/escalate", {"reason": "业主要求"}, 404),
    *[("rm_south", method, path, body, 404) for method, path, body in TICKET_CALLS],
    *[("pa2", method, path, body, 404) for method, path, body in TICKET_CALLS if "escalate" not in path],
    ("pm2", "POST", f"{T}/escalate", {"reason": "业主要求"}, 404),
    # An engineer of the project reaches engineering's tickets only (this one is customer service's).
    ("eng1", "GET", T, None, 404),
    ("eng1", "PATCH", T, {"title": "taken over"}, 404),
    ("eng1", "POST", f"{T}/comments", {"body": "x"}, 404),
    ("eng1", "GET", ATTACHMENT, None, 404),
    ("beta:pa_b", "POST", "/tickets", TICKET, 404),
    ("rm_south", "POST", "/tickets", TICKET, 404),
    ("pa2", "POST", "/tickets", TICKET, 404),
    ("pa3", "POST", "/tickets", {**TICKET, "org_unit_id": "<unit:P-EAST-2>"}, 404),
    # --- tickets: the ticket's own people (each call above is a valid one) ----------------------------
    *[("pm1", method, path, body, 201 if method == "POST" and "transitions" not in path else 200)
      for method, path, body in TICKET_CALLS],
    *[("viewer", method, path, None, 200) for method, path, _body in TICKET_CALLS if method == "GET"],
    ("rm_east", "GET", T, None, 200),
    ("hq_crm", "GET", T, None, 200),
    ("pa1", "GET", "/tickets", None, 200),
    ("pa1", "POST", "/tickets", TICKET, 201),
    ("eng1", "POST", "/tickets", {**TICKET, "type": "repair"}, 201),
    ("rm_east", "POST", "/tickets", {**TICKET, "org_unit_id": "<unit:P-EAST-2>"}, 201),
    # --- tickets: missing permission: 403 ------------------------------------------------------------
    ("viewer", "POST", "/tickets", TICKET, 403),
    *[("viewer", method, path, body, 403) for method, path, body in TICKET_WRITES],
    ("pa1", "POST", f"{T}/escalate", {"reason": "业主要求"}, 403),
    ("pa2", "POST", f"{T}/escalate", {"reason": "业主要求"}, 403),
    ("eng1", "POST", f"{T}/escalate", {"reason": "业主要求"}, 403),
    ("beta:pa_b", "POST", f"{T}/escalate", {"reason": "业主要求"}, 403),
    ("admin", "GET", "/tickets", None, 403),
    ("admin", "POST", "/tickets", TICKET, 403),
    ("admin", "GET", T, None, 403),
    ("admin", "PATCH", T, {"title": "taken over"}, 403),
    ("root", "GET", "/tickets", None, 403),
    ("root", "POST", "/tickets", TICKET, 403),
    *[("root", method, path, body, 403) for method, path, body in TICKET_CALLS],
    # --- repairs: contractors of region EAST, a work order of P-EAST-1 (supervised by eng1) -------------
    *[(who, "GET", C, None, 404) for who in ("beta:pa_b", "rm_south", "pa3")],
    ("rm_south", "PATCH", C, {"name": "taken over"}, 404),
    *[(who, "GET", C, None, 200) for who in ("pa1", "pa2", "rm_east", "hq_crm", "viewer")],
    ("rm_east", "PATCH", C, {"notes": "区域评估"}, 200),
    ("hq_crm", "PATCH", C, {"notes": "集团评估"}, 200),
    ("rm_south", "POST", "/contractors", CONTRACTOR, 422),  # EAST is not theirs to serve
    ("rm_east", "POST", "/contractors", CONTRACTOR, 201),
    *[(who, "PATCH", C, {"name": "x"}, 403) for who in ("pm1", "pa1", "viewer")],
    *[(who, "POST", "/contractors", CONTRACTOR, 403) for who in ("pm1", "pa1", "viewer", "admin", "root")],
    ("eng1", "GET", "/contractors", None, 403),
    ("admin", "GET", C, None, 403),
    *[(who, method, path, body, 404) for method, path, body in WORK_ORDER_CALLS
      for who in ("beta:pm_b", "rm_south", "pm2")],
    ("pa2", "GET", W, None, 404),
    *[(who, method, path, body, 200) for method, path, body in WORK_ORDER_CALLS for who in ("pm1", "eng1")],
    *[(who, "GET", W, None, 200) for who in ("pa1", "rm_east", "hq_crm", "viewer")],
    *[(who, method, path, body, 403) for method, path, body in WORK_ORDER_CALLS if method != "GET"
      for who in ("pa1", "viewer")],
    ("admin", "GET", W, None, 403),
    # Its before / after photos: read with the work order, added by the dispatcher or the supervisor.
    *[(who, method, f"{W}/photos", body, 404) for method, body in (("GET", None), ("POST", BEFORE))
      for who in ("beta:pm_b", "rm_south", "pm2")],
    ("pa2", "GET", f"{W}/photos", None, 404),
    *[(who, "GET", f"{W}/photos", None, 200) for who in ("pm1", "eng1", "pa1", "rm_east", "hq_crm", "viewer")],
    *[(who, "POST", f"{W}/photos", BEFORE, 201) for who in ("pm1", "eng1", "rm_east")],
    *[(who, "POST", f"{W}/photos", BEFORE, 403) for who in ("pa1", "viewer", "ra_east")],
    ("admin", "GET", f"{W}/photos", None, 403),
    ("root", "GET", "/work-orders", None, 403),
    ("pa1", "POST", "/work-orders", DISPATCH, 403),
    ("viewer", "POST", "/work-orders", DISPATCH, 403),
    ("rm_south", "POST", "/work-orders", DISPATCH, 404),
    ("pm2", "POST", "/work-orders", DISPATCH, 404),
    ("beta:pm_b", "POST", "/work-orders", DISPATCH, 404),
    ("pm1", "POST", "/work-orders", DISPATCH, 201),
    # --- the contractor scorecard: contractor.manage (hq_crm, a region's manager) at the group or a region ----
    *[(who, "GET", _at(path, unit), None, 404) for path in SCORECARD for who, unit in (
        ("rm_south", "EAST"), ("rm_south", "P-EAST-1"), ("rm_east", "SOUTH"), ("rm_east", "HQ"),
        ("hq_crm", "beta:B-REGION"), ("hq_crm", "beta:HQ"))],
    *[(who, "GET", path, None, 200) for path in SCORECARD for who in ("hq_crm", "rm_east", "rm_south")],
    *[(who, "GET", _at(path, unit), None, 200) for path in SCORECARD
      for who, unit in (("hq_crm", "HQ"), ("hq_crm", "SOUTH"), ("rm_east", "EAST"))],
    *[(who, "GET", _at(path, unit), None, 422) for path in SCORECARD
      for who, unit in (("hq_crm", "P-SOUTH-1"), ("rm_east", "P-EAST-2"))],
    *[(who, "GET", path, None, 403) for path in SCORECARD
      for who in ("pm1", "pa1", "eng1", "ra_east", "viewer", "admin", "beta:admin", "beta:pa_b", "root")],
    *[(who, "GET", _at(path, "EAST"), None, 403) for path in SCORECARD for who in ("pm1", "ra_east", "viewer")],
    ("beta:admin", "PUT", "/warranty-terms", {"terms": [{"component": "decoration", "years": 3}]}, 200),  # its own group
    ("pm1", "PUT", "/warranty-terms", {"terms": [{"component": "decoration", "years": 3}]}, 403),
    ("rm_east", "PUT", "/warranty-terms", {"terms": [{"component": "decoration", "years": 3}]}, 403),
    ("hq_crm", "PUT", "/warranty-terms", {"terms": [{"component": "decoration", "years": 3}]}, 200),
    ("eng1", "GET", "/warranty-terms", None, 200),
    ("admin", "GET", "/warranty-terms", None, 403),
    # --- callbacks: the one of a resolved repair of P-EAST-1; callback.work at the project or above ------
    *[(who, method, path, body, 404) for method, path, body in CALLBACK_CALLS
      for who in ("beta:pa_b", "pa2", "pa3", "rm_south", "pm2")],
    *[(who, method, path, body, 200) for method, path, body in CALLBACK_CALLS
      for who in ("pa1", "pm1", "rm_east", "ra_east", "hq_crm")],
    *[(who, method, path, body, 403) for method, path, body in CALLBACK_CALLS
      for who in ("eng1", "viewer", "admin", "beta:admin", "root")],
    *[(who, "GET", "/callbacks", None, 200) for who in ("pa1", "pa2", "rm_south", "hq_crm", "beta:pa_b")],
    *[(who, "GET", "/callbacks", None, 403) for who in ("eng1", "viewer", "admin", "root")],
    ("rm_east", "GET", _at("/callbacks", "P-EAST-2"), None, 200),
    ("pa1", "GET", _at("/callbacks", "P-EAST-2"), None, 404),
    ("rm_south", "GET", _at("/callbacks", "EAST"), None, 404),
    ("beta:pa_b", "GET", _at("/callbacks", "P-EAST-1"), None, 404),
    *[(who, "POST", path, body, 201) for path, body in (("/callbacks", CALLBACK), ("/callbacks/bulk", BULK_CALLBACKS))
      for who in ("pa1", "pm1", "rm_east", "hq_crm")],
    *[(who, "POST", path, body, 404) for path, body in (("/callbacks", CALLBACK), ("/callbacks/bulk", BULK_CALLBACKS))
      for who in ("pa2", "pa3", "rm_south", "pm2", "beta:pa_b")],
    *[(who, "POST", path, body, 403) for path, body in (("/callbacks", CALLBACK), ("/callbacks/bulk", BULK_CALLBACKS))
      for who in ("eng1", "viewer", "admin", "root")],
    # --- categories: the group's tree, edited at the hq -------------------------------------------------
    ("beta:admin", "PATCH", "/categories/<category:leakage>", {"name": "taken over"}, 404),
    ("beta:admin", "PATCH", "/categories/<category:beta:leakage>", {"parent_id": "<category:construction_quality>"}, 422),
    # Another group's parent is an unknown category (the same answer as for an id that never existed).
    ("beta:admin", "POST", "/categories", NEW_CATEGORY, 422),
    ("beta:admin", "POST", "/categories", {**NEW_CATEGORY, "parent_id": 999999}, 422),
    ("hq_crm", "POST", "/categories", NEW_CATEGORY, 201),
    ("admin", "POST", "/categories", NEW_CATEGORY, 201),
    ("hq_crm", "PATCH", "/categories/<category:leakage>", {"name": "渗漏水"}, 200),
    ("pa1", "GET", "/categories", None, 200),
    ("eng1", "GET", "/categories", None, 200),
    ("beta:pa_b", "GET", "/categories", None, 200),
    ("rm_east", "POST", "/categories", NEW_CATEGORY, 403),
    ("rm_south", "POST", "/categories", NEW_CATEGORY, 403),
    ("pm1", "POST", "/categories", NEW_CATEGORY, 403),
    ("pa1", "POST", "/categories", NEW_CATEGORY, 403),
    ("viewer", "POST", "/categories", NEW_CATEGORY, 403),
    ("rm_east", "PATCH", "/categories/<category:leakage>", {"name": "x"}, 403),
    ("pm1", "PATCH", "/categories/<category:leakage>", {"default_function": "sales"}, 403),
    ("pa2", "PATCH", "/categories/<category:leakage>", {"is_active": False}, 403),
    ("beta:pa_b", "PATCH", "/categories/<category:leakage>", {"name": "x"}, 403),
    ("root", "GET", "/categories", None, 403),
    ("root", "POST", "/categories", NEW_CATEGORY, 403),
    ("root", "PATCH", "/categories/<category:leakage>", {"name": "x"}, 403),
    # --- SLA policies: read where the unit is visible, set with settings.manage -------------------------
    ("beta:admin", "GET", "/sla-policies?org_unit_id=<unit:P-EAST-1>", None, 404),
    ("beta:admin", "GET", "/sla-policies?org_unit_id=<unit:HQ>", None, 404),
    ("beta:admin", "PUT", "/sla-policies", SLA, 404),
    ("beta:admin", "PUT", "/sla-policies", {**SLA, "org_unit_id": "<unit:HQ>"}, 404),
    ("beta:pa_b", "GET", "/sla-policies?org_unit_id=<unit:EAST>", None, 404),
    ("rm_south", "GET", "/sla-policies?org_unit_id=<unit:P-EAST-1>", None, 404),
    ("rm_south", "GET", "/sla-policies?org_unit_id=<unit:EAST>", None, 404),
    ("pa2", "GET", "/sla-policies?org_unit_id=<unit:P-EAST-1>", None, 404),
    ("pa1", "GET", "/sla-policies?org_unit_id=<unit:EAST>", None, 404),
    ("pa1", "GET", "/sla-policies?org_unit_id=<unit:P-EAST-1>", None, 200),
    ("rm_east", "GET", "/sla-policies?org_unit_id=<unit:P-EAST-2>", None, 200),
    ("viewer", "GET", "/sla-policies", None, 200),
    ("hq_crm", "PUT", "/sla-policies", SLA, 200),
    ("admin", "PUT", "/sla-policies", SLA, 200),
    ("beta:admin", "PUT", "/sla-policies", {**SLA, "org_unit_id": "<unit:beta:B-PROJECT>"}, 200),
    ("pm1", "PUT", "/sla-policies", SLA, 403),
    ("rm_east", "PUT", "/sla-policies", SLA, 403),
    ("rm_south", "PUT", "/sla-policies", SLA, 403),
    ("pa2", "PUT", "/sla-policies", SLA, 403),
    ("viewer", "PUT", "/sla-policies", SLA, 403),
    ("beta:pa_b", "PUT", "/sla-policies", SLA, 403),
    ("root", "GET", "/sla-policies", None, 403),
    ("root", "PUT", "/sla-policies", SLA, 403),
    # --- escalations: seen within reach, acknowledged by the level reached (here the region) -------------
    ("beta:pm_b", "POST", ACK_ESCALATION, None, 404),
    ("rm_south", "POST", ACK_ESCALATION, None, 404),
    ("pm2", "POST", ACK_ESCALATION, None, 404),
    ("pm1", "POST", ACK_ESCALATION, None, 403),  # the project sees it; the region takes it on
    ("pa1", "POST", ACK_ESCALATION, None, 403),
    ("viewer", "POST", ACK_ESCALATION, None, 403),
    ("admin", "POST", ACK_ESCALATION, None, 403),
    ("root", "POST", ACK_ESCALATION, None, 403),
    ("rm_east", "POST", ACK_ESCALATION, None, 200),
    ("hq_crm", "POST", ACK_ESCALATION, None, 200),
    ("rm_east", "GET", "/escalations", None, 200),
    ("pm1", "GET", "/escalations", None, 200),
    ("beta:pm_b", "GET", "/escalations", None, 200),
    ("pa1", "GET", "/escalations", None, 403),
    ("viewer", "GET", "/escalations", None, 403),
    ("admin", "GET", "/escalations", None, 403),
    ("root", "GET", "/escalations", None, 403),
    # --- group-complaint alerts: seen with ticket.read, acknowledged by the region or hq -----------------
    ("beta:pm_b", "POST", ACK_ALERT, None, 404),
    ("rm_south", "POST", ACK_ALERT, None, 404),
    ("pm2", "POST", ACK_ALERT, None, 404),
    ("pm1", "POST", ACK_ALERT, None, 403),
    ("pa1", "POST", ACK_ALERT, None, 403),
    ("pa2", "POST", ACK_ALERT, None, 403),
    ("viewer", "POST", ACK_ALERT, None, 403),
    ("admin", "POST", ACK_ALERT, None, 403),
    ("root", "POST", ACK_ALERT, None, 403),
    ("rm_east", "POST", ACK_ALERT, None, 200),
    ("hq_crm", "POST", ACK_ALERT, None, 200),
    ("pa1", "GET", "/alerts", None, 200),
    ("viewer", "GET", "/alerts", None, 200),
    ("beta:pa_b", "GET", "/alerts", None, 200),
    ("admin", "GET", "/alerts", None, 403),
    ("root", "GET", "/alerts", None, 403),
    # --- notifications: the caller's own inbox ----------------------------------------------------------
    ("hq_crm", "POST", READ_NOTE, None, 404),
    ("pm1", "POST", READ_NOTE, None, 404),
    ("admin", "POST", READ_NOTE, None, 404),
    ("beta:admin", "POST", READ_NOTE, None, 404),
    ("root", "POST", READ_NOTE, None, 403),
    ("rm_east", "POST", READ_NOTE, None, 200),
    *[(who, "GET", path, None, 200) for who in ("pa1", "admin", "beta:pa_b")
      for path in ("/notifications", "/notifications/unread-count")],
    ("pa1", "POST", "/notifications/read-all", None, 200),
    ("root", "GET", "/notifications", None, 403),
    ("root", "GET", "/notifications/unread-count", None, 403),
    ("root", "POST", "/notifications/read-all", None, 403),
    # --- deliveries and background jobs: each group's tenant admins --------------------------------------
    *[(who, "GET", path, None, status) for path in ("/deliveries", "/background-jobs")
      for who, status in (("admin", 200), ("beta:admin", 200), ("hq_crm", 403), ("pm1", 403), ("rm_east", 403),
                          ("viewer", 403), ("beta:pa_b", 403), ("root", 403))],
    # --- assignee lookup: whoever may route the ticket, inside ticket.read's reach --------------------------
    *[(who, "GET", ASSIGNEES, None, 404) for who in ("beta:pm_b", "beta:pa_b", "rm_south", "pm2", "pa2", "eng1")],
    *[(who, "GET", ASSIGNEES, None, 403) for who in ("viewer", "ra_east", "admin", "beta:admin", "root")],
    *[(who, "GET", ASSIGNEES, None, 200) for who in ("pm1", "rm_east", "hq_crm", "pa1")],  # pa1: first responder
    # --- reports: report.read over its reach; an org unit outside it answers 404 ---------------------------
    *[(who, "GET", _at(path, unit), None, 404) for path in REPORTS for who, unit in (
        ("beta:pm_b", "EAST"), ("beta:pm_b", "P-EAST-1"), ("beta:pm_b", "HQ"), ("rm_south", "EAST"),
        ("rm_south", "P-EAST-1"), ("rm_east", "SOUTH"), ("rm_east", "P-SOUTH-1"), ("rm_east", "HQ"),
        ("ra_east", "P-SOUTH-1"), ("pm1", "P-EAST-2"), ("pm1", "EAST"), ("viewer", "beta:B-PROJECT"))],
    *[(who, "GET", path, None, 200) for path in REPORTS
      for who in ("hq_crm", "viewer", "rm_east", "ra_east", "rm_south", "pm1", "beta:pm_b")],
    *[(who, "GET", _at(path, unit), None, 200) for path in REPORTS for who, unit in (
        ("hq_crm", "SOUTH"), ("viewer", "P-EAST-2"), ("rm_east", "EAST"), ("rm_east", "P-EAST-2"),
        ("ra_east", "P-EAST-1"), ("pm1", "P-EAST-1"), ("beta:pm_b", "beta:B-PROJECT"))],
    *[(who, "GET", path, None, 403) for path in REPORTS
      for who in ("admin", "eng1", "pa1", "pa2", "beta:admin", "beta:pa_b", "root")],
    *[(who, "GET", _at(path, "P-EAST-1"), None, 403) for path in REPORTS for who in ("eng1", "pa1", "admin")],
    # --- service settings: headquarters (tenant admin, CRM centre) of each group --------------------------
    *[(who, method, "/service-settings", body, status) for method, body in (("GET", None), ("PATCH", SETTINGS_CHANGE))
      for who, status in (("admin", 200), ("hq_crm", 200), ("beta:admin", 200), ("rm_east", 403), ("pm1", 403),
                          ("pa1", 403), ("viewer", 403), ("beta:pa_b", 403), ("root", 403))],
]


def _case_id(case) -> str:
    who, method, path, body, status = case
    suffix = f"-{body['to']}" if isinstance(body, dict) and "to" in body else ""
    return f"{who}-{method}-{path}{suffix}-{status}"


@pytest.mark.parametrize("who,method,path,body,status", MATRIX, ids=[_case_id(c) for c in MATRIX])
def test_scope_matrix(client, world, who, method, path, body, status):
    _prepare(client, world, who, path, body)
    response = _call(client, world, who, method, path, body)
    if status >= 400:
        assert_error(response, status)
    else:
        assert response.status_code == status, response.get_data(as_text=True)


# Writes refused with 404/403 (or 422, for a reference to another group's row) must leave the data
# exactly as it was.
REFUSED_WRITES = [case for case in MATRIX if case[1] != "GET" and case[4] in (403, 404, 422)]


CALLBACK_STATUSES = "status=pending&status=completed&status=unreached&status=cancelled"


def _service_state(client, world) -> dict:
    """Tickets (with their timelines, comments and attachments), categories and SLA targets of both
    groups, the stored files, escalations, alerts, some inboxes, service settings and the outbox."""
    read = lambda path, who, tenant="alpha": client.get(api(path), headers=world.headers(who, tenant)).get_json()  # noqa: E731
    state = {
        "tickets": read("/tickets?page_size=100", "hq_crm"),
        "beta tickets": read("/tickets?page_size=100", "pa_b", "beta"),
        "categories": read("/categories?page_size=100", "hq_crm"),
        "beta categories": read("/categories?page_size=100", "admin", "beta"),
        "sla": read(f"/sla-policies?org_unit_id={world.unit('P-EAST-1')}", "hq_crm"),
        "beta sla": read(f"/sla-policies?org_unit_id={world.unit('B-PROJECT', 'beta')}", "admin", "beta"),
        "files": sorted(str(p) for p in world.app.extensions["servicehub.storage"].root.rglob("*")),
        "escalations": read("/escalations?page_size=100", "hq_crm"),
        "callbacks": read(f"/callbacks?page_size=100&{CALLBACK_STATUSES}", "hq_crm"),
        "beta callbacks": read(f"/callbacks?page_size=100&{CALLBACK_STATUSES}", "pa_b", "beta"),
        "alerts": read("/alerts?page_size=100", "hq_crm"),
        "inboxes": {who: read("/notifications?page_size=100", who) for who in ("hq_crm", "rm_east", "pm1")},
        "settings": read("/service-settings", "admin"),
        "beta settings": read("/service-settings", "admin", "beta"),
        "jobs": read("/background-jobs?page_size=100", "admin"),
        "beta jobs": read("/background-jobs?page_size=100", "admin", "beta"),
        "contractors": read("/contractors?page_size=100", "hq_crm"),
        "work orders": read("/work-orders?page_size=100", "hq_crm"),
        "warranty terms": read("/warranty-terms", "hq_crm"),
    }
    for ticket in state["tickets"]:
        for part in ("events", "comments", "attachments"):
            state[ticket["id"], part] = read(f"/tickets/{ticket['id']}/{part}?page_size=100", "hq_crm")
    return state


@pytest.mark.parametrize("who,method,path,body,status", REFUSED_WRITES, ids=[_case_id(c) for c in REFUSED_WRITES])
def test_refused_writes_change_nothing(client, world, who, method, path, body, status):
    def snapshot():
        state = {}
        for tenant, units, users in (("alpha", ALPHA_UNITS, ALPHA_USERS), ("beta", BETA_UNITS, ("admin", "pa_b"))):
            headers = world.headers("admin", tenant)
            state[tenant, "units"] = client.get(api("/org-units?page_size=100"), headers=headers).get_json()
            state[tenant, "users"] = client.get(api("/users?page_size=100"), headers=headers).get_json()
            state[tenant, "audit"] = client.get(api("/audit-log?page_size=100"), headers=headers).get_json()
        state["tenants"] = client.get(api("/tenants"), headers=world.headers("root")).get_json()
        state["service"] = _service_state(client, world)
        return state

    _prepare(client, world, who, path, body)
    before = snapshot()
    assert_error(_call(client, world, who, method, path, body), status)
    assert snapshot() == before


# --- lists: exactly the caller's part ---------------------------------------------------------

ORG_VISIBLE = {
    "admin": ALPHA_UNITS,
    "hq_crm": ALPHA_UNITS,
    "viewer": ALPHA_UNITS,
    "rm_east": ("EAST", "P-EAST-1", "P-EAST-2"),
    "ra_east": ("EAST", "P-EAST-1", "P-EAST-2"),
    "rm_south": ("SOUTH", "P-SOUTH-1"),
    "pm1": ("P-EAST-1",),
    "pa1": ("P-EAST-1",),
    "eng1": ("P-EAST-1",),
    "pa2": ("P-EAST-2",),
    "pa3": ("P-SOUTH-1",),
    "beta:admin": BETA_UNITS,
    "beta:pa_b": ("B-PROJECT",),
}


def _tenant_of(who: str) -> str:
    return who.split(":")[0] if ":" in who else "alpha"


@pytest.mark.parametrize("who", sorted(ORG_VISIBLE))
def test_org_unit_list_is_exactly_the_callers_part(client, world, who):
    tenant = _tenant_of(who)
    expected = {world.unit(code, tenant) for code in ORG_VISIBLE[who]}
    response = client.get(api("/org-units?page_size=100"), headers=_headers(world, who))
    assert ids_of(response) == expected
    assert pagination(response)["total"] == len(expected)


@pytest.mark.parametrize("who", sorted(ORG_VISIBLE))
def test_org_tree_is_exactly_the_callers_part(client, world, who):
    tenant = _tenant_of(who)
    expected = {world.unit(code, tenant) for code in ORG_VISIBLE[who]}
    response = client.get(api("/org-units/tree"), headers=_headers(world, who))
    assert response.status_code == 200
    assert tree_ids(response.get_json()) == expected


USER_VISIBLE = {
    "admin": ALPHA_USERS,
    "hq_crm": ALPHA_USERS,
    "rm_east": EAST_USERS,
    "rm_south": ("rm_south", "pa3"),
    "pm1": ("pm1", "pa1", "eng1"),
    "beta:admin": ("admin", "pa_b"),
}


@pytest.mark.parametrize("who", sorted(USER_VISIBLE))
def test_user_list_is_exactly_the_callers_part(client, world, who):
    tenant = _tenant_of(who)
    expected = {world.user(name, tenant) for name in USER_VISIBLE[who]}
    response = client.get(api("/users?page_size=100"), headers=_headers(world, who))
    assert ids_of(response) == expected
    assert pagination(response)["total"] == len(expected)


@pytest.mark.parametrize("who", sorted(USER_VISIBLE))
def test_user_list_filters_stay_inside_the_scope(client, world, who):
    """Filtering by a unit outside the scope finds nobody (it does not widen the scope)."""
    outside = "P-SOUTH-1" if who != "rm_south" else "P-EAST-1"
    unit = world.unit(outside) if not who.startswith("beta:") else world.unit("P-EAST-1")
    response = client.get(api(f"/users?page_size=100&org_unit_id={unit}"), headers=_headers(world, who))
    visible = ids_of(response)
    if who in ("admin", "hq_crm"):
        assert visible == {world.user("pa3")}
    else:
        assert visible == set()
    response = client.get(api("/users?page_size=100&role=project_agent"), headers=_headers(world, who))
    tenant = _tenant_of(who)
    agents = {"admin": ("pa1", "pa2", "pa3"), "hq_crm": ("pa1", "pa2", "pa3"), "rm_east": ("pa1", "pa2"),
              "rm_south": ("pa3",), "pm1": ("pa1",), "beta:admin": ("pa_b",)}[who]
    assert ids_of(response) == {world.user(name, tenant) for name in agents}


def _make_audit_entries(client, world):
    """One admin change in each group, so both audit logs hold something."""
    alpha = client.post(api("/org-units"), headers=world.headers("admin"),
                        json={"kind": "project", "parent_id": world.unit("EAST"), "name": "A", "code": "A-NEW"})
    assert alpha.status_code == 201
    beta = client.post(api("/users"), headers=world.headers("admin", "beta"),
                       json={"username": "b_new", "password": "Beta-pass-11", "name": "B New"})
    assert beta.status_code == 201
    return alpha.get_json()["id"], beta.get_json()["id"]


def test_audit_log_holds_only_the_callers_group(client, world):
    alpha_unit, beta_user = _make_audit_entries(client, world)
    alpha = client.get(api("/audit-log?page_size=100"), headers=world.headers("admin")).get_json()
    beta = client.get(api("/audit-log?page_size=100"), headers=world.headers("admin", "beta")).get_json()
    assert [(e["action"], e["target_id"]) for e in alpha] == [("org_unit.created", alpha_unit)]
    assert [(e["action"], e["target_id"]) for e in beta] == [("user.created", beta_user)]
    assert not {e["id"] for e in alpha} & {e["id"] for e in beta}


def test_tenant_list_is_for_platform_admins(client, world):
    response = client.get(api("/tenants"), headers=world.headers("root"))
    assert ids_of(response) == {world.tenants["alpha"], world.tenants["beta"]}


def test_memberships_of_a_visible_user_are_listed(client, world):
    response = client.get(api(f"/users/{world.user('pa2')}/memberships"), headers=world.headers("rm_east"))
    assert response.status_code == 200
    assert [(m["org_unit_id"], m["role"]) for m in response.get_json()] == [(world.unit("P-EAST-2"), "project_agent")]


def test_beta_token_cannot_reach_alpha_even_with_alpha_ids_in_filters(client, world):
    headers = world.headers("admin", "beta")
    units = client.get(api(f"/org-units?page_size=100&parent_id={world.unit('EAST')}"), headers=headers)
    assert ids_of(units) == set()
    users = client.get(api(f"/users?page_size=100&org_unit_id={world.unit('P-EAST-1')}"), headers=headers)
    assert ids_of(users) == set()
    audit = client.get(api(f"/audit-log?page_size=100&target_id={world.user('pa1')}"), headers=headers)
    assert ids_of(audit) == set()


# --- tickets: exactly the caller's part -----------------------------------------------------------

# Who sees which ticket (see `_ticket_world`): one per project, an engineering-routed and a customer
# service ticket in P-EAST-1, and `left`, logged in P-EAST-1 by pa2 while they still worked there.
TICKETS_VISIBLE = {
    "hq_crm": ("east1", "east1_eng", "left", "east2", "south1"),
    "viewer": ("east1", "east1_eng", "left", "east2", "south1"),
    "rm_east": ("east1", "east1_eng", "left", "east2"),
    "ra_east": ("east1", "east1_eng", "left", "east2"),
    "rm_south": ("south1",),
    "pm1": ("east1", "east1_eng", "left"),
    "pa1": ("east1", "east1_eng", "left"),
    "eng1": ("east1_eng",),
    "pa2": ("east2", "left"),  # their project, and the ticket they took first in the project they left
    "pa3": ("south1",),
    "beta:pa_b": ("beta",),
}


def _ticket_world(client, world) -> dict[str, int]:
    def log(who, unit, tenant="alpha", **fields):
        response = client.post(api("/tickets"), headers=world.headers(who, tenant), json={
            **TICKET, "org_unit_id": world.unit(unit, tenant), **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    categories = _categories(world, "alpha")
    p1, pa2 = world.unit("P-EAST-1"), world.user("pa2")
    # pa2 helps out at P-EAST-1 for a while, logs a ticket there, and goes back.
    joined = client.post(api(f"/users/{pa2}/memberships"), headers=world.headers("rm_east"),
                         json={"org_unit_id": p1, "role": "project_agent", "function": "customer_service"})
    assert joined.status_code == 201, joined.get_json()
    tickets = {
        "east1": log("pa1", "P-EAST-1", category_id=categories["front_desk_service"]),
        "east1_eng": log("pa1", "P-EAST-1", category_id=categories["leakage"]),
        "left": log("pa2", "P-EAST-1"),
        "east2": log("pa2", "P-EAST-2"),
        "south1": log("pa3", "P-SOUTH-1"),
        "beta": log("pa_b", "B-PROJECT", "beta"),
    }
    left = client.delete(api(f"/users/{pa2}/memberships"), headers=world.headers("rm_east"),
                         query_string={"org_unit_id": p1, "role": "project_agent"})
    assert left.status_code == 204, left.get_json()
    return tickets


def test_ticket_lists_and_reads_are_exactly_the_callers_part(client, world):
    tickets = _ticket_world(client, world)
    for who, names in TICKETS_VISIBLE.items():
        expected = {tickets[name] for name in names}
        response = client.get(api("/tickets?page_size=100"), headers=_headers(world, who))
        assert ids_of(response) == expected, who
        assert pagination(response)["total"] == len(expected), who
        for name, ticket_id in tickets.items():
            answer = client.get(api(f"/tickets/{ticket_id}"), headers=_headers(world, who))
            assert answer.status_code == (200 if name in names else 404), (who, name, answer.status_code)
    # Filters narrow inside the scope and never widen it.
    for who in ("pa2", "rm_south", "beta:pa_b"):
        response = client.get(api(f"/tickets?page_size=100&org_unit_id={world.unit('P-EAST-1')}"),
                              headers=_headers(world, who))
        assert ids_of(response) == ({tickets["left"]} if who == "pa2" else set()), who
    assert_error(client.get(api("/tickets"), headers=world.headers("admin")), 403)
    assert_error(client.get(api("/tickets"), headers=world.headers("root")), 403)


def test_the_first_responder_works_on_the_ticket_of_a_project_they_left(client, world):
    tickets = _ticket_world(client, world)
    url = api(f"/tickets/{tickets['left']}")
    comment = client.post(f"{url}/comments", headers=world.headers("pa2"), json={"body": "已回访业主", "kind": "reply"})
    assert comment.status_code == 201
    # ...but not on their former colleagues' tickets there.
    assert_error(client.post(api(f"/tickets/{tickets['east1']}/comments"), headers=world.headers("pa2"),
                             json={"body": "x"}), 404)
    assert_error(client.post(api("/tickets"), headers=world.headers("pa2"), json=_resolve(world, TICKET)), 404)


def test_category_lists_hold_only_the_callers_group(client, world):
    alpha, beta = set(_categories(world, "alpha").values()), set(_categories(world, "beta").values())
    assert alpha and beta and not alpha & beta
    for who in ("pa1", "eng1", "rm_south", "viewer", "hq_crm"):
        assert ids_of(client.get(api("/categories?page_size=100"), headers=world.headers(who))) == alpha, who
    for who in ("admin", "pa_b"):
        assert ids_of(client.get(api("/categories?page_size=100"), headers=world.headers(who, "beta"))) == beta, who
    alpha_root = _categories(world, "alpha")["construction_quality"]
    response = client.get(api(f"/categories?page_size=100&parent_id={alpha_root}"), headers=world.headers("pa_b", "beta"))
    assert ids_of(response) == set()
