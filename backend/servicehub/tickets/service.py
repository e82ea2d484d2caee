"""Service tickets (工单): intake, routing, the state machine, SLA clocks, comments, attachments and
the append-only timeline. Every change of a ticket writes a `TicketEvent` in the same transaction.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import PurePath
from zoneinfo import ZoneInfo

from sqlalchemy import func, inspect, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from servicehub import idempotency
from servicehub.jobs import outbox
from servicehub.access import ROLE_PERMISSIONS, Actor, Perm, Role, require_tenant
from servicehub.categories.models import Category
from servicehub.categories.service import subtree_ids, tenant_categories
from servicehub.db import utcnow
from servicehub.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
)
from servicehub.escalations.models import Escalation, Rule
from servicehub.extensions import MAX_ID, MAX_OFFSET, paginate_query
from servicehub.orgs.models import OrgUnit, OrgUnitKind
from servicehub.scoping import get_scoped, reachable_unit, select_scoped
from servicehub.sla.defaults import INTAKE_MINUTES
from servicehub.sla.service import due_times, path_ids, target_for
from servicehub.tenants.models import Tenant
from servicehub.tickets.enums import NEXT_LEVEL, OPEN_STATUSES, CommentKind, PhotoStage, Priority, Status, TicketType
from servicehub.tickets.models import Ticket, TicketAttachment, TicketComment, TicketCounter, TicketEvent
from servicehub.tickets.workflow import REOPEN_FROM, allowed_moves, move_for
from servicehub.users.models import Function, Membership, User

# Ticket numbers carry the month of the group's calendar (the groups are in mainland China).
NUMBER_TZ = ZoneInfo("Asia/Shanghai")
CREATE_OPERATION = "tickets.create"

def _load_options():
    """The related rows every ticket answer names (one statement each, whatever the page size)."""
    return (
        selectinload(Ticket.customer),
        selectinload(Ticket.category),
        selectinload(Ticket.assignee),
        selectinload(Ticket.first_responder),
    )


# --- reading ---------------------------------------------------------------------------------------


def _named(actor: Actor, tickets: list[Ticket]) -> list[Ticket]:
    for ticket in tickets:
        unit = actor.units.get(ticket.org_unit_id)
        ticket.org_unit_name = unit.name if unit else None
    return tickets


def get_ticket(session: Session, *, actor: Actor, ticket_id: int, perm: Perm = Perm.ticket_read) -> Ticket:
    """One ticket, as answered alone: named, with its warranty (`TicketDetailSchema`)."""
    ticket = get_scoped(session, Ticket, ticket_id, actor, perm, options=_load_options())
    from servicehub.work_orders.service import ticket_warranty

    ticket.warranty = ticket_warranty(session, ticket)
    return _named(actor, [ticket])[0]


def _reloaded(session: Session, actor: Actor, ticket: Ticket) -> Ticket:
    """The ticket as committed, with its related names loaded afresh."""
    ticket_id = inspect(ticket).identity[0]  # not `ticket.id`: that would reload the expired row
    session.expire(ticket)
    return get_ticket(session, actor=actor, ticket_id=ticket_id)


def _load_for_write(session: Session, actor: Actor, ticket_id: int, expected_version: int | None) -> Ticket:
    """The ticket, if the caller may read it (else 404) and work it (else 403), at the version they saw."""
    require_tenant(actor)
    ticket = get_scoped(session, Ticket, ticket_id, actor, Perm.ticket_read, options=_load_options())
    if not _may(actor, Perm.ticket_write, ticket):
        raise Forbidden("You may read this ticket but not work on it.")
    if expected_version is not None and expected_version != ticket.version:
        raise PreconditionFailed(
            f"Ticket {ticket.number} changed since you loaded it (version {expected_version}, now {ticket.version}): "
            "reload and try again.")
    return ticket


def _may(actor: Actor, perm: Perm, ticket: Ticket) -> bool:
    """`perm` reaches this ticket: through the project, or as its first responder or assignee."""
    if ticket.org_unit_id in actor.full_reach(perm):
        return True
    if not actor.has(perm):
        return False
    if actor.id in (ticket.first_responder_id, ticket.assignee_id):
        return True
    return any(ticket.org_unit_id in units and ticket.function is not None and ticket.function.value == function
               for function, units in actor.assigned_reach(perm).items())


def list_tickets(session: Session, *, actor: Actor, pagination, q=None, type=None, status=None, priority=None,
                 channel=None, category_id=None, org_unit_id=None, assignee_id=None, first_responder_id=None,
                 customer_id=None, property_id=None, function=None, escalation_level=None, is_major=None,
                 overdue=None, mine=None, created_from=None, created_to=None, resolved_from=None, resolved_to=None,
                 sort="-created_at", after=None) -> list[Ticket]:
    require_tenant(actor)
    units = actor.subtree(org_unit_id) if org_unit_id is not None else None
    if units is not None and units <= actor.full_reach(Perm.ticket_read):
        # Units the caller reads in full: the scope adds nothing but an OR ("or mine") that keeps
        # PostgreSQL from reading the list off its index.
        stmt = select(Ticket).where(Ticket.tenant_id == actor.tenant_id)
    else:
        stmt = select_scoped(Ticket, actor, Perm.ticket_read)
    if units is not None:
        stmt = stmt.where(Ticket.org_unit_id.in_(sorted(units)))
    if type:
        stmt = stmt.where(Ticket.type.in_(type))
    if status:
        stmt = stmt.where(Ticket.status.in_(status))
    if priority:
        stmt = stmt.where(Ticket.priority.in_(priority))
    if channel:
        stmt = stmt.where(Ticket.channel.in_(channel))
    if category_id is not None:
        categories = tenant_categories(session, tenant_id=actor.tenant_id)
        wanted = subtree_ids(categories, category_id) if category_id in categories else set()
        stmt = stmt.where(Ticket.category_id.in_(sorted(wanted)))
    for column, value in ((Ticket.assignee_id, assignee_id), (Ticket.first_responder_id, first_responder_id),
                          (Ticket.customer_id, customer_id), (Ticket.property_id, property_id),
                          (Ticket.function, function), (Ticket.escalation_level, escalation_level),
                          (Ticket.is_major, is_major)):
        if value is not None:
            stmt = stmt.where(column == value)
    if overdue is not None:
        clause = Ticket.overdue_clause(utcnow())
        stmt = stmt.where(clause if overdue else ~clause)
    if mine is True:
        stmt = stmt.where(or_(Ticket.assignee_id == actor.id, Ticket.first_responder_id == actor.id))
    elif mine is False:  # written out: NOT(assignee_id = me) is NULL, not true, for an unassigned ticket
        stmt = stmt.where(or_(Ticket.assignee_id.is_(None), Ticket.assignee_id != actor.id),
                          Ticket.first_responder_id != actor.id)
    if created_from is not None:
        stmt = stmt.where(Ticket.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(Ticket.created_at < created_to)
    if resolved_from is not None:
        stmt = stmt.where(Ticket.resolved_at >= resolved_from)
    if resolved_to is not None:
        stmt = stmt.where(Ticket.resolved_at < resolved_to)
    if q:
        stmt = stmt.where(_search(session, q))

    column_name = sort.lstrip("-")
    column = getattr(Ticket, column_name)
    descending = sort.startswith("-")
    order = (column.desc(), Ticket.id.desc()) if descending else (column.asc(), Ticket.id.asc())
    _count(session, stmt, pagination)
    page_size = pagination.page_size
    offset = 0
    if after:
        moment, last_id = _decode_cursor(after)
        key = tuple_(Ticket.created_at, Ticket.id)
        stmt = stmt.where(key < (moment, last_id) if descending else key > (moment, last_id))
        pagination.keyset = True
    else:
        offset = (pagination.page - 1) * page_size
        if offset >= MAX_OFFSET or (not pagination.total_is_lower_bound and offset >= pagination.item_count):
            return []
    # The page's ids first, read off an index (a deep offset skips index entries, not rows), then
    # the rows; one id more than the page tells whether another page follows.
    ids = list(session.scalars(stmt.with_only_columns(Ticket.id).order_by(*order).offset(offset).limit(page_size + 1)))
    pagination.has_next = len(ids) > page_size
    ids = ids[:page_size]
    rows = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ids)).options(*_load_options()))}
    tickets = [rows[i] for i in ids if i in rows]
    if pagination.has_next and column_name == "created_at" and tickets:
        pagination.next_cursor = _encode_cursor(tickets[-1])
    return _named(actor, tickets)


COUNT_CAP = 10_000


def _count(session: Session, stmt, pagination) -> None:
    """The total of a list, exact up to COUNT_CAP; beyond it the total is reported as a lower bound
    (`total_is_lower_bound`), as counting 200,000 matches costs more than the page itself."""
    found = session.scalar(select(func.count()).select_from(stmt.order_by(None).limit(COUNT_CAP + 1).subquery()))
    pagination.total_is_lower_bound = found > COUNT_CAP
    pagination.item_count = min(found, COUNT_CAP)


def _encode_cursor(ticket: Ticket) -> str:
    raw = f"{ticket.created_at.isoformat()}|{ticket.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, last_id = raw.split("|")
        value = datetime.fromisoformat(moment)
        if value.tzinfo is None:
            raise ValueError("naive")
        ticket_id = int(last_id)
        if not 0 < ticket_id <= MAX_ID:  # a forged id the database cannot compare (SQLite overflows)
            raise ValueError("id out of range")
        return value.astimezone(timezone.utc), ticket_id
    except (ValueError, UnicodeDecodeError, OverflowError) as exc:
        raise Invalid("The cursor is not valid: use the next_cursor of the previous page.",
                      errors={"after": ["Not a cursor of this list."]}) from exc


def _search(session: Session, q: str):
    """The ticket number (whole, or its tail), words of title or description, or the customer
    (phone, last 4 digits, unit 3-2-1201, name) as the customer search reads them."""
    from servicehub.customers.models import Customer
    from servicehub.customers.service import escape_like, search_branches

    q = q.strip()
    postgresql = session.get_bind().dialect.name == "postgresql"
    pattern = f"%{escape_like(q)}%"
    customers = select(Customer.id).where(or_(*search_branches(q, postgresql=postgresql)))
    clauses = [Ticket.title.like(pattern, escape="\\"), Ticket.description.like(pattern, escape="\\"),
               Ticket.customer_id.in_(customers)]
    if q.upper().count("-") == 2:
        clauses.append(Ticket.number == q.upper())
    elif q.isdigit():
        clauses.append(Ticket.number.like(f"%-{q.zfill(6)}" if len(q) <= 6 else f"%{q}"))
    return or_(*clauses)


def _of_ticket(session: Session, actor: Actor, ticket_id: int, model, pagination) -> list:
    """A ticket's events, comments or attachments, oldest first (the ticket within reach, else 404)."""
    ticket = get_scoped(session, Ticket, ticket_id, actor, Perm.ticket_read)
    return paginate_query(session, select(model).where(model.ticket_id == ticket.id).order_by(model.id), pagination)


