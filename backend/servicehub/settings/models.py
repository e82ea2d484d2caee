from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, Timestamps


class ClusterScope(str, enum.Enum):
    """What a group complaint (群诉) gathers on: one project, or one building of it."""

    project = "project"
    building = "building"


class ServiceSettings(Timestamps, Base):
    """The service rules a group tunes (one row per tenant; defaults when there is none)."""

    __tablename__ = "service_settings"
    __table_args__ = (
        CheckConstraint("major_households >= 1 AND group_complaint_count >= 2 AND group_complaint_days >= 1 "
                        "AND reminder_minutes >= 5", name="ranges"),
    )

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    # A complaint of this many households or more goes to headquarters.
    major_households: Mapped[int] = mapped_column(default=5)
    # 群诉预警: this many complaints of one category in one project (or building) within the window.
    group_complaint_count: Mapped[int] = mapped_column(default=3)
    group_complaint_days: Mapped[int] = mapped_column(default=7)
    group_complaint_scope: Mapped[ClusterScope] = mapped_column(
        Enum(ClusterScope, name="cluster_scope", native_enum=False, length=20), default=ClusterScope.project)
    # An escalation nobody acknowledged is reminded this often.
    reminder_minutes: Mapped[int] = mapped_column(default=60)
    # A ticket past its due time climbs one level (project → region, then region → hq).
    sla_escalation: Mapped[bool] = mapped_column(default=True)
    # Group chat bots (WeCom, DingTalk, Feishu) or any receiver: JSON POSTs signed with HMAC-SHA256.
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    # Text the hq on duty when a major complaint arrives.
    sms_on_major: Mapped[bool] = mapped_column(default=True)

    @property
    def webhook_secret_set(self) -> bool:
        """Whether a secret signs the webhook (the API shows this, never the secret)."""
        return bool(self.webhook_secret)


DEFAULTS = {c.name: c.default.arg for c in ServiceSettings.__table__.columns
            if c.default is not None and not callable(c.default.arg)}
