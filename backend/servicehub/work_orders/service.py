"""Work orders (维修派工单): a repair ticket dispatched to a contractor under a supervisor.

Creating one decides the warranty (in: free; out: a paid repair with a quote the customer accepts or
declines), moves a new or assigned ticket to in_progress and writes on the ticket's timeline; every
move of the work order (workflow.py) does too. One open work order per ticket at a time: a rejected
one (the contractor refused) lets the ticket be dispatched again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, selectinload

from servicehub.access import Actor, Perm, Role, require_tenant
from servicehub.contractors.models import Contractor, Trade
from servicehub.contractors.service import LOCAL_TZ, today
from servicehub.db import utcnow
from servicehub.errors import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from servicehub.extensions import paginate_query
from servicehub.properties.warranty import CATEGORY_COMPONENTS, Component, Reason, decide
from servicehub.scoping import get_scoped, select_scoped
from servicehub.sla.service import path_ids
from servicehub.tickets import service as tickets
from servicehub.tickets.enums import OPEN_STATUSES as OPEN_TICKET_STATUSES
from servicehub.tickets.enums import PhotoStage, TicketType
from servicehub.tickets.models import Ticket, TicketAttachment
from servicehub.users.models import Membership, User
from servicehub.warranty.service import terms_for
from servicehub.work_orders.models import QuoteStatus, WorkOrder
from servicehub.work_orders.workflow import OPEN_STATUSES, WorkOrderStatus, allowed_moves, move_for

# The trade a component's repair needs by default.
COMPONENT_TRADES = {
    Component.waterproofing: Trade.waterproofing,
    Component.electrical: Trade.electrical,
    Component.plumbing: Trade.plumbing,
    Component.doors_windows: Trade.doors_windows,
    Component.decoration: Trade.decoration,
    Component.heating_cooling: Trade.general,
    Component.structure: Trade.general,
}
# Who may supervise a repair: an engineer or the project manager of the project.
SUPERVISOR_ROLES = (Role.engineer, Role.project_manager)


def _options():
    return (selectinload(WorkOrder.ticket), selectinload(WorkOrder.contractor), selectinload(WorkOrder.supervisor))


# --- reading ---------------------------------------------------------------------------------------


def get_work_order(session: Session, *, actor: Actor, work_order_id: int) -> WorkOrder:
    require_tenant(actor)
    work_order = get_scoped(session, WorkOrder, work_order_id, actor, Perm.workorder_read, options=_options())
    return _with_photo_counts(session, [work_order])[0]


def _with_photo_counts(session: Session, work_orders: list[WorkOrder]) -> list[WorkOrder]:
    """`photo_count_before` / `photo_count_after` of each work order: one statement for them all."""
    counts = {}
    if work_orders:
        counts = {(row.work_order_id, row.stage): row.n for row in session.execute(
            select(TicketAttachment.work_order_id, TicketAttachment.stage, func.count().label("n"))
            .where(TicketAttachment.tenant_id == work_orders[0].tenant_id,
                   TicketAttachment.work_order_id.in_(sorted({w.id for w in work_orders})))
            .group_by(TicketAttachment.work_order_id, TicketAttachment.stage))}
    for work_order in work_orders:
        work_order.photo_count_before = counts.get((work_order.id, PhotoStage.before), 0)
        work_order.photo_count_after = counts.get((work_order.id, PhotoStage.after), 0)
    return work_orders


def list_work_orders(session: Session, *, actor: Actor, pagination, status=None, contractor_id=None, ticket_id=None,
                     supervisor_id=None, org_unit_id=None) -> list[WorkOrder]:
    require_tenant(actor)
    stmt = select_scoped(WorkOrder, actor, Perm.workorder_read)
    if org_unit_id is not None:
        if org_unit_id not in actor.reach(Perm.workorder_read):
            raise NotFound(f"OrgUnit {org_unit_id} not found.")
        stmt = stmt.where(WorkOrder.org_unit_id.in_(sorted(actor.subtree(org_unit_id))))
    if status:
        stmt = stmt.where(WorkOrder.status.in_(status))
    for column, value in ((WorkOrder.contractor_id, contractor_id), (WorkOrder.ticket_id, ticket_id),
                          (WorkOrder.supervisor_id, supervisor_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    stmt = stmt.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).options(*_options())
    return _with_photo_counts(session, paginate_query(session, stmt, pagination))


def list_photos(session: Session, *, actor: Actor, work_order_id: int, pagination,
                stage: PhotoStage | None = None) -> list[TicketAttachment]:
    """The before / after photos of a work order within reach (else 404), oldest first."""
    work_order = get_scoped(session, WorkOrder, work_order_id, actor, Perm.workorder_read)
    stmt = select(TicketAttachment).where(TicketAttachment.tenant_id == work_order.tenant_id,
                                          TicketAttachment.work_order_id == work_order.id)
    if stage is not None:
        stmt = stmt.where(TicketAttachment.stage == stage)
    return paginate_query(session, stmt.order_by(TicketAttachment.id), pagination)


def add_photo(session: Session, *, actor: Actor, work_order_id: int, stage: PhotoStage, filename: str,
              content: bytes, storage, max_bytes: int) -> TicketAttachment:
    """A before / after photo (维修前 / 维修后照片): one of the ticket's attachments, by the dispatcher or the
    supervisor (as for PATCH); images only (else 422); not on a rejected work order (409)."""
    work_order = _load_for_write(session, actor, work_order_id, None)
    if work_order.status == WorkOrderStatus.rejected:
        raise Conflict("A rejected work order takes no photos: dispatch a new one.", errors={"status": ["rejected"]})
    return tickets.store_attachment(session, actor=actor, ticket=_ticket_of(session, work_order), filename=filename,
                                    content=content, storage=storage, max_bytes=max_bytes,
                                    work_order_id=work_order.id, stage=stage)


def _reloaded(session: Session, actor: Actor, work_order: WorkOrder) -> WorkOrder:
    work_order_id = inspect(work_order).identity[0]
    session.expire_all()
    return get_work_order(session, actor=actor, work_order_id=work_order_id)


# --- dispatch ----------------------------------------------------------------------------------------


def _check_contractor(session: Session, actor: Actor, contractor_id: int, project_path: str, trade: Trade) -> Contractor:
    """The contractor serves the project (itself or its region), is active, within its contract period
    and does the trade (or `general` work): else 422 on `contractor_id`."""
    contractor = session.scalars(select(Contractor).where(
        Contractor.tenant_id == actor.tenant_id, Contractor.id == contractor_id).options(
        selectinload(Contractor.units))).one_or_none()
    problem = None
    if contractor is None or not set(contractor.org_unit_ids) & set(path_ids(project_path)):
        problem = "Not a contractor serving this project."
    elif not contractor.is_active:
        problem = "This contractor is deactivated."
    elif not contractor.in_contract(today()):
        problem = (f"Outside the contract period ({contractor.contract_start.isoformat()} to "
                   f"{contractor.contract_end.isoformat()}).")
    elif trade.value not in contractor.trades and Trade.general.value not in contractor.trades:
        problem = f"This contractor does not do {trade.value} work."
    if problem:
        raise Invalid("The contractor cannot take this repair.", errors={"contractor_id": [problem]})
    return contractor


def _check_supervisor(session: Session, tenant_id: int, user_id: int, project_id: int) -> User:
    user = session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(User.tenant_id == tenant_id, User.id == user_id, User.is_active.is_(True),
               Membership.tenant_id == tenant_id, Membership.org_unit_id == project_id,
               Membership.role.in_(SUPERVISOR_ROLES)).limit(1)).one_or_none()
    if user is None:
        raise Invalid("The supervisor must be an engineer or the project manager of the project.",
                      errors={"supervisor_id": ["Not an engineer or project manager of this project."]})
    return user


def _handover(session: Session, ticket: Ticket):
    from servicehub.properties.models import Property

    if ticket.property_id is None:
        return None
    return session.scalar(select(Property.handover_date).where(
        Property.tenant_id == ticket.tenant_id, Property.id == ticket.property_id))


def warranty_for(session: Session, ticket: Ticket, component: Component) -> dict:
    """The warranty decision of a defect of the ticket: from its unit's handover date, on the day it was
    reported (a late dispatch does not cost the customer their warranty), by the group's terms."""
    reported = ticket.created_at.astimezone(LOCAL_TZ).date()
    if ticket.property_id is None:
        return {"in_warranty": True, "component": component.value, "until": None, "reason": Reason.no_unit}
    return decide(_handover(session, ticket), component.value, reported, terms_for(session, ticket.tenant_id))


