from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, UnitOwned, utcnow


class Alert(UnitOwned, Base):
    """群诉预警: complaints of one category gathering in one project (or building) within a window.
    One alert per cluster: later complaints of the same cluster join it. `org_unit_id` is the project."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_tenant_id_org_unit_id_category_id_last_at", "tenant_id", "org_unit_id", "category_id", "last_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), default="group_complaint")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    building: Mapped[str | None] = mapped_column(String(20))  # set when the cluster is one building's
    ticket_ids: Mapped[list] = mapped_column(JSON, default=list)
    ticket_count: Mapped[int] = mapped_column(default=0)
    window_days: Mapped[int]
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Set by the service for an answer (`alerts.service._described`): the names behind the ids and
    # the households of the cluster's complaints.
    org_unit_name = None
    category_name = None
    category_parent_name = None
    acknowledged_by_name = None
    households_affected = None
