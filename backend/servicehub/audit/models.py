from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, TenantOwned, utcnow


class AuditEntry(TenantOwned, Base):
    """Append-only record of a security or admin event. A database trigger refuses UPDATE and
    DELETE on this table."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_tenant_id_at", "tenant_id", "at"),
        Index("ix_audit_log_tenant_id_action", "tenant_id", "action"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None]
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