def ticket_warranty(session: Session, ticket: Ticket) -> dict | None:
    """The warranty shown on a repair ticket (None for other tickets): the decision of its latest work
    order, else an estimate made now from the component of its category (None when the category
    names no component). A few statements, for repairs only (never for a list)."""
    if ticket.type != TicketType.repair:
        return None
    latest = session.execute(
        select(WorkOrder.in_warranty, WorkOrder.component, WorkOrder.warranty_until, WorkOrder.warranty_reason)
        .where(WorkOrder.tenant_id == ticket.tenant_id, WorkOrder.ticket_id == ticket.id)
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(1)).first()
    if latest is not None:
        return {"in_warranty": latest.in_warranty, "component": latest.component, "until": latest.warranty_until,
                "reason": latest.warranty_reason, "source": "work_order"}
    component = CATEGORY_COMPONENTS.get(ticket.category.code) if ticket.category is not None else None
    if component is None:
        return None
    return {**warranty_for(session, ticket, component), "component": component, "source": "estimate"}


def create_work_order(session: Session, *, actor: Actor, ticket_id: int, contractor_id: int, supervisor_id: int,
                      component: Component | None = None, trade: Trade | None = None, scheduled_at=None,
                      materials=None, quote_amount=None) -> WorkOrder:
    require_tenant(actor)
    ticket = get_scoped(session, Ticket, ticket_id, actor, Perm.ticket_read,
                        options=(selectinload(Ticket.category), selectinload(Ticket.assignee)))
    if not actor.can(Perm.workorder_dispatch, ticket.org_unit_id):
        raise Forbidden("Dispatching needs workorder.dispatch at the ticket's project (a project manager).")
    with session.no_autoflush:
        if ticket.type != TicketType.repair:
            raise Invalid("Work orders are for repair tickets.", errors={"ticket_id": ["Not a repair ticket."]})
        if ticket.status not in OPEN_TICKET_STATUSES:
            raise Conflict(f"A {ticket.status.value} ticket is not dispatched.", errors={"ticket_id": [ticket.status.value]})
        open_one = session.scalar(select(WorkOrder.id).where(
            WorkOrder.tenant_id == ticket.tenant_id, WorkOrder.ticket_id == ticket.id,
            WorkOrder.status.in_(OPEN_STATUSES)).limit(1))
        if open_one is not None:
            raise Conflict(f"The ticket has an open work order ({open_one}): finish or reject it first.",
                           errors={"ticket_id": [f"Work order {open_one} is open."]})
        if component is None:
            code = ticket.category.code if ticket.category is not None else None
            component = CATEGORY_COMPONENTS.get(code)
            if component is None:
                raise Invalid("Name the component of the defect: the ticket's category does not tell it.",
                              errors={"component": ["Required for this ticket's category."]})
        trade = trade or COMPONENT_TRADES[component]
        project_path = actor.units[ticket.org_unit_id].path
        contractor = _check_contractor(session, actor, contractor_id, project_path, trade)
        supervisor = _check_supervisor(session, actor.tenant_id, supervisor_id, ticket.org_unit_id)
        warranty = warranty_for(session, ticket, component)
        if warranty["in_warranty"] and quote_amount is not None:
            raise Invalid("A repair in warranty is free: no quote.", errors={"quote_amount": ["In warranty."]})
    work_order = WorkOrder(
        tenant_id=ticket.tenant_id, org_unit_id=ticket.org_unit_id, ticket_id=ticket.id, contractor_id=contractor.id,
        supervisor_id=supervisor.id, dispatched_by_id=actor.id, status=WorkOrderStatus.dispatched, trade=trade,
        ticket_round=ticket.reopen_count + 1,
        component=component, scheduled_at=scheduled_at, materials=materials, in_warranty=warranty["in_warranty"],
        warranty_until=warranty["until"], warranty_reason=warranty["reason"],
        quote_status=None if warranty["in_warranty"] else QuoteStatus.pending,
        quote_amount=None if warranty["in_warranty"] else quote_amount,
    )
    session.add(work_order)
    session.flush()
    tickets.start_work(session, actor=actor, ticket=ticket, reason="work order dispatched")
    tickets.mark_dispatched(ticket, work_order.created_at)
    tickets.record_event(session, ticket, actor, "work_order_dispatched", work_order_id=work_order.id,
                         contractor_id=contractor.id, contractor_name=contractor.name, supervisor_id=supervisor.id,
                         supervisor_name=supervisor.name, component=component, trade=trade,
                         in_warranty=warranty["in_warranty"], warranty_until=warranty["until"].isoformat()
                         if warranty["until"] else None, warranty_reason=warranty["reason"])
    session.commit()
    return _reloaded(session, actor, work_order)