def list_events(session: Session, *, actor: Actor, ticket_id: int, pagination) -> list[TicketEvent]:
    return _of_ticket(session, actor, ticket_id, TicketEvent, pagination)


def list_comments(session: Session, *, actor: Actor, ticket_id: int, pagination) -> list[TicketComment]:
    return _of_ticket(session, actor, ticket_id, TicketComment, pagination)


def list_attachments(session: Session, *, actor: Actor, ticket_id: int, pagination) -> list[TicketAttachment]:
    return _of_ticket(session, actor, ticket_id, TicketAttachment, pagination)


# --- the timeline -----------------------------------------------------------------------------------


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return getattr(value, "value", value)


def _event(session: Session, ticket: Ticket, actor: Actor | None, what: str, /, **data) -> None:
    session.add(TicketEvent(tenant_id=ticket.tenant_id, ticket_id=ticket.id, kind=what, data=_jsonable(data),
                            actor_id=actor.id if actor else None, actor_name=actor.name if actor else "system"))


# --- intake -------------------------------------------------------------------------------------------


def create_ticket(session: Session, *, actor: Actor, idempotency_key: str | None = None,
                  **data) -> tuple[Ticket, bool]:
    """Log a ticket; returns (ticket, replayed). The same Idempotency-Key again answers the first
    ticket, also when both requests race (the key's unique index decides)."""
    require_tenant(actor)
    key = dict(tenant_id=actor.tenant_id, user_id=actor.id, operation=CREATE_OPERATION, key=idempotency_key,
               payload=data)
    if idempotency_key:
        earlier = idempotency.replayed(session, **key)
        if earlier is not None:
            return get_ticket(session, actor=actor, ticket_id=earlier), True
    ticket = _new_ticket(session, actor=actor, **data)
    if idempotency_key:
        idempotency.remember(session, **key, resource_id=ticket.id)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        earlier = idempotency.replayed(session, **key) if idempotency_key else None
        if earlier is None:
            raise
        return get_ticket(session, actor=actor, ticket_id=earlier), True
    return _reloaded(session, actor, ticket), False


