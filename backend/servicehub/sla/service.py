"""The SLA clock: which targets apply to a ticket, and when its response and resolution are due.

Targets are looked up from the ticket's project up to the hq; the deepest org unit that sets a
target for the (type, priority) wins, the built-in defaults (sla/defaults.py) stand behind all.
Due times run in calendar time from the moment the ticket was created.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from servicehub.access import Actor, Perm, require_tenant
from servicehub.audit.service import record
from servicehub.errors import Invalid, NotFound
from servicehub.scoping import reachable_unit
from servicehub.sla.defaults import CALLBACK_MINUTES, DEFAULT_TARGETS, INTAKE_MINUTES
from servicehub.sla.models import SlaTarget
from servicehub.tickets.enums import Priority, TicketType


@dataclass(frozen=True)
class Target:
    ticket_type: TicketType
    priority: Priority
    response_minutes: int
    resolve_minutes: int
    source_org_unit_id: int | None  # None: the built-in default

    @property
    def source(self) -> str:
        return "default" if self.source_org_unit_id is None else "org_unit"


def path_ids(path: str) -> list[int]:
    """"/1/4/9/" → [1, 4, 9]: the hq first, the unit itself last."""
    return [int(part) for part in path.strip("/").split("/") if part]


def _rows(session: Session, *, tenant_id: int, path: list[int], ticket_type=None, priority=None) -> list[SlaTarget]:
    """The targets set along `path` (one indexed query)."""
    stmt = select(SlaTarget).where(SlaTarget.tenant_id == tenant_id, SlaTarget.org_unit_id.in_(path))
    if ticket_type is not None:
        stmt = stmt.where(SlaTarget.ticket_type == ticket_type, SlaTarget.priority == priority)
    return list(session.scalars(stmt))


def _resolve(rows: list[SlaTarget], path: list[int]) -> dict[tuple, Target]:
    """(type, priority) → the target in force at the end of `path`: the deepest unit of the path that
    sets it, else the built-in default. Rows of units off the path are ignored."""
    depth = {unit_id: i for i, unit_id in enumerate(path)}
    found: dict[tuple, Target] = {
        key: Target(key[0], key[1], response, resolve, None) for key, (response, resolve) in DEFAULT_TARGETS.items()
    }
    best: dict[tuple, int] = {}
    for row in rows:
        if row.org_unit_id not in depth:
            continue
        key = (row.ticket_type, row.priority)
        if depth[row.org_unit_id] >= best.get(key, -1):
            best[key] = depth[row.org_unit_id]
            found[key] = Target(row.ticket_type, row.priority, row.response_minutes, row.resolve_minutes, row.org_unit_id)
    return found


def _lookup(session: Session, *, tenant_id: int, path: list[int], ticket_type=None, priority=None) -> dict:
    return _resolve(_rows(session, tenant_id=tenant_id, path=path, ticket_type=ticket_type, priority=priority), path)


def target_for(session: Session, *, tenant_id: int, path: list[int], ticket_type: TicketType,
               priority: Priority) -> Target:
    """The target that applies to one ticket (one indexed query)."""
    return _lookup(session, tenant_id=tenant_id, path=path, ticket_type=ticket_type, priority=priority)[
        (ticket_type, priority)]


def due_times(target: Target, start: datetime) -> tuple[datetime, datetime]:
    return start + timedelta(minutes=target.response_minutes), start + timedelta(minutes=target.resolve_minutes)


# --- the policy document: GET / PUT /sla-policies -------------------------------------------------


def _hq_id(actor: Actor) -> int:
    return next(u.id for u in actor.units.values() if u.kind == "hq")


def _home_unit(actor: Actor) -> int:
    """The highest unit the caller sees: the hq for headquarters, a project for its front desk."""
    if not actor.visible_units:
        raise NotFound("You belong to no org unit.")
    return min(actor.visible_units, key=lambda unit_id: (actor.units[unit_id].path.count("/"), unit_id))


def get_policy(session: Session, *, actor: Actor, org_unit_id: int | None = None) -> dict:
    """The targets in force at an org unit (by default the highest the caller sees), each naming where
    it is set and what would apply without this unit's own setting (one query for both)."""
    require_tenant(actor)
    unit_id = org_unit_id or _home_unit(actor)
    if unit_id not in actor.visible_units:
        raise NotFound(f"OrgUnit {unit_id} not found.")
    path = path_ids(actor.units[unit_id].path)
    rows = _rows(session, tenant_id=actor.tenant_id, path=path)
    targets = _resolve(rows, path)
    above = _resolve(rows, path[:-1])
    return {
        "org_unit_id": unit_id,
        "intake_minutes": INTAKE_MINUTES,
        "callback_minutes": CALLBACK_MINUTES,
        "targets": [
            {"type": t.ticket_type, "priority": t.priority, "response_minutes": t.response_minutes,
             "resolve_minutes": t.resolve_minutes, "source": t.source, "source_org_unit_id": t.source_org_unit_id,
             "inherited": t.source_org_unit_id != unit_id,
             "inherited_response_minutes": above[key].response_minutes,
             "inherited_resolve_minutes": above[key].resolve_minutes,
             "inherited_from_org_unit_id": above[key].source_org_unit_id}
            for key, t in sorted(targets.items(), key=lambda item: (list(TicketType).index(item[0][0]),
                                                                    list(Priority).index(item[0][1])))
        ],
    }


def put_policy(session: Session, *, actor: Actor, targets: list[dict], org_unit_id: int | None = None) -> dict:
    """Replace the targets set at one org unit; (type, priority) pairs left out inherit from above."""
    unit_id = org_unit_id or _hq_id(actor)
    reachable_unit(session, actor, unit_id, Perm.settings_manage)
    keys = [(t["type"], t["priority"]) for t in targets]
    duplicates = sorted({f"{k[0].value}/{k[1].value}" for k in keys if keys.count(k) > 1})
    if duplicates:
        raise Invalid("A type and priority is listed twice.", errors={"targets": [f"Twice: {', '.join(duplicates)}."]})
    before = {(r.ticket_type, r.priority): (r.response_minutes, r.resolve_minutes) for r in session.scalars(
        select(SlaTarget).where(SlaTarget.tenant_id == actor.tenant_id, SlaTarget.org_unit_id == unit_id))}
    session.execute(delete(SlaTarget).where(SlaTarget.tenant_id == actor.tenant_id, SlaTarget.org_unit_id == unit_id))
    session.add_all(
        SlaTarget(tenant_id=actor.tenant_id, org_unit_id=unit_id, ticket_type=t["type"], priority=t["priority"],
                  response_minutes=t["response_minutes"], resolve_minutes=t["resolve_minutes"], updated_by_id=actor.id)
        for t in targets
    )
    after = {(t["type"], t["priority"]): (t["response_minutes"], t["resolve_minutes"]) for t in targets}
    if after != before:
        record(session, tenant_id=actor.tenant_id, actor=actor, action="sla_policy.updated", target_type="org_unit",
               target_id=unit_id, org_unit_id=unit_id,
               details={"targets": [f"{k[0].value}/{k[1].value}={v[0]}/{v[1]}" for k, v in sorted(after.items())]})
    session.commit()
    return get_policy(session, actor=actor, org_unit_id=unit_id)
