from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, TenantOwned, utcnow


class Channel(str, enum.Enum):
    email = "email"
    sms = "sms"
    webhook = "webhook"


class DeliveryStatus(str, enum.Enum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class Notification(TenantOwned, Base):
    """A row of one user's in-app inbox. `key` makes it idempotent: the same event notifies a person once."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "key"),
        Index("ix_notifications_tenant_id_user_id_id", "tenant_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    ref_type: Mapped[str | None] = mapped_column(String(30))
    ref_id: Mapped[int | None]
    key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class Delivery(TenantOwned, Base):
    """One attempt-tracked delivery of an event over a channel to a recipient (an address, a phone,
    the group's webhook). One per event, channel and recipient."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key", "channel", "recipient"),
        Index("ix_deliveries_tenant_id_status_id", "tenant_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    channel: Mapped[Channel] = mapped_column(Enum(Channel, name="delivery_channel", native_enum=False, length=20))
    recipient: Mapped[str] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, name="delivery_status", native_enum=False, length=20), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
