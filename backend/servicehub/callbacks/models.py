from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, UnitOwned, utcnow


class CallbackKind(str, enum.Enum):
    """回访: after a resolved ticket (24 h), after a major repair (2 months), and the ones staff plan."""

    resolution = "resolution"  # 24 h after the ticket is resolved
    major_repair = "major_repair"  # 2 months after a major repair
    handover = "handover"
    property_service = "property_service"
    design = "design"


class CallbackStatus(str, enum.Enum):
    pending = "pending"
    completed = "completed"
    cancelled = "cancelled"


class Callback(UnitOwned, Base):
    """A follow-up call due at `due_at`, in the project of its ticket, for its first responder."""

    __tablename__ = "callbacks"
    __table_args__ = (
        UniqueConstraint("tenant_id", "ticket_id", "kind"),
        Index("ix_callbacks_tenant_id_org_unit_id_status_due_at", "tenant_id", "org_unit_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[CallbackKind] = mapped_column(Enum(CallbackKind, name="callback_kind", native_enum=False, length=20))
    status: Mapped[CallbackStatus] = mapped_column(
        Enum(CallbackStatus, name="callback_status", native_enum=False, length=20), default=CallbackStatus.pending)
    due_at: Mapped[datetime]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