def _new_ticket(session: Session, *, actor: Actor, org_unit_id: int, type: TicketType, channel, title: str,
                description: str, priority: Priority = Priority.normal, category_id=None, customer_id=None,
                property_id=None, is_major: bool = False, households_affected: int = 1, assignee_id=None,
                function=None, contacted_at=None, sensitive=()) -> Ticket:
    unit = reachable_unit(session, actor, org_unit_id, Perm.ticket_write)
    if unit.kind != OrgUnitKind.project:
        raise Invalid("A ticket belongs to a project.", errors={"org_unit_id": ["Must be a project."]})
    if not unit.is_active:
        raise Invalid("This project is deactivated.", errors={"org_unit_id": ["Deactivated project."]})
    category = _category(session, actor, category_id)
    _check_links(session, actor, unit.id, customer_id, property_id)
    now = utcnow()
    if contacted_at is not None and not (now - timedelta(days=30) <= contacted_at <= now + timedelta(minutes=1)):
        raise Invalid("The contact time lies in the future or more than 30 days back.",
                      errors={"contacted_at": ["Must be within the last 30 days."]})
    target = target_for(session, tenant_id=actor.tenant_id, path=path_ids(unit.path), ticket_type=type,
                        priority=priority)
    response_due, resolve_due = due_times(target, now)
    ticket = Ticket(
        tenant_id=actor.tenant_id, org_unit_id=unit.id, type=type, channel=channel, title=title,
        description=description, priority=priority, category_id=category.id if category else None,
        customer_id=customer_id, property_id=property_id, is_major=is_major,
        households_affected=households_affected, first_responder_id=actor.id, status=Status.new,
        sensitive=sorted({s.value for s in sensitive}),
        function=function or _routed_function(type, category), contacted_at=contacted_at,
        logged_late=contacted_at is not None and now - contacted_at > timedelta(minutes=INTAKE_MINUTES),
        response_due_at=response_due, resolve_due_at=resolve_due, created_at=now, updated_at=now,
        dispatch_due_at=dispatch_due(type, response_due),
    )
    if assignee_id is not None:
        assignee_name = _check_assignee(session, actor.tenant_id, assignee_id, unit.path)
    # The number last: its counter row stays locked until the commit.
    ticket.number = _next_number(session, actor.tenant_id, now)
    session.add(ticket)
    session.flush()
    dispatch = {"dispatch_due_at": ticket.dispatch_due_at} if ticket.dispatch_due_at is not None else {}
    _event(session, ticket, actor, "created", number=ticket.number, type=type, priority=priority, channel=channel,
           response_due_at=response_due, resolve_due_at=resolve_due, **dispatch, sla_source=target.source)
    if assignee_id is not None:
        _assign(session, actor, ticket, assignee_id, assignee_name, reason=None, now=now)
    if ticket.is_major or ticket.type == TicketType.complaint:
        _evaluate_later(session, actor, ticket)
    return ticket


