from __future__ import annotations

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, Timestamps
from servicehub.properties.warranty import Component


class WarrantyTermOverride(Timestamps, Base):
    """A group's own warranty period for one component (else DEFAULT_TERMS), in months."""

    __tablename__ = "warranty_terms"
    __table_args__ = (CheckConstraint("months BETWEEN 1 AND 1200", name="months"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    component: Mapped[Component] = mapped_column(
        Enum(Component, name="warranty_component", native_enum=False, length=20), primary_key=True)
    months: Mapped[int]
    label: Mapped[str] = mapped_column(String(120))
