from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, TenantOwned, UnitOwned, utcnow


class CallbackKind(str, enum.Enum):
    """回访: after a resolved ticket (24 h), after a major repair (2 months), and the ones staff plan."""

    resolution = "resolution"  # 24 h after the ticket is resolved
    major_repair = "major_repair"  # 2 months after a major repair
    handover = "handover"
    property_service = "property_service"
    design = "design"


# The kinds that follow up a ticket (and need one).
TICKET_KINDS = (CallbackKind.resolution, CallbackKind.major_repair)


class CallbackStatus(str, enum.Enum):
    pending = "pending"
    completed = "completed"  # the customer was reached and scored the service
    unreached = "unreached"  # not reached after MAX_ATTEMPTS calls
    cancelled = "cancelled"


_SCORE = "{0} IS NULL OR {0} BETWEEN 1 AND 5"


class Callback(UnitOwned, Base):
    """A follow-up call due at `due_at`, in the project of its ticket, for its first responder."""

    __tablename__ = "callbacks"
    __table_args__ = (
        # One per ticket, kind and resolution: a ticket reopened and resolved again is called back again.
        UniqueConstraint("tenant_id", "ticket_id", "kind", "round"),
        Index("ix_callbacks_tenant_id_org_unit_id_status_due_at", "tenant_id", "org_unit_id", "status", "due_at"),
        CheckConstraint(" AND ".join(_SCORE.format(c) for c in (
            "satisfaction", "satisfaction_timeliness", "satisfaction_quality", "satisfaction_attitude")),
            name="scores"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[CallbackKind] = mapped_column(Enum(CallbackKind, name="callback_kind", native_enum=False, length=20))
    round: Mapped[int] = mapped_column(default=1)  # of a ticket: its resolution it follows (reopen_count + 1)
    status: Mapped[CallbackStatus] = mapped_column(
        Enum(CallbackStatus, name="callback_status", native_enum=False, length=20), default=CallbackStatus.pending)
    due_at: Mapped[datetime]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: scheduled by the system
    attempts: Mapped[int] = mapped_column(default=0)  # calls made so far, reached or not
    satisfaction_timeliness: Mapped[int | None]
    satisfaction_quality: Mapped[int | None]
    satisfaction_attitude: Mapped[int | None]
    satisfaction: Mapped[int | None]  # the overall score: the lowest of the three
    comment: Mapped[str | None] = mapped_column(String(1000))
    completed_at: Mapped[datetime | None]  # completed, or closed as unreached
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CallbackAttempt(TenantOwned, Base):
    """One call of a callback (append-only): who called, when, whether the customer answered."""

    __tablename__ = "callback_attempts"
    __table_args__ = (UniqueConstraint("tenant_id", "callback_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id"))
    number: Mapped[int]  # 1, 2, 3: the unique key makes a double submit of the same call fail
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(80))
    reached: Mapped[bool]
    comment: Mapped[str | None] = mapped_column(String(1000))