# What the escalation rules and the group-complaint watch read: a change of these re-evaluates.
_RULE_INPUTS = {"is_major", "households_affected", "sensitive", "category_id", "property_id"}


def _evaluate_later(session: Session, actor: Actor | None, ticket: Ticket) -> None:
    """The escalation rules run in a job, written down in this transaction (the outbox): a request
    that rolls back escalates nothing, and a Redis outage delays the escalation, never loses it."""
    outbox.emit(session, tenant_id=ticket.tenant_id, queue="escalations",
                handler="servicehub.escalations.service.evaluate", created_by_id=actor.id if actor else None,
                ticket_id=ticket.id)


def _routed_function(type: TicketType, category: Category | None) -> Function:
    """Routing by default: the category's function; without one, repairs go to engineering."""
    if category is not None and category.default_function is not None:
        return category.default_function
    return Function.engineering if type == TicketType.repair else Function.customer_service


def _category(session: Session, actor: Actor, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = session.scalars(select(Category).where(
        Category.tenant_id == actor.tenant_id, Category.id == category_id)).one_or_none()
    if category is None or not category.is_active:
        raise Invalid("Unknown or deactivated category.", errors={"category_id": ["Unknown or deactivated category."]})
    return category


def _check_links(session: Session, actor: Actor, unit_id: int, customer_id, property_id) -> None:
    """The customer and the unit must be ones the caller can see (else 404), the unit in the project."""
    from servicehub.customers.models import Customer
    from servicehub.properties.models import Property

    if customer_id is not None:
        get_scoped(session, Customer, customer_id, actor, Perm.customer_read)
    if property_id is not None:
        prop = get_scoped(session, Property, property_id, actor, Perm.customer_read)
        if prop.org_unit_id != unit_id:
            raise Invalid("The unit belongs to another project.", errors={"property_id": ["Not in this project."]})


def _next_number(session: Session, tenant_id: int, now: datetime) -> str:
    """DEMO-202611-000123: the group, the month, and a counter per group and month. One statement,
    `INSERT … ON CONFLICT DO UPDATE … RETURNING`: concurrent creations queue on the counter row."""
    period = now.astimezone(NUMBER_TZ).strftime("%Y%m")
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(TicketCounter).values(tenant_id=tenant_id, period=period, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[TicketCounter.tenant_id, TicketCounter.period],
        set_={"last_value": TicketCounter.last_value + 1},
    ).returning(TicketCounter.last_value)
    value = session.execute(stmt).scalar_one()
    slug = session.get(Tenant, tenant_id).slug
    return f"{slug.upper()}-{period}-{value:06d}"


# --- assignment ------------------------------------------------------------------------------------------


# The roles whose holders work tickets (ticket.write): the people a ticket may be assigned to.
WORKING_ROLES = tuple(role for role, perms in ROLE_PERMISSIONS.items() if Perm.ticket_write in perms)


def _assignable(tenant_id: int, unit_path: str):
    """The one rule of who may be assigned a ticket of the project at `unit_path`: an active user of
    the group whose membership grants ticket.write at the project or above it. One row per such
    membership: (id, name, username, role, function, org_unit_id)."""
    return (
        select(User.id, User.name, User.username, Membership.role, Membership.function, Membership.org_unit_id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.tenant_id == tenant_id, User.is_active.is_(True), Membership.tenant_id == tenant_id,
               Membership.org_unit_id.in_(path_ids(unit_path)), Membership.role.in_(WORKING_ROLES))
    )


def _check_assignee(session: Session, tenant_id: int, user_id: int, unit_path: str) -> str:
    """The assignee works tickets of the project (`_assignable`), else 422; returns their name."""
    row = session.execute(_assignable(tenant_id, unit_path).where(User.id == user_id).limit(1)).first()
    if row is None:
        raise Invalid("This person cannot work tickets of the project.",
                      errors={"assignee_id": ["Not a colleague who works tickets of this project."]})
    return row.name


def list_assignees(session: Session, *, actor: Actor, ticket_id: int) -> list[dict]:
    """Who may be assigned this ticket (`_assignable`), with their open tickets in the group; fewest
    open tickets first. For whoever may route it (`_may_route`, else 403); outside reach, 404."""
    require_tenant(actor)
    ticket = get_scoped(session, Ticket, ticket_id, actor, Perm.ticket_read)
    if not _may_route(actor, ticket):
        raise Forbidden("Routing this ticket needs ticket.assign at the project (or being the first responder of "
                        "a new ticket).")
    path = actor.units[ticket.org_unit_id].path
    depth = {unit_id: i for i, unit_id in enumerate(path_ids(path))}
    people: dict[int, dict] = {}
    nearest: dict[int, int] = {}
    for row in session.execute(_assignable(actor.tenant_id, path)):
        person = people.setdefault(row.id, {"id": row.id, "name": row.name, "username": row.username,
                                            "roles": set(), "function": None})
        person["roles"].add(row.role)
        # The function of the membership nearest the project (one without a function yields to one with).
        rank = (depth[row.org_unit_id], row.function is not None)
        if rank > nearest.get(row.id, (-1, False)):
            nearest[row.id] = rank
            person["function"] = row.function
    open_tickets = dict(session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.tenant_id == actor.tenant_id, Ticket.status.in_(OPEN_STATUSES),
               Ticket.assignee_id.in_(sorted(people)))
        .group_by(Ticket.assignee_id)
    ).all()) if people else {}
    order = list(Role)
    for person in people.values():
        person["roles"] = sorted(person["roles"], key=order.index)
        person["open_tickets"] = open_tickets.get(person["id"], 0)
    return sorted(people.values(), key=lambda p: (p["open_tickets"], p["name"], p["id"]))


