"""The org-unit tree of a tenant: hq → regions → projects."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicehub.access import Actor, Perm, require
from servicehub.audit.service import record
from servicehub.db import utcnow
from servicehub.errors import Conflict, Invalid
from servicehub.extensions import paginate_query
from servicehub.orgs.models import PARENT_KIND, OrgUnit, OrgUnitKind
from servicehub.scoping import get_scoped, select_scoped

_UNIT = {"unit_column": OrgUnit.id}


def get_org_unit(session: Session, *, actor: Actor, org_unit_id: int) -> OrgUnit:
    return get_scoped(session, OrgUnit, org_unit_id, actor, Perm.org_read, **_UNIT)


def list_org_units(session: Session, *, actor: Actor, pagination, kind=None, parent_id=None,
                   is_active=None, q=None) -> list[OrgUnit]:
    stmt = select_scoped(OrgUnit, actor, Perm.org_read, **_UNIT)
    if kind is not None:
        stmt = stmt.where(OrgUnit.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(OrgUnit.parent_id == parent_id)
    if is_active is not None:
        stmt = stmt.where(OrgUnit.is_active == is_active)
    if q:
        stmt = stmt.where(OrgUnit.name.contains(q, autoescape=True) | OrgUnit.code.contains(q, autoescape=True))
    return paginate_query(session, stmt.order_by(OrgUnit.path), pagination)


_KIND_ORDER = {kind: i for i, kind in enumerate(OrgUnitKind)}


def sibling_order(unit: OrgUnit) -> tuple:
    """How siblings line up: by kind (hq, region, project), then by code as people read numbered
    codes (P-EAST-2 before P-EAST-10, whatever the letter case), then by id."""
    code = tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", unit.code.casefold()) if part)
    return _KIND_ORDER[unit.kind], code, unit.id


def tree(session: Session, *, actor: Actor) -> list[dict]:
    """The units the caller may see, nested; roots are the tops of the caller's reach. Siblings (and
    roots) in `sibling_order`."""
    units = session.scalars(select_scoped(OrgUnit, actor, Perm.org_read, **_UNIT)).all()
    nodes = {u.id: {"unit": u, "children": []} for u in units}
    roots = []
    for unit in sorted(units, key=sibling_order):
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent["children"] if parent else roots).append(nodes[unit.id])

    def flatten(node):
        return {**_as_dict(node["unit"]), "children": [flatten(c) for c in node["children"]]}

    return [flatten(r) for r in roots]


def _as_dict(unit: OrgUnit) -> dict:
    return {c: getattr(unit, c) for c in ("id", "parent_id", "kind", "name", "code", "path", "is_active")}


def _ensure_code_free(session: Session, code: str, *, tenant_id: int, exclude_id: int | None = None) -> None:
    stmt = select(OrgUnit.id).where(OrgUnit.tenant_id == tenant_id, OrgUnit.code == code)
    if exclude_id is not None:
        stmt = stmt.where(OrgUnit.id != exclude_id)
    if session.scalar(stmt) is not None:
        raise Conflict("This code is already used by another org unit.", errors={"code": ["Already in use."]})


def _check_parent(parent: OrgUnit, kind: OrgUnitKind) -> None:
    expected = PARENT_KIND[kind]
    if parent.kind != expected:
        raise Invalid(
            f"A {kind.value} hangs under a {expected.value}, not under a {parent.kind.value}.",
            errors={"parent_id": [f"Must be a {expected.value}."]},
        )
    if not parent.is_active:
        raise Conflict("The parent org unit is deactivated.", errors={"parent_id": ["Deactivated."]})


def create_hq(session: Session, *, tenant_id: int, name: str, code: str = "HQ") -> OrgUnit:
    hq = OrgUnit(tenant_id=tenant_id, kind=OrgUnitKind.hq, name=name, code=code, parent_id=None)
    session.add(hq)
    session.flush()
    hq.path = f"/{hq.id}/"
    return hq


def create_org_unit(session: Session, *, actor: Actor, kind: OrgUnitKind, parent_id: int, name: str, code: str) -> OrgUnit:
    parent = get_org_unit(session, actor=actor, org_unit_id=parent_id)
    require(actor, Perm.org_manage, parent.id)
    _check_parent(parent, kind)
    _ensure_code_free(session, code, tenant_id=actor.tenant_id)
    unit = OrgUnit(tenant_id=actor.tenant_id, kind=kind, parent_id=parent.id, name=name, code=code)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path}{unit.id}/"
    record(session, tenant_id=actor.tenant_id, actor=actor, action="org_unit.created", target_type="org_unit",
           target_id=unit.id, org_unit_id=unit.id,
           details={"kind": kind.value, "name": name, "code": code, "parent_id": parent.id})
    session.commit()
    return unit


def update_org_unit(session: Session, *, actor: Actor, org_unit_id: int, changes: dict) -> OrgUnit:
    unit = get_org_unit(session, actor=actor, org_unit_id=org_unit_id)
    require(actor, Perm.org_manage, unit.id)
    before = _as_dict(unit)
    if "code" in changes and changes["code"] != unit.code:
        _ensure_code_free(session, changes["code"], tenant_id=unit.tenant_id, exclude_id=unit.id)
        unit.code = changes["code"]
    if "name" in changes:
        unit.name = changes["name"]
    if "parent_id" in changes and changes["parent_id"] != unit.parent_id:
        _move(session, actor=actor, unit=unit, parent_id=changes["parent_id"])
    if "is_active" in changes and changes["is_active"] != unit.is_active:
        _set_active(session, unit=unit, active=changes["is_active"])
    after = _as_dict(unit)
    diff = {k: {"from": _plain(before[k]), "to": _plain(after[k])} for k in before if before[k] != after[k]}
    if diff:
        action = "org_unit.moved" if "parent_id" in diff else (
            "org_unit.deactivated" if diff.get("is_active", {}).get("to") is False else "org_unit.updated")
        record(session, tenant_id=unit.tenant_id, actor=actor, action=action, target_type="org_unit",
               target_id=unit.id, org_unit_id=unit.id, details=diff)
    session.commit()
    return unit


def _plain(value):
    return value.value if hasattr(value, "value") else value


def _move(session: Session, *, actor: Actor, unit: OrgUnit, parent_id: int) -> None:
    """Move a unit (with its subtree) under another parent of the right kind.

    Rows that belong to the unit keep their `org_unit_id`, so their history moves with it; the
    audit log keeps where it was before."""
    if unit.kind == OrgUnitKind.hq:
        raise Invalid("The hq cannot be moved.", errors={"parent_id": ["The hq has no parent."]})
    parent = get_org_unit(session, actor=actor, org_unit_id=parent_id)
    require(actor, Perm.org_manage, parent.id)
    _check_parent(parent, unit.kind)
    old_prefix, new_prefix = unit.path, f"{parent.path}{unit.id}/"
    session.flush()
    for child in session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(old_prefix))):
        child.path = new_prefix + child.path[len(old_prefix):]
    unit.parent_id = parent.id


def _set_active(session: Session, *, unit: OrgUnit, active: bool) -> None:
    if unit.kind == OrgUnitKind.hq and not active:
        raise Conflict("The hq cannot be deactivated.", errors={"is_active": ["The hq is always active."]})
    if not active:
        active_children = session.scalar(
            select(OrgUnit.id).where(OrgUnit.parent_id == unit.id, OrgUnit.is_active.is_(True)).limit(1)
        )
        if active_children is not None:
            raise Conflict("Deactivate the units below this one first.",
                           errors={"is_active": ["It still has active units below it."]})
        unit.is_active = False
        unit.deactivated_at = utcnow()
    else:
        parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
        if parent is not None and not parent.is_active:
            raise Conflict("Reactivate the parent unit first.", errors={"is_active": ["The parent is deactivated."]})
        unit.is_active = True
        unit.deactivated_at = None
