from __future__ import annotations

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, Timestamps, UnitOwned
from servicehub.tickets.enums import Priority, TicketType


class SlaTarget(Timestamps, UnitOwned, Base):
    """Response and resolution targets for one ticket type and priority, set at one org unit: at the
    hq for the whole group, at a region or project as an override for its subtree."""

    __tablename__ = "sla_targets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "org_unit_id", "ticket_type", "priority"),
        CheckConstraint("response_minutes > 0 AND resolve_minutes >= response_minutes", name="minutes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_type: Mapped[TicketType] = mapped_column(Enum(TicketType, name="ticket_type", native_enum=False, length=20))
    priority: Mapped[Priority] = mapped_column(Enum(Priority, name="priority", native_enum=False, length=20))
    response_minutes: Mapped[int]
    resolve_minutes: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