# --- changes -------------------------------------------------------------------------------------------


def _load_for_write(session: Session, actor: Actor, work_order_id: int, expected_version: int | None) -> WorkOrder:
    """The work order, if the caller reads it (else 404) and either dispatches at its project or
    supervises it (else 403), at the version they saw (else 412)."""
    work_order = get_work_order(session, actor=actor, work_order_id=work_order_id)
    if not (actor.can(Perm.workorder_dispatch, work_order.org_unit_id) or work_order.supervisor_id == actor.id):
        raise Forbidden("Only the dispatcher (workorder.dispatch at the project) or the supervisor moves this work order.")
    if expected_version is not None and expected_version != work_order.version:
        raise PreconditionFailed(f"Work order {work_order.id} changed since you loaded it (version {expected_version}, "
                                 f"now {work_order.version}): reload and try again.")
    return work_order


def _ticket_of(session: Session, work_order: WorkOrder) -> Ticket:
    return session.scalars(select(Ticket).where(Ticket.tenant_id == work_order.tenant_id,
                                                Ticket.id == work_order.ticket_id)).one()


def transition(session: Session, *, actor: Actor, work_order_id: int, to: WorkOrderStatus, reason: str | None = None,
               result: str | None = None, finished_at: datetime | None = None,
               expected_version: int | None = None) -> WorkOrder:
    work_order = _load_for_write(session, actor, work_order_id, expected_version)
    current = work_order.status
    move = move_for(current, to)
    if move is None:
        allowed = ", ".join(s.value for s in allowed_moves(current)) or "none"
        raise Conflict(f"A work order cannot move from {current.value} to {to.value}.",
                       errors={"to": [f"Allowed from {current.value}: {allowed}."]})
    if move.needs_reason and not reason:
        raise Invalid("Give the contractor's reason.", errors={"reason": ["Required to reject."]})
    now = utcnow()
    data = {"work_order_id": work_order.id, "from": current, "to": to}
    if to == WorkOrderStatus.accepted:
        work_order.accepted_at = now
    elif to == WorkOrderStatus.on_site:
        if not work_order.in_warranty and work_order.quote_status != QuoteStatus.accepted:
            raise Conflict("A paid repair starts once the customer accepted the quote.",
                           errors={"quote_status": [getattr(work_order.quote_status, "value", "none")]})
        work_order.arrived_at = work_order.arrived_at or now
    elif to == WorkOrderStatus.done:
        result = result or work_order.result
        if not result:
            raise Invalid("Say what was done.", errors={"result": ["Required to finish."]})
        work_order.result = result
        work_order.finished_at = finished_at or work_order.finished_at or now
        data.update(result=result, finished_at=work_order.finished_at)
    elif to == WorkOrderStatus.rejected:
        work_order.reject_reason = reason
        data["reason"] = reason
    work_order.status = to
    tickets.record_event(session, _ticket_of(session, work_order), actor, f"work_order_{to.value}", **data)
    session.commit()
    return _reloaded(session, actor, work_order)