def _may_route(actor: Actor, ticket: Ticket) -> bool:
    """Assignment is a manager's; the first responder routes their own ticket while it is new."""
    return actor.can(Perm.ticket_assign, ticket.org_unit_id) or (
        ticket.first_responder_id == actor.id and ticket.status == Status.new)


def _assign(session: Session, actor: Actor, ticket: Ticket, assignee_id: int, assignee_name: str, *,
            reason: str | None, now: datetime) -> None:
    """Hand the ticket to `assignee_id`; the timeline keeps the names as they were (`to_name`, `from_name`)."""
    previous = ticket.assignee_id
    # The assignee was loaded with the ticket (a ticket being created has none to load).
    previous_name = ticket.assignee_name if previous is not None else None
    ticket.assignee_id = assignee_id
    if ticket.status == Status.new:
        ticket.status = Status.assigned
        _responded(ticket, now)
    if previous is None:
        _event(session, ticket, actor, "assigned", to=assignee_id, to_name=assignee_name)
    else:
        _event(session, ticket, actor, "reassigned", **{"from": previous, "from_name": previous_name,
                                                        "to": assignee_id, "to_name": assignee_name,
                                                        "reason": reason})


def _responded(ticket: Ticket, now: datetime) -> None:
    """The first response (an assignment, work started, a reply to the customer) stops the response clock."""
    if ticket.responded_at is None:
        ticket.responded_at = now
        if now > ticket.response_due_at:
            ticket.sla_breached = True


# --- changes ------------------------------------------------------------------------------------------------

_EDITABLE = ("title", "description", "priority", "category_id", "customer_id", "property_id", "is_major",
             "households_affected", "function", "sensitive")


def update_ticket(session: Session, *, actor: Actor, ticket_id: int, changes: dict,
                  expected_version: int | None = None) -> Ticket:
    ticket = _load_for_write(session, actor, ticket_id, expected_version)
    # One flush at the commit: the lookups below must not write the ticket early (each flush of
    # a changed ticket counts a version).
    with session.no_autoflush:
        if ticket.status in (Status.closed, Status.cancelled):
            raise Conflict(f"A {ticket.status.value} ticket cannot be changed; reopen it first.",
                           errors={"status": [ticket.status.value]})
        changes = dict(changes)
        if "sensitive" in changes:
            changes["sensitive"] = sorted({s.value for s in changes["sensitive"]})
        reason = changes.pop("reason", None)
        assignee_id = changes.pop("assignee_id", None)
        now = utcnow()
        if "function" in changes and changes["function"] != ticket.function and not _may_route(actor, ticket):
            raise Forbidden("Routing to another function needs ticket.assign at the project.")
        if changes.get("is_major") is False and ticket.is_major and not actor.can(Perm.ticket_escalate, ticket.org_unit_id):
            raise Forbidden("Only a manager may withdraw the major flag.")
        if "category_id" in changes and changes["category_id"] != ticket.category_id:
            # Only a new category is checked and re-routes: a form sent back whole keeps a since
            # deactivated category and a function routed by hand.
            category = _category(session, actor, changes["category_id"])
            if "function" not in changes and ticket.assignee_id is None and assignee_id is None:
                changes["function"] = _routed_function(ticket.type, category)
        if "customer_id" in changes or "property_id" in changes:
            _check_links(session, actor, ticket.org_unit_id, changes.get("customer_id"), changes.get("property_id"))

        diff = {}
        for field in _EDITABLE:
            if field in changes and changes[field] != getattr(ticket, field):
                diff[field] = {"from": getattr(ticket, field), "to": changes[field]}
                setattr(ticket, field, changes[field])
        if diff:
            _event(session, ticket, actor, "updated", changes=diff)
        if _RULE_INPUTS & set(diff) and (ticket.is_major or ticket.type == TicketType.complaint):
            _evaluate_later(session, actor, ticket)
        if "priority" in diff:
            _reschedule(session, actor, ticket)
        if assignee_id is not None and assignee_id != ticket.assignee_id:
            if not _may_route(actor, ticket):
                raise Forbidden("Assigning needs ticket.assign at the project (or being the first responder of a new ticket).")
            if ticket.assignee_id is not None and not reason:
                raise Invalid("Say why the ticket is reassigned.", errors={"reason": ["Required to reassign."]})
            name = _check_assignee(session, ticket.tenant_id, assignee_id, actor.units[ticket.org_unit_id].path)
            _assign(session, actor, ticket, assignee_id, name, reason=reason, now=now)
    if session.dirty:
        ticket.updated_at = now
    session.commit()
    return _reloaded(session, actor, ticket)


