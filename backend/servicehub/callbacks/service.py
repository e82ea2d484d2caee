"""Callbacks (回访): the tasks the system schedules when a ticket is resolved (24 hours after, and two
months after a major repair), the ones staff plan by hand or in bulk (handover, property service,
design), the queue of each front desk, and completing a call.

Completing: a customer not reached is tried again RETRY_HOURS later, up to MAX_ATTEMPTS calls, then
the callback closes as `unreached`. A customer reached scores timeliness, quality and attitude (1–5);
the overall score is the lowest of the three, and it becomes the ticket's `satisfaction`. An overall
score of 1 or 2 (DESIGN §3) reopens the ticket (by the system, through the tickets service) and
notifies the project's managers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import Session

from servicehub.access import ROLE_PERMISSIONS, Actor, Perm, require_tenant
from servicehub.callbacks.models import TICKET_KINDS, Callback, CallbackAttempt, CallbackKind, CallbackStatus
from servicehub.db import utcnow
from servicehub.errors import Conflict, Invalid, NotFound
from servicehub.extensions import paginate_query
from servicehub.orgs.models import OrgUnitKind
from servicehub.scoping import get_scoped, reachable_unit, scoped_to_unit
from servicehub.sla.defaults import CALLBACK_MINUTES
from servicehub.tickets.enums import Status, TicketType
from servicehub.tickets.models import Ticket

MAJOR_REPAIR_DAYS = 60  # 维修后两个月第二次回访
MAX_ATTEMPTS = 3  # calls before a callback closes as unreached
RETRY_HOURS = 2  # a customer not reached is called again this long after the failed call
DISSATISFIED = 2  # an overall score at or below this reopens the ticket (DESIGN §3: 1–2)
MAX_BULK = 500


def schedule_after_resolution(session: Session, tenant_id: int, *, ticket_id: int) -> str:
    """Outbox handler: the callback tasks of a resolved ticket (once per ticket and kind)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.resolved_at is None or ticket.status not in (Status.resolved, Status.closed):
        return "skipped"
    wanted = [(CallbackKind.resolution, ticket.resolved_at + timedelta(minutes=CALLBACK_MINUTES))]
    if ticket.type == TicketType.repair and ticket.is_major:
        wanted.append((CallbackKind.major_repair, ticket.resolved_at + timedelta(days=MAJOR_REPAIR_DAYS)))
    round_no = resolution_round(ticket)
    have = set(session.scalars(select(Callback.kind).where(Callback.tenant_id == tenant_id,
                                                            Callback.ticket_id == ticket.id, Callback.round == round_no)))
    made = []
    for kind, due in wanted:
        if kind not in have:
            session.add(Callback(tenant_id=tenant_id, org_unit_id=ticket.org_unit_id, ticket_id=ticket.id,
                                 customer_id=ticket.customer_id, kind=kind, round=round_no, due_at=due,
                                 assignee_id=ticket.first_responder_id))
            made.append(kind.value)
    return ",".join(made) or "exists"


def resolution_round(ticket: Ticket) -> int:
    """Which resolution of the ticket its callbacks follow: the first, or one more per reopen."""
    return ticket.reopen_count + 1


def cancel_pending(session: Session, ticket: Ticket) -> list[int]:
    """A ticket reopened: its pending callbacks (of the resolution that no longer holds) are cancelled;
    the next resolution schedules its own. Returns their ids. The caller commits."""
    with session.no_autoflush:  # the ticket being reopened is written once, at the caller's commit
        found = list(session.scalars(select(Callback).where(
            Callback.tenant_id == ticket.tenant_id, Callback.ticket_id == ticket.id,
            Callback.kind.in_(TICKET_KINDS), Callback.status == CallbackStatus.pending).order_by(Callback.id)))
    # The callback being completed (whose low score reopens the ticket) is not flushed yet: read its status here.
    pending = [callback for callback in found if callback.status == CallbackStatus.pending]
    for callback in pending:
        callback.status = CallbackStatus.cancelled
    return [callback.id for callback in pending]


# --- reading ---------------------------------------------------------------------------------------


