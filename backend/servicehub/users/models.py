from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicehub.access import Role
from servicehub.db import Base, TenantOwned, Timestamps, UnitOwned
from servicehub.orgs.models import OrgUnit


class Function(str, enum.Enum):
    """Columns of the matrix: routing uses them (a leak goes to engineering)."""

    customer_service = "customer_service"
    engineering = "engineering"
    sales = "sales"
    property = "property"
    design = "design"
    marketing = "marketing"


class Credentials:
    """Password and lock-out state shared by tenant users and platform admins."""

    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]


class User(Timestamps, Credentials, UnitOwned, Base):
    """A staff member of one tenant. `org_unit_id` is the unit the account belongs to (所属组织)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "username"),
        Index("ix_users_tenant_id_org_unit_id", "tenant_id", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))

    org_unit: Mapped[OrgUnit] = relationship(lazy="raise")
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", lazy="raise", order_by="Membership.id"
    )

    # The memberships a given caller may see; set by the service per request.
    shown_memberships = ()


class Membership(Timestamps, TenantOwned, Base):
    """(user, org unit, role, function): 任职. Reaches its unit and everything below."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "org_unit_id", "role"),
        Index("ix_memberships_tenant_id_org_unit_id", "tenant_id", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    role: Mapped[Role] = mapped_column(Enum(Role, name="role", native_enum=False, length=32))
    function: Mapped[Function | None] = mapped_column(
        Enum(Function, name="function", native_enum=False, length=32)
    )

    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")
    org_unit: Mapped[OrgUnit] = relationship(lazy="raise")


class PlatformAdmin(Timestamps, Credentials, Base):
    """An operator of the SaaS itself: creates and suspends tenants, sees no service data."""

    __tablename__ = "platform_admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))