def _reschedule(session: Session, actor: Actor, ticket: Ticket) -> None:
    """A new priority moves the due times (a repair's dispatch with its response), counted from the
    creation of the ticket."""
    target = target_for(session, tenant_id=ticket.tenant_id, path=path_ids(actor.units[ticket.org_unit_id].path),
                        ticket_type=ticket.type, priority=ticket.priority)
    before = (ticket.response_due_at, ticket.resolve_due_at, ticket.dispatch_due_at)
    ticket.response_due_at, ticket.resolve_due_at = due_times(target, ticket.created_at)
    ticket.dispatch_due_at = dispatch_due(ticket.type, ticket.response_due_at)
    if before != (ticket.response_due_at, ticket.resolve_due_at, ticket.dispatch_due_at):
        dispatch = ({"dispatch_due_at": {"from": before[2], "to": ticket.dispatch_due_at}}
                    if ticket.dispatch_due_at is not None else {})
        _event(session, ticket, actor, "due_changed",
               response_due_at={"from": before[0], "to": ticket.response_due_at},
               resolve_due_at={"from": before[1], "to": ticket.resolve_due_at}, **dispatch)


def dispatch_due(type: TicketType, response_due_at: datetime) -> datetime | None:
    """The dispatch clock (派工) of a repair: the repair's response target is its dispatch target
    (sla/defaults.py: 12 hours, an emergency at once). Other tickets are not dispatched: None."""
    return response_due_at if type == TicketType.repair else None


def mark_dispatched(ticket: Ticket, now: datetime) -> None:
    """The first work order dispatched stops the dispatch clock; a late one breaches the SLA."""
    if ticket.dispatched_at is None and ticket.dispatch_due_at is not None:
        ticket.dispatched_at = now
        if now > ticket.dispatch_due_at:
            ticket.sla_breached = True


def transition(session: Session, *, actor: Actor, ticket_id: int, to: Status, reason: str | None = None,
               override_callback: bool = False, expected_version: int | None = None) -> Ticket:
    ticket = _load_for_write(session, actor, ticket_id, expected_version)
    current = ticket.status
    if to == Status.assigned and current == Status.new:
        raise Conflict("A ticket becomes assigned when it gets an assignee: PATCH it with assignee_id.",
                       errors={"to": [f"Allowed from {current.value}: {', '.join(s.value for s in allowed_moves(current))}."]})
    move = move_for(current, to)
    if move is None:
        allowed = ", ".join(s.value for s in allowed_moves(current)) or "none"
        raise Conflict(f"A ticket cannot move from {current.value} to {to.value}.",
                       errors={"to": [f"Allowed from {current.value}: {allowed}."]})
    _check_mover(actor, ticket, move)
    if move.needs_reason and not reason:
        raise Invalid("Give a reason for this move.", errors={"reason": ["Required to cancel or reopen."]})
    if override_callback and (to != Status.closed or not reason):
        raise Invalid("Overriding the pending callback is for closing, with a reason.",
                      errors={"reason": ["Required to close over a pending callback."]} if to == Status.closed
                      else {"override_callback": ["Only when closing."]})
    overridden = _check_callback_before_close(session, actor, ticket, override_callback) if to == Status.closed \
        else None
    extra = {"override_callback": overridden} if overridden is not None else {}
    _move(session, actor, ticket, to, reason, **extra)
    session.commit()
    return _reloaded(session, actor, ticket)