def _described(session: Session, actor: Actor, callbacks: list[Callback]) -> list[Callback]:
    """Name what each callback refers to: its ticket (number, title, status), customer (name, phone
    masked: the queue never shows it whole), project and people. Three statements, whatever the count."""
    from servicehub.customers.identity import mask_phone
    from servicehub.customers.models import Customer
    from servicehub.users.models import User

    def load(*columns, ids):
        ids = sorted({i for i in ids if i is not None})
        if not ids:
            return {}
        model = columns[0].class_
        return {row[0]: row for row in session.execute(
            select(*columns).where(model.tenant_id == actor.tenant_id, model.id.in_(ids)))}

    tickets = load(Ticket.id, Ticket.number, Ticket.title, Ticket.status, ids=(c.ticket_id for c in callbacks))
    customers = load(Customer.id, Customer.name, Customer.phone, ids=(c.customer_id for c in callbacks))
    users = load(User.id, User.name, ids=[i for c in callbacks for i in (c.assignee_id, c.completed_by_id)])
    for callback in callbacks:
        ticket, customer = tickets.get(callback.ticket_id), customers.get(callback.customer_id)
        callback.ticket_number = ticket.number if ticket else None
        callback.ticket_title = ticket.title if ticket else None
        callback.ticket_status = ticket.status if ticket else None
        callback.customer_name = customer.name if customer else None
        callback.customer_phone = mask_phone(customer.phone) if customer else None
        unit = actor.units.get(callback.org_unit_id)
        callback.org_unit_name = unit.name if unit else None
        callback.assignee_name = users[callback.assignee_id].name if callback.assignee_id in users else None
        callback.completed_by_name = (users[callback.completed_by_id].name if callback.completed_by_id in users
                                      else None)
    return callbacks


def _desks(actor: Actor) -> list[int]:
    """The units where the caller holds callback.work by a membership right there (their front desks)."""
    return sorted({g.org_unit_id for g in actor.grants if Perm.callback_work in ROLE_PERMISSIONS[g.role]})


