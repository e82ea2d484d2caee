from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, UnitOwned, utcnow
from servicehub.tickets.enums import Level


class Rule(str, enum.Enum):
    """Why a ticket climbed (DESIGN §5)."""

    manual = "manual"
    major = "major"
    group_complaint = "group_complaint"
    sensitive = "sensitive"
    sla_response = "sla_response"
    sla_resolution = "sla_resolution"
    sla_dispatch = "sla_dispatch"  # a repair not dispatched (派工) in time


class Escalation(UnitOwned, Base):
    """A ticket moved up one level (project → region → hq), by a person or a rule. `org_unit_id` is
    the ticket's project. One per ticket, rule and level reached."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "ticket_id", "rule", "to_level"),
        Index("ix_escalations_tenant_id_to_level_acknowledged_at", "tenant_id", "to_level", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    from_level: Mapped[Level] = mapped_column(Enum(Level, name="escalation_level", native_enum=False, length=20))
    to_level: Mapped[Level] = mapped_column(Enum(Level, name="escalation_level", native_enum=False, length=20))
    rule: Mapped[Rule] = mapped_column(Enum(Rule, name="escalation_rule", native_enum=False, length=20))
    reason: Mapped[str] = mapped_column(String(1000))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reminder_count: Mapped[int] = mapped_column(default=0)
    reminded_at: Mapped[datetime | None]