def _check_callback_before_close(session: Session, actor: Actor, ticket: Ticket, override: bool) -> int | None:
    """A ticket does not close while its first callback (回访, kind resolution) is pending, unless a
    manager (ticket.close, checked already) overrides with a reason: returns the overridden callback's id."""
    from servicehub.audit.service import record
    from servicehub.callbacks.models import Callback, CallbackKind, CallbackStatus

    pending = session.scalars(select(Callback).where(
        Callback.tenant_id == ticket.tenant_id, Callback.ticket_id == ticket.id,
        Callback.kind == CallbackKind.resolution, Callback.status == CallbackStatus.pending)
        .order_by(Callback.round.desc()).limit(1)).one_or_none()
    if pending is None:
        return None
    if not override:
        raise Conflict(
            f"Ticket {ticket.number} has a pending callback (回访 #{pending.id}, due {pending.due_at.isoformat()}): "
            "complete the callback first, or close with override_callback and a reason.",
            errors={"override_callback": [f"Callback {pending.id} is pending."]})
    record(session, tenant_id=ticket.tenant_id, actor=actor, action="ticket.close_callback_overridden",
           target_type="ticket", target_id=ticket.id, org_unit_id=ticket.org_unit_id,
           details={"number": ticket.number, "callback_id": pending.id})
    return pending.id


def reopen_by_rule(session: Session, *, ticket: Ticket, reason: str, **data) -> bool:
    """Reopen a resolved or closed ticket by a rule (a dissatisfied callback), as the system: the same
    move as a manager's reopen. Returns False (and does nothing) when the ticket is not resolved or
    closed. The caller commits."""
    if ticket.status not in REOPEN_FROM or move_for(ticket.status, Status.in_progress) is None:
        return False
    _move(session, None, ticket, Status.in_progress, reason, **data)
    return True


def record_event(session: Session, ticket: Ticket, actor: Actor | None, what: str, /, **data) -> None:
    """Add an event to a ticket's timeline (other domains: callbacks)."""
    _event(session, ticket, actor, what, **data)


def start_work(session: Session, *, actor: Actor, ticket: Ticket, reason: str | None = None, **data) -> None:
    """Move a new or assigned ticket to in_progress by the state machine's rule, in the caller's
    transaction (a work order dispatched on it; the caller commits); one in progress stays."""
    if ticket.status == Status.in_progress:
        return
    move = move_for(ticket.status, Status.in_progress)
    if move is None or ticket.status in REOPEN_FROM:
        raise Conflict(f"A {ticket.status.value} ticket takes no work.", errors={"ticket_id": [ticket.status.value]})
    _check_mover(actor, ticket, move)
    _move(session, actor, ticket, Status.in_progress, reason, **data)


def _move(session: Session, actor: Actor | None, ticket: Ticket, to: Status, reason: str | None, **data) -> None:
    """Apply a checked move of the state machine (`actor` None: the system, by a rule)."""
    current = ticket.status
    now = utcnow()
    if to == Status.in_progress and current in REOPEN_FROM:
        from servicehub.callbacks.service import cancel_pending

        ticket.resolved_at = ticket.closed_at = None
        ticket.reopen_count += 1
        kind = "reopened"
        cancelled = cancel_pending(session, ticket)
        if cancelled:
            data = {**data, "cancelled_callbacks": cancelled}
    else:
        kind = "status_changed"
    if to == Status.in_progress:
        _responded(ticket, now)
        if ticket.assignee_id is None and actor is not None:
            ticket.assignee_id = actor.id
            _event(session, ticket, actor, "assigned", to=actor.id, to_name=actor.name)
    elif to == Status.resolved:
        _responded(ticket, now)
        ticket.resolved_at = now
        if now > ticket.resolve_due_at:
            ticket.sla_breached = True
        # The callback tasks (24 h after, and 2 months after a major repair).
        outbox.emit(session, tenant_id=ticket.tenant_id, queue="default", created_by_id=actor.id if actor else None,
                    handler="servicehub.callbacks.service.schedule_after_resolution", ticket_id=ticket.id)
    elif to == Status.closed:
        ticket.closed_at = now
    elif to == Status.cancelled:
        ticket.cancelled_at = now
    ticket.status = to
    ticket.updated_at = now
    _event(session, ticket, actor, kind, **{"from": current, "to": to, "reason": reason, **data})


def _check_mover(actor: Actor, ticket: Ticket, move) -> None:
    unit = ticket.org_unit_id
    if move.first_responder_while_new and ticket.status == Status.new and ticket.first_responder_id == actor.id:
        return
    if move.who == "closer":
        if not actor.can(Perm.ticket_close, unit):
            raise Forbidden("Closing, cancelling and reopening need ticket.close at the project (a project manager).")
    elif move.who == "worker":
        is_worker = ticket.assignee_id in (None, actor.id)
        if not is_worker and not actor.can(Perm.ticket_assign, unit):
            raise Forbidden("Only the assignee or a manager moves this ticket on.")


# --- escalation ----------------------------------------------------------------------------------------------


def escalate(session: Session, *, actor: Actor, ticket_id: int, reason: str,
             expected_version: int | None = None) -> Escalation:
    """Move a ticket up one level (project → region → hq) by hand."""
    ticket = _load_for_write(session, actor, ticket_id, expected_version)
    if not actor.can(Perm.ticket_escalate, ticket.org_unit_id):
        raise Forbidden("Escalating needs ticket.escalate at the project (a manager).")
    if ticket.status not in OPEN_STATUSES:
        raise Conflict(f"A {ticket.status.value} ticket is not escalated.", errors={"status": [ticket.status.value]})
    to_level = NEXT_LEVEL[ticket.escalation_level]
    if to_level is None:
        raise Conflict("The ticket is already at headquarters.", errors={"escalation_level": ["hq"]})
    from servicehub.escalations.service import escalate_to

    escalation = escalate_to(session, ticket=ticket, to_level=to_level, rule=Rule.manual, reason=reason, actor=actor)
    session.commit()
    return escalation


