from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, Numeric, String, Text, and_, or_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicehub.contractors.models import Trade
from servicehub.db import Base, Timestamps, UnitOwned
from servicehub.properties.warranty import Component, Reason
from servicehub.work_orders.workflow import OPEN_STATUSES, WorkOrderStatus

_OPEN = "status IN ({})".format(", ".join(f"'{s.value}'" for s in OPEN_STATUSES))
_DONE = f"status = '{WorkOrderStatus.done.value}'"


class QuoteStatus(str, enum.Enum):
    """The customer's answer to the quote of a paid repair (有偿维修), recorded by staff."""

    pending = "pending"
    accepted = "accepted"
    declined = "declined"


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, length=20)


class WorkOrder(Timestamps, UnitOwned, Base):
    """A repair dispatched to a contractor under a supervisor (维修派工单). `org_unit_id` is the
    ticket's project. The warranty decision is taken once, when it is created."""

    __tablename__ = "work_orders"
    __table_args__ = (
        Index("ix_work_orders_tenant_id_org_unit_id_created_at", "tenant_id", "org_unit_id", "created_at", "id"),
        Index("ix_work_orders_tenant_id_ticket_id", "tenant_id", "ticket_id"),
        Index("ix_work_orders_tenant_id_contractor_id_created_at", "tenant_id", "contractor_id", "created_at"),
        Index("ix_work_orders_tenant_id_supervisor_id_status", "tenant_id", "supervisor_id", "status"),
        # The contractor scorecard: the jobs (done work orders) finished in a period.
        Index("ix_work_orders_done_finished_at", "tenant_id", "finished_at",
              postgresql_where=text(_DONE), sqlite_where=text(_DONE)),
        # One open work order per ticket at a time.
        Index("uq_work_orders_open_ticket", "tenant_id", "ticket_id", unique=True,
              postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost"),
        CheckConstraint("quote_amount IS NULL OR quote_amount >= 0", name="quote_amount"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    dispatched_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[WorkOrderStatus] = mapped_column(_enum(WorkOrderStatus, "work_order_status"),
                                                    default=WorkOrderStatus.dispatched)
    trade: Mapped[Trade] = mapped_column(_enum(Trade, "trade"))
    component: Mapped[Component] = mapped_column(_enum(Component, "warranty_component"))
    scheduled_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    materials: Mapped[str | None] = mapped_column(Text)
    cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    result: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    in_warranty: Mapped[bool]
    warranty_until: Mapped[date | None]
    warranty_reason: Mapped[Reason] = mapped_column(_enum(Reason, "warranty_reason"))
    quote_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    quote_status: Mapped[QuoteStatus | None] = mapped_column(_enum(QuoteStatus, "quote_status"))
    # The ticket's resolution round the repair belongs to (its reopen_count + 1 when dispatched): the
    # callback of that round (回访, callbacks.round) judges the job in the contractor scorecard.
    ticket_round: Mapped[int] = mapped_column(default=1, server_default="1")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    ticket = relationship("Ticket", lazy="raise")
    contractor = relationship("Contractor", lazy="raise")
    supervisor = relationship("User", foreign_keys=[supervisor_id], lazy="raise")

    @property
    def is_paid(self) -> bool:
        return not self.in_warranty

    @property
    def ticket_number(self) -> str:
        return self.ticket.number

    @property
    def contractor_name(self) -> str:
        return self.contractor.name

    @property
    def supervisor_name(self) -> str:
        return self.supervisor.name

    @classmethod
    def scope_for(cls, actor, perm):
        """The work orders `perm` reaches for `actor` (None: the whole group): those of the units
        where it reaches every row, and, for assigned-only roles (engineers), the ones they supervise."""
        full = actor.full_reach(perm)
        if actor.units and full >= frozenset(actor.units):
            return None
        clauses = []
        if actor.assigned_reach(perm):
            clauses.append(and_(cls.supervisor_id == actor.id,
                                cls.org_unit_id.in_(sorted(set().union(*actor.assigned_reach(perm).values())))))
        if full:
            clauses.append(cls.org_unit_id.in_(sorted(full)))
        return or_(*clauses) if clauses else text("1 = 0")
