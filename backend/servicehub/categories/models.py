from __future__ import annotations

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, TenantOwned, Timestamps
from servicehub.users.models import Function


class Category(Timestamps, TenantOwned, Base):
    """A node of the tenant's ticket category tree (工程质量 → 渗漏 …). `default_function` routes a new
    ticket of this category to a column of the matrix (a leak to engineering)."""

    __tablename__ = "categories"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        Index("ix_categories_tenant_id_parent_id", "tenant_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(60))
    default_function: Mapped[Function | None] = mapped_column(
        Enum(Function, name="function", native_enum=False, length=32))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
