from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicehub.db import Base, TenantOwned, Timestamps, UnitOwned, utcnow
from servicehub.tickets.enums import (
    OPEN_STATUSES,
    Channel,
    CommentKind,
    Level,
    PhotoStage,
    Priority,
    Status,
    TicketType,
)
from servicehub.users.models import Function

_OPEN = "status IN ({})".format(", ".join(f"'{s.value}'" for s in OPEN_STATUSES))
_OPEN_UNANSWERED = f"{_OPEN} AND responded_at IS NULL"
SWEEP_RESPONSE = f"{_OPEN_UNANSWERED} AND response_breached_at IS NULL"
SWEEP_RESOLVE = f"{_OPEN} AND resolve_breached_at IS NULL"
# The dispatch clock (派工) of repairs: open, no work order dispatched yet.
_OPEN_UNDISPATCHED = f"{_OPEN} AND type = 'repair' AND dispatched_at IS NULL"
SWEEP_DISPATCH = f"{_OPEN_UNDISPATCHED} AND dispatch_breached_at IS NULL"


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, length=20)


class Ticket(Timestamps, UnitOwned, Base):
    """One service request (工单). `org_unit_id` is the project; the first responder (首问责任人)
    stays accountable, and able to see it, until it closes."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        # The lists: a project's tickets by status, a project's, the group's; newest first.
        Index("ix_tickets_tenant_id_org_unit_id_status_created_at", "tenant_id", "org_unit_id", "status", "created_at", "id"),
        Index("ix_tickets_tenant_id_org_unit_id_created_at", "tenant_id", "org_unit_id", "created_at", "id"),
        Index("ix_tickets_tenant_id_status_created_at", "tenant_id", "status", "created_at", "id"),
        Index("ix_tickets_tenant_id_created_at", "tenant_id", "created_at", "id"),
        # Reports: tickets resolved in a period, by week (an index-only scan).
        Index("ix_tickets_tenant_id_resolved_at", "tenant_id", "resolved_at"),
        Index("ix_tickets_tenant_id_assignee_id_status", "tenant_id", "assignee_id", "status"),
        Index("ix_tickets_tenant_id_first_responder_id", "tenant_id", "first_responder_id"),
        Index("ix_tickets_tenant_id_customer_id", "tenant_id", "customer_id"),
        Index("ix_tickets_tenant_id_property_id", "tenant_id", "property_id"),
        # The SLA clock: open tickets by due time (the `overdue` filter and the sweep, whose
        # predicates SWEEP_RESPONSE / SWEEP_RESOLVE / SWEEP_DISPATCH imply these, written out literally so that the
        # planner matches them). The `*_breached_at` marks stay out of every index: the sweep's
        # UPDATE then changes no indexed column and can be a HOT update (the table keeps 10 % free).
        Index("ix_tickets_open_resolve_due", "tenant_id", "resolve_due_at",
              postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
        Index("ix_tickets_open_response_due", "tenant_id", "response_due_at",
              postgresql_where=text(_OPEN_UNANSWERED), sqlite_where=text(_OPEN_UNANSWERED)),
        Index("ix_tickets_open_dispatch_due", "tenant_id", "dispatch_due_at",
              postgresql_where=text(_OPEN_UNDISPATCHED), sqlite_where=text(_OPEN_UNDISPATCHED)),
        CheckConstraint("households_affected >= 1", name="households"),
        CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction"),
        {"postgresql_with": {"fillfactor": 90}},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    type: Mapped[TicketType] = mapped_column(_enum(TicketType, "ticket_type"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    priority: Mapped[Priority] = mapped_column(_enum(Priority, "priority"), default=Priority.normal)
    status: Mapped[Status] = mapped_column(_enum(Status, "ticket_status"), default=Status.new)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    is_major: Mapped[bool] = mapped_column(default=False)
    households_affected: Mapped[int] = mapped_column(default=1)
    sensitive: Mapped[list] = mapped_column(JSON, default=list)
    first_responder_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    function: Mapped[Function | None] = mapped_column(Enum(Function, name="function", native_enum=False, length=32))
    escalation_level: Mapped[Level] = mapped_column(_enum(Level, "escalation_level"), default=Level.project)
    contacted_at: Mapped[datetime | None]
    logged_late: Mapped[bool] = mapped_column(default=False)
    response_due_at: Mapped[datetime]
    resolve_due_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    sla_breached: Mapped[bool] = mapped_column(default=False)
    response_breached_at: Mapped[datetime | None]  # marked by the SLA sweep
    resolve_breached_at: Mapped[datetime | None]
    # Repairs only (else null): someone is sent (派工) by `dispatch_due_at` — the repair's response
    # target, so always equal to `response_due_at` —; the first work order sets `dispatched_at`.
    dispatch_due_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    dispatch_breached_at: Mapped[datetime | None]  # marked by the SLA sweep
    satisfaction: Mapped[int | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    customer = relationship("Customer", lazy="raise")
    category = relationship("Category", lazy="raise")
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="raise")
    first_responder = relationship("User", foreign_keys=[first_responder_id], lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        now = utcnow()
        if not self.is_open:
            return False
        return self.resolve_due_at < now or (self.responded_at is None and self.response_due_at < now)

    @property
    def customer_name(self) -> str | None:
        return self.customer.name if self.customer is not None else None

    @property
    def category_name(self) -> str | None:
        return self.category.name if self.category is not None else None

    @property
    def assignee_name(self) -> str | None:
        return self.assignee.name if self.assignee is not None else None

    @property
    def first_responder_name(self) -> str:
        return self.first_responder.name

    @classmethod
    def overdue_clause(cls, now: datetime):
        return and_(cls.status.in_(OPEN_STATUSES),
                    or_(cls.resolve_due_at < now, and_(cls.responded_at.is_(None), cls.response_due_at < now)))

    @classmethod
    def scope_for(cls, actor, perm):
        """The tickets `perm` reaches for `actor` (None: the whole tenant). Besides the units of their
        memberships: tickets they took first or hold, and, for assigned-only roles (engineers), the
        tickets of their function in their units."""
        full = actor.full_reach(perm)
        if actor.units and full >= frozenset(actor.units):
            return None
        clauses = [cls.first_responder_id == actor.id, cls.assignee_id == actor.id]
        if full:
            clauses.append(cls.org_unit_id.in_(sorted(full)))
        for function, units in actor.assigned_reach(perm).items():
            if function is not None:
                clauses.append(and_(cls.org_unit_id.in_(sorted(units)), cls.function == Function(function)))
        return or_(*clauses)


class TicketCounter(TenantOwned, Base):
    """The last number handed out per tenant and month: `UPDATE … RETURNING` serialises concurrent
    creations on this one row, so numbers never repeat."""

    __tablename__ = "ticket_counters"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(6), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class TicketEvent(TenantOwned, Base):
    """The append-only timeline of a ticket: every change, with who and when (可追溯)."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        Index("ix_ticket_events_tenant_id_ticket_id_id", "tenant_id", "ticket_id", "id"),
        # The reopens only (the contractor scorecard's reopen rate): as small as the reopens are few.
        Index("ix_ticket_events_reopened", "tenant_id", "ticket_id", "at",
              postgresql_where=text("kind = 'reopened'"), sqlite_where=text("kind = 'reopened'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class TicketComment(TenantOwned, Base):
    __tablename__ = "ticket_comments"
    __table_args__ = (Index("ix_ticket_comments_tenant_id_ticket_id_id", "tenant_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[CommentKind] = mapped_column(_enum(CommentKind, "comment_kind"))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketAttachment(TenantOwned, Base):
    """A file on a ticket (photos of a defect). The bytes live in the storage backend under
    `storage_key`; this row is written only once they are stored. A before / after photo of a work
    order (维修前 / 维修后照片) is one of its ticket's attachments, with `work_order_id` and `stage`."""

    __tablename__ = "ticket_attachments"
    __table_args__ = (
        Index("ix_ticket_attachments_tenant_id_ticket_id", "tenant_id", "ticket_id"),
        Index("ix_ticket_attachments_tenant_id_work_order_id", "tenant_id", "work_order_id"),
        CheckConstraint("(work_order_id IS NULL) = (stage IS NULL)", name="work_order_stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_by_name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    stage: Mapped[PhotoStage | None] = mapped_column(_enum(PhotoStage, "photo_stage"))
