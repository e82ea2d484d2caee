from __future__ import annotations

import enum

from sqlalchemy import Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, Timestamps


class TenantStatus(str, enum.Enum):
    active = "active"
    suspended = "suspended"


class Tenant(Timestamps, Base):
    """One customer group of the SaaS (集团). Platform-level: not itself tenant-owned."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[TenantStatus] = mapped_column(
        Enum(TenantStatus, name="tenant_status", native_enum=False, length=20),
        default=TenantStatus.active,
    )