def list_callbacks(session: Session, *, actor: Actor, pagination, status=None, kind=None, assignee_id=None,
                   mine=None, org_unit_id=None, due_before=None, ticket_id=None, customer_id=None) -> list[Callback]:
    """The queue: callbacks of the units where the caller works callbacks, soonest due first."""
    require_tenant(actor)
    stmt = scoped_to_unit(select(Callback), Callback, actor, Perm.callback_work, org_unit_id)
    if status:
        stmt = stmt.where(Callback.status.in_(status))
    if kind:
        stmt = stmt.where(Callback.kind.in_(kind))
    for column, value in ((Callback.assignee_id, assignee_id), (Callback.ticket_id, ticket_id),
                          (Callback.customer_id, customer_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if mine is not None:
        # Mine: assigned to me, or unassigned at one of my own front desks. Written without NULLs, so
        # that its negation holds exactly the others.
        clause = or_(func.coalesce(Callback.assignee_id, 0) == actor.id,
                     and_(Callback.assignee_id.is_(None), Callback.org_unit_id.in_(_desks(actor))))
        stmt = stmt.where(clause if mine else not_(clause))
    if due_before is not None:
        stmt = stmt.where(Callback.due_at < due_before)
    rows = paginate_query(session, stmt.order_by(Callback.due_at, Callback.id), pagination)
    return _described(session, actor, rows)


def _with_log(session: Session, actor: Actor, callback: Callback) -> Callback:
    _described(session, actor, [callback])
    callback.attempt_log = list(session.scalars(select(CallbackAttempt).where(
        CallbackAttempt.tenant_id == callback.tenant_id, CallbackAttempt.callback_id == callback.id)
        .order_by(CallbackAttempt.number)))
    return callback


def get_callback(session: Session, *, actor: Actor, callback_id: int) -> Callback:
    require_tenant(actor)
    return _with_log(session, actor, get_scoped(session, Callback, callback_id, actor, Perm.callback_work))


# --- planning ----------------------------------------------------------------------------------------


def _project(session: Session, actor: Actor, org_unit_id: int):
    unit = reachable_unit(session, actor, org_unit_id, Perm.callback_work)
    if unit.kind != OrgUnitKind.project:
        raise Invalid("A callback belongs to a project.", errors={"org_unit_id": ["Must be a project."]})
    if not unit.is_active:
        raise Invalid("This project is deactivated.", errors={"org_unit_id": ["Deactivated project."]})
    return unit


def _check_assignee(session: Session, actor: Actor, unit, assignee_id: int | None) -> None:
    """The assignee works callbacks of the project (callback.work there or above), else 422."""
    from servicehub.notifications.service import roles_with
    from servicehub.sla.service import path_ids
    from servicehub.users.models import Membership, User

    if assignee_id is None:
        return
    found = session.scalar(
        select(User.id).join(Membership, Membership.user_id == User.id)
        .where(User.tenant_id == actor.tenant_id, User.id == assignee_id, User.is_active.is_(True),
               Membership.org_unit_id.in_(path_ids(unit.path)), Membership.role.in_(roles_with(Perm.callback_work)))
        .limit(1))
    if found is None:
        raise Invalid("This person does not work callbacks of the project.",
                      errors={"assignee_id": ["Not a colleague who works callbacks of this project."]})


def _customers(session: Session, actor: Actor, unit, ids: list[int]) -> dict[int, str | None]:
    """For each id: None when the customer is one of the project's (visible to the caller, their file in
    the project or above it, or a unit of theirs in it), else why not. One statement for all."""
    from servicehub.customers.models import Customer, CustomerScope
    from servicehub.scoping import scoped
    from servicehub.sla.service import path_ids

    path = path_ids(unit.path)
    visible = set(session.scalars(scoped(select(Customer.id), Customer, actor, Perm.customer_read)
                                  .where(Customer.id.in_(sorted(set(ids))))))
    here = set(session.scalars(select(CustomerScope.customer_id).where(
        CustomerScope.tenant_id == actor.tenant_id, CustomerScope.customer_id.in_(sorted(visible)),
        CustomerScope.org_unit_id.in_(path)))) if visible else set()
    return {i: None if i in here else ("Not a customer of this project." if i in visible else "Not found.")
            for i in ids}


def create_callback(session: Session, *, actor: Actor, org_unit_id: int, kind: CallbackKind, due_at: datetime,
                    customer_id: int | None = None, ticket_id: int | None = None,
                    assignee_id: int | None = None) -> Callback:
    """Plan a callback by hand: handover, property service, design; or a ticket's callback (kind
    resolution or major_repair, for a resolved or closed ticket of the project) that is missing."""
    require_tenant(actor)
    unit = _project(session, actor, org_unit_id)
    ticket = None
    if ticket_id is not None:
        ticket = get_scoped(session, Ticket, ticket_id, actor, Perm.ticket_read)
        if ticket.org_unit_id != unit.id:
            raise Invalid("The ticket belongs to another project.", errors={"ticket_id": ["Not in this project."]})
        if kind in TICKET_KINDS and ticket.status not in (Status.resolved, Status.closed):
            raise Invalid("A ticket is called back once it is resolved.",
                          errors={"ticket_id": [f"The ticket is {ticket.status.value}."]})
        if session.scalar(select(Callback.id).where(Callback.tenant_id == actor.tenant_id,
                                                    Callback.ticket_id == ticket.id, Callback.kind == kind,
                                                    Callback.round == resolution_round(ticket))):
            raise Conflict(f"Ticket {ticket.number} already has a {kind.value} callback.",
                           errors={"kind": ["One per ticket, kind and resolution."]})
        if customer_id is None:
            customer_id = ticket.customer_id
    elif kind in TICKET_KINDS:
        raise Invalid(f"A {kind.value} callback follows up a ticket.", errors={"ticket_id": ["Required for this kind."]})
    if customer_id is None:
        raise Invalid("Name the customer to call.", errors={"customer_id": ["Required (the ticket names no customer)."
                                                                            if ticket else "Required."]})
    problem = _customers(session, actor, unit, [customer_id])[customer_id]
    if problem == "Not found.":
        raise NotFound(f"Customer {customer_id} not found.")
    if problem:
        raise Invalid(problem, errors={"customer_id": [problem]})
    _check_assignee(session, actor, unit, assignee_id)
    callback = Callback(tenant_id=actor.tenant_id, org_unit_id=unit.id, ticket_id=ticket_id, customer_id=customer_id,
                        kind=kind, round=resolution_round(ticket) if ticket else 1, due_at=due_at,
                        assignee_id=assignee_id, created_by_id=actor.id)
    session.add(callback)
    if ticket is not None:
        from servicehub.tickets.service import record_event

        session.flush()
        record_event(session, ticket, actor, "callback_planned", callback_id=callback.id, kind=kind, due_at=due_at,
                     assignee_id=assignee_id)
    session.commit()
    return _with_log(session, actor, callback)


def create_bulk(session: Session, *, actor: Actor, org_unit_id: int, kind: CallbackKind, due_at: datetime,
                customer_ids: list[int], assignee_id: int | None = None) -> list[Callback]:
    """One callback per customer (handover, property service, design): all of them, or none with the
    errors by position (`customer_ids.3`)."""
    require_tenant(actor)
    if kind in TICKET_KINDS:
        raise Invalid("A ticket's callback is planned one by one.", errors={"kind": ["Not for a ticket's kind."]})
    unit = _project(session, actor, org_unit_id)
    problems = _customers(session, actor, unit, customer_ids)
    errors: dict[int, list[str]] = {}
    seen: set[int] = set()
    for index, customer_id in enumerate(customer_ids):
        if customer_id in seen:
            errors[index] = ["Listed twice."]
        elif problems[customer_id]:
            errors[index] = [problems[customer_id]]
        seen.add(customer_id)
    if errors:
        raise Invalid(f"{len(errors)} of the customers cannot be called back here: nothing was planned.",
                      errors={"customer_ids": errors})
    _check_assignee(session, actor, unit, assignee_id)
    callbacks = [Callback(tenant_id=actor.tenant_id, org_unit_id=unit.id, customer_id=customer_id, kind=kind,
                          due_at=due_at, assignee_id=assignee_id, created_by_id=actor.id)
                 for customer_id in customer_ids]
    session.add_all(callbacks)
    session.commit()
    return _described(session, actor, callbacks)


# --- completing ----------------------------------------------------------------------------------------


def complete(session: Session, *, actor: Actor, callback_id: int, reached: bool, satisfaction: dict | None = None,
             comment: str | None = None) -> Callback:
    """Record one call: not reached → tried again RETRY_HOURS later, or `unreached` after MAX_ATTEMPTS
    calls; reached → the scores, the ticket's satisfaction, and a reopen on a score of 1–2."""
    require_tenant(actor)
    callback = get_scoped(session, Callback, callback_id, actor, Perm.callback_work)
    session.refresh(callback, with_for_update=True)  # one call at a time (PostgreSQL: the row lock)
    if callback.status != CallbackStatus.pending:
        raise Conflict(f"This callback is {callback.status.value}: nothing is left to call.",
                       errors={"status": [callback.status.value]})
    if reached and not satisfaction:
        raise Invalid("A customer reached scores the service.", errors={"satisfaction": ["Required when reached."]})
    if not reached and satisfaction:
        raise Invalid("Only a customer reached scores the service.",
                      errors={"satisfaction": ["Only when reached."]})
    now = utcnow()
    callback.attempts += 1
    session.add(CallbackAttempt(tenant_id=callback.tenant_id, callback_id=callback.id, number=callback.attempts,
                                at=now, by_id=actor.id, by_name=actor.name, reached=reached, comment=comment))
    ticket = session.get(Ticket, callback.ticket_id) if callback.ticket_id is not None else None
    if not reached:
        _not_reached(session, actor, callback, ticket, comment, now)
    else:
        _reached(session, actor, callback, ticket, satisfaction, comment, now)
    session.commit()
    return _with_log(session, actor, callback)


def _not_reached(session, actor, callback, ticket, comment, now) -> None:
    from servicehub.tickets.service import record_event

    if callback.attempts >= MAX_ATTEMPTS:
        callback.status, callback.completed_at, callback.completed_by_id = CallbackStatus.unreached, now, actor.id
        callback.comment = comment
    else:
        callback.due_at = now + timedelta(hours=RETRY_HOURS)
    if ticket is not None:
        unreached = callback.status == CallbackStatus.unreached
        record_event(session, ticket, actor, "callback_not_reached", callback_id=callback.id, kind=callback.kind,
                     attempt=callback.attempts, comment=comment, unreached=unreached,
                     next_due_at=None if unreached else callback.due_at)


def _reached(session, actor, callback, ticket, scores, comment, now) -> None:
    from servicehub.tickets.service import record_event, reopen_by_rule

    overall = min(scores["timeliness"], scores["quality"], scores["attitude"])
    callback.satisfaction_timeliness = scores["timeliness"]
    callback.satisfaction_quality = scores["quality"]
    callback.satisfaction_attitude = scores["attitude"]
    callback.satisfaction, callback.comment = overall, comment
    callback.status, callback.completed_at, callback.completed_by_id = CallbackStatus.completed, now, actor.id
    if ticket is not None:
        ticket.satisfaction = overall
        ticket.updated_at = now
        record_event(session, ticket, actor, "callback_completed", callback_id=callback.id, kind=callback.kind,
                     timeliness=scores["timeliness"], quality=scores["quality"], attitude=scores["attitude"],
                     satisfaction=overall, comment=comment)
    if overall <= DISSATISFIED:
        if ticket is not None:
            reopen_by_rule(session, ticket=ticket, reason=f"回访不满意（{overall}分）", callback_id=callback.id,
                           satisfaction=overall)
        _tell_managers(session, callback, ticket, overall, comment)


def _tell_managers(session, callback, ticket, overall, comment) -> None:
    """The project's managers (ticket.close held right at the project) hear of a dissatisfied customer."""
    from servicehub.notifications import service as notifications

    people = notifications.holders(session, tenant_id=callback.tenant_id, unit_ids=[callback.org_unit_id],
                                   perm=Perm.ticket_close)
    what = f"{ticket.number} {ticket.title}" if ticket is not None else f"{callback.kind.value} 回访 #{callback.id}"
    title = f"回访不满意（{overall}分）：{what}"[:200]
    body = (f"及时性 {callback.satisfaction_timeliness} · 质量 {callback.satisfaction_quality} · "
            f"态度 {callback.satisfaction_attitude}" + (f"\n客户意见：{comment}" if comment else "")
            + ("\n工单已重新打开，请跟进处理。" if ticket is not None and ticket.status == Status.in_progress else ""))
    notifications.notify(session, tenant_id=callback.tenant_id, users=people, kind="callback_dissatisfied",
                         title=title, body=body, key=f"callback:{callback.id}:dissatisfied",
                         ticket_id=ticket.id if ticket is not None else None, ref_type="callback",
                         ref_id=callback.id, email=True)