# --- comments and attachments -----------------------------------------------------------------------------------


def add_comment(session: Session, *, actor: Actor, ticket_id: int, body: str,
                kind: CommentKind = CommentKind.internal) -> TicketComment:
    ticket = _load_for_write(session, actor, ticket_id, None)
    comment = TicketComment(tenant_id=ticket.tenant_id, ticket_id=ticket.id, kind=kind, body=body,
                            author_id=actor.id, author_name=actor.name)
    session.add(comment)
    session.flush()
    if kind == CommentKind.reply and ticket.responded_at is None:
        _responded(ticket, comment.created_at)
        ticket.updated_at = comment.created_at
    _event(session, ticket, actor, "commented", comment_id=comment.id, kind=kind)
    session.commit()
    return comment


# What a photo of a defect (or a short video of a leak, or a scanned letter) may be; the type is read
# from the bytes, not from the name or the header the browser sent.
ALLOWED_TYPES = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
    "image/heic": ".heic", "application/pdf": ".pdf", "video/mp4": ".mp4",
}


# Before / after photos of a work order are images only.
IMAGE_TYPES = {mime: ext for mime, ext in ALLOWED_TYPES.items() if mime.startswith("image/")}


def add_attachment(session: Session, *, actor: Actor, ticket_id: int, filename: str, content: bytes,
                   storage, max_bytes: int) -> TicketAttachment:
    ticket = _load_for_write(session, actor, ticket_id, None)
    return store_attachment(session, actor=actor, ticket=ticket, filename=filename, content=content, storage=storage,
                            max_bytes=max_bytes)


def store_attachment(session: Session, *, actor: Actor, ticket: Ticket, filename: str, content: bytes, storage,
                     max_bytes: int, work_order_id: int | None = None, stage: PhotoStage | None = None
                     ) -> TicketAttachment:
    """Check a file (size, type read from its bytes), store it and record it on the ticket's timeline;
    commits. With `work_order_id` and `stage` it is a before / after photo of that work order (images
    only: else 422), the caller having checked who may add it."""
    import filetype

    if len(content) > max_bytes:
        raise PayloadTooLarge(f"The file is larger than {max_bytes // (1024 * 1024)} MB.",
                              errors={"file": [f"At most {max_bytes} bytes."]})
    if not content:
        raise Invalid("The file is empty.", errors={"file": ["Empty file."]})
    kind = filetype.guess(content)
    mime = kind.mime if kind else None
    if work_order_id is not None:
        if mime not in IMAGE_TYPES:
            raise Invalid("Work order photos are images (JPEG, PNG, WebP, GIF, HEIC).",
                          errors={"file": [f"Not an image: {mime or 'unknown type'}."]})
    elif mime not in ALLOWED_TYPES:
        raise UnsupportedMediaType(
            "Attach photos (JPEG, PNG, WebP, GIF, HEIC), PDF documents or MP4 videos.",
            errors={"file": [f"Not accepted: {mime or 'unknown type'}."]})
    fallback = "photo" if work_order_id is not None else "attachment"
    name = PurePath((filename or "").replace("\\", "/")).name[:255] or f"{fallback}{ALLOWED_TYPES[mime]}"
    key = f"{ticket.tenant_id}/tickets/{ticket.id}/{uuid.uuid4().hex}{ALLOWED_TYPES[mime]}"
    storage.save(key, content)
    try:
        attachment = TicketAttachment(
            tenant_id=ticket.tenant_id, ticket_id=ticket.id, filename=name, content_type=mime, size=len(content),
            sha256=hashlib.sha256(content).hexdigest(), storage_key=key, uploaded_by_id=actor.id,
            uploaded_by_name=actor.name, work_order_id=work_order_id, stage=stage)
        session.add(attachment)
        session.flush()
        if work_order_id is None:
            _event(session, ticket, actor, "attachment_added", attachment_id=attachment.id, filename=name,
                   content_type=mime, size=len(content))
        else:
            _event(session, ticket, actor, "work_order_photo", work_order_id=work_order_id,
                   attachment_id=attachment.id, stage=stage, filename=name, content_type=mime, size=len(content))
        session.commit()
    except BaseException:
        session.rollback()
        storage.delete(key)
        raise
    return attachment


def read_attachment(session: Session, *, actor: Actor, ticket_id: int, attachment_id: int,
                    storage) -> tuple[TicketAttachment, bytes]:
    ticket = get_scoped(session, Ticket, ticket_id, actor, Perm.ticket_read)
    attachment = session.scalars(select(TicketAttachment).where(
        TicketAttachment.ticket_id == ticket.id, TicketAttachment.id == attachment_id)).one_or_none()
    if attachment is None:
        raise NotFound(f"Attachment {attachment_id} not found.")
    return attachment, storage.read(attachment.storage_key)
