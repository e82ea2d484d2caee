"""Contractors (维修单位): outside repair companies, the regions or projects they serve, their contract.

A contractor is seen by whoever reaches a unit of its service area (contractor.read at a unit it
serves, below it, or above it: a project sees the contractors of its region), and managed
(contractor.manage) by whoever reaches every unit it serves: headquarters, or a region manager for
the contractors of their region.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from servicehub.access import Actor, Perm, require_tenant
from servicehub.audit.service import record
from servicehub.contractors.models import Contractor, ContractorUnit, Trade, overlapping_units, serving_clause
from servicehub.errors import Conflict, Forbidden, Invalid, NotFound
from servicehub.extensions import paginate_query
from servicehub.scoping import get_scoped, select_scoped

# Contract periods are dates of the group's calendar (the groups are in mainland China).
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def _options():
    return (selectinload(Contractor.units),)


def get_contractor(session: Session, *, actor: Actor, contractor_id: int) -> Contractor:
    require_tenant(actor)
    return get_scoped(session, Contractor, contractor_id, actor, Perm.contractor_read, options=_options())


def list_contractors(session: Session, *, actor: Actor, pagination, q=None, trade=None, active=None,
                     org_unit_id=None) -> list[Contractor]:
    from servicehub.customers.service import escape_like

    require_tenant(actor)
    stmt = select_scoped(Contractor, actor, Perm.contractor_read)
    if org_unit_id is not None:
        if org_unit_id not in actor.reach(Perm.contractor_read):
            raise NotFound(f"OrgUnit {org_unit_id} not found.")
        stmt = stmt.where(serving_clause(overlapping_units(actor, [org_unit_id])))
    if trade is not None:
        text = cast(Contractor.trades, String)
        stmt = stmt.where(or_(text.like(f'%"{trade.value}"%'), text.like(f'%"{Trade.general.value}"%')))
    if active is not None:
        stmt = stmt.where(Contractor.is_active.is_(active))
    if q:
        pattern = f"%{escape_like(q.strip())}%"
        stmt = stmt.where(or_(*(column.ilike(pattern, escape="\\") for column in
                                (Contractor.name, Contractor.contact_name, Contractor.contact_phone))))
    stmt = stmt.order_by(Contractor.name, Contractor.id).options(*_options())
    return paginate_query(session, stmt, pagination)


def _check_units(actor: Actor, unit_ids: list[int]) -> list[int]:
    """The units a contractor serves: regions or projects where the caller manages contractors (422)."""
    problems = []
    for unit_id in unit_ids:
        unit = actor.units.get(unit_id)
        if unit is None or unit_id not in actor.reach(Perm.contractor_manage):
            problems.append(f"Unknown org unit, or one where you do not manage contractors: {unit_id}.")
        elif unit.kind not in ("region", "project"):
            problems.append(f"A contractor serves regions or projects, not the headquarters: {unit_id}.")
    if problems:
        raise Invalid("Some org units cannot be served.", errors={"org_unit_ids": problems})
    return sorted(set(unit_ids))


def _trades(trades) -> list[str]:
    order = list(Trade)
    return [t.value for t in sorted(set(trades), key=order.index)]


def create_contractor(session: Session, *, actor: Actor, org_unit_ids: list[int], trades, **data) -> Contractor:
    require_tenant(actor)
    units = _check_units(actor, org_unit_ids)
    contractor = Contractor(tenant_id=actor.tenant_id, trades=_trades(trades), **data)
    contractor.units = [ContractorUnit(tenant_id=actor.tenant_id, org_unit_id=u) for u in units]
    session.add(contractor)
    session.flush()
    record(session, tenant_id=actor.tenant_id, actor=actor, action="contractor.created", target_type="contractor",
           target_id=contractor.id, details={"name": contractor.name, "org_unit_ids": units,
                                              "trades": contractor.trades})
    session.commit()
    return get_contractor(session, actor=actor, contractor_id=contractor.id)


_EDITABLE = ("name", "contact_name", "contact_phone", "contract_start", "contract_end", "is_active", "notes")


def _check_no_open_work(session: Session, contractor: Contractor) -> None:
    """A contractor with open work orders (dispatched, accepted, on site) is not deactivated: 409
    naming how many (finish or reject them first)."""
    from servicehub.work_orders.models import WorkOrder
    from servicehub.work_orders.workflow import OPEN_STATUSES

    open_count = session.scalar(select(func.count()).select_from(WorkOrder).where(
        WorkOrder.tenant_id == contractor.tenant_id, WorkOrder.contractor_id == contractor.id,
        WorkOrder.status.in_(OPEN_STATUSES)))
    if open_count:
        raise Conflict(f"{contractor.name} has {open_count} open work order{'s' if open_count > 1 else ''}: "
                       "finish or reject them before deactivating it.",
                       errors={"is_active": [f"{open_count} open work order{'s' if open_count > 1 else ''}."]})


def update_contractor(session: Session, *, actor: Actor, contractor_id: int, changes: dict) -> Contractor:
    contractor = get_contractor(session, actor=actor, contractor_id=contractor_id)
    if not all(u in actor.reach(Perm.contractor_manage) for u in contractor.org_unit_ids):
        raise Forbidden("Managing this contractor needs contractor.manage at every unit it serves.")
    if changes.get("is_active") is False and contractor.is_active:
        _check_no_open_work(session, contractor)
    diff = {}
    for field in _EDITABLE:
        if field in changes and changes[field] != getattr(contractor, field):
            diff[field] = {"from": getattr(contractor, field), "to": changes[field]}
            setattr(contractor, field, changes[field])
    if contractor.contract_end < contractor.contract_start:
        raise Invalid("The contract ends before it starts.", errors={"contract_end": ["Before contract_start."]})
    if "trades" in changes and _trades(changes["trades"]) != contractor.trades:
        diff["trades"] = {"from": contractor.trades, "to": _trades(changes["trades"])}
        contractor.trades = _trades(changes["trades"])
    if "org_unit_ids" in changes:
        units = _check_units(actor, changes["org_unit_ids"])
        if units != contractor.org_unit_ids:
            diff["org_unit_ids"] = {"from": contractor.org_unit_ids, "to": units}
            kept = [u for u in contractor.units if u.org_unit_id in units]
            have = {u.org_unit_id for u in kept}
            contractor.units = kept + [ContractorUnit(tenant_id=actor.tenant_id, org_unit_id=u)
                                       for u in units if u not in have]
    if diff:
        record(session, tenant_id=actor.tenant_id, actor=actor, action="contractor.updated", target_type="contractor",
               target_id=contractor.id, details={k: {e: v.isoformat() if isinstance(v, date) else v
                                                     for e, v in d.items()} for k, d in diff.items()})
    session.commit()
    session.expire(contractor)
    return get_contractor(session, actor=actor, contractor_id=contractor_id)