_EDITABLE = ("scheduled_at", "arrived_at", "finished_at", "materials", "cost", "result")


def update_work_order(session: Session, *, actor: Actor, work_order_id: int, changes: dict,
                      expected_version: int | None = None) -> WorkOrder:
    work_order = _load_for_write(session, actor, work_order_id, expected_version)
    with session.no_autoflush:
        if work_order.status == WorkOrderStatus.rejected:
            raise Conflict("A rejected work order is not changed: dispatch a new one.", errors={"status": ["rejected"]})
        if "supervisor_id" in changes and changes["supervisor_id"] != work_order.supervisor_id:
            if not actor.can(Perm.workorder_dispatch, work_order.org_unit_id):
                raise Forbidden("Changing the supervisor needs workorder.dispatch at the project.")
            work_order.supervisor_id = _check_supervisor(session, actor.tenant_id, changes["supervisor_id"],
                                                         work_order.org_unit_id).id
        for field in _EDITABLE:
            if field in changes:
                setattr(work_order, field, changes[field])
        quote_event = None
        if "quote_amount" in changes or "quote_status" in changes:
            if work_order.in_warranty:
                field = "quote_amount" if "quote_amount" in changes else "quote_status"
                raise Invalid("A repair in warranty is free: no quote.", errors={field: ["In warranty."]})
            if "quote_amount" in changes and changes["quote_amount"] != work_order.quote_amount:
                if work_order.quote_status != QuoteStatus.pending:
                    raise Conflict("The customer answered this quote already.",
                                   errors={"quote_amount": [work_order.quote_status.value]})
                work_order.quote_amount = changes["quote_amount"]
            answer = changes.get("quote_status")
            if answer is not None and answer != work_order.quote_status:
                if answer == QuoteStatus.pending or work_order.quote_status != QuoteStatus.pending:
                    raise Conflict(f"The quote is {work_order.quote_status.value}: it cannot become {answer.value}.",
                                   errors={"quote_status": [work_order.quote_status.value]})
                if work_order.quote_amount is None:
                    raise Invalid("Set the quote's amount before recording the answer.",
                                  errors={"quote_amount": ["Required before the customer's answer."]})
                work_order.quote_status = answer
                quote_event = answer
        if quote_event is not None:
            tickets.record_event(session, _ticket_of(session, work_order), actor, f"work_order_quote_{quote_event.value}",
                                 work_order_id=work_order.id, quote_amount=str(work_order.quote_amount))
    session.commit()
    return _reloaded(session, actor, work_order)
