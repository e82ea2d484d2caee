from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import Enum, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship

from servicehub.db import Base, TenantOwned, Timestamps, UnitOwned


class PropertyType(str, enum.Enum):
    residential = "residential"  # 住宅
    villa = "villa"  # 别墅
    commercial = "commercial"  # 商铺
    office = "office"  # 写字楼
    parking = "parking"  # 车位
    other = "other"


class Relation(str, enum.Enum):
    owner = "owner"  # 业主
    co_owner = "co_owner"  # 共有人
    resident = "resident"  # 住户


class Property(Timestamps, UnitOwned, Base):
    """A sellable unit of a project (房产): building, unit, room; the warranty clock starts at handover."""

    __tablename__ = "properties"
    __table_args__ = (
        UniqueConstraint("tenant_id", "org_unit_id", "building", "unit", "room"),
        # Unit search ("3-2-1201") across the caller's projects.
        Index("ix_properties_tenant_id_building_unit_room", "tenant_id", "building", "unit", "room"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(20))
    room: Mapped[str] = mapped_column(String(20))
    floor: Mapped[int | None]
    floor_area: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    type: Mapped[PropertyType] = mapped_column(
        Enum(PropertyType, name="property_type", native_enum=False, length=20), default=PropertyType.residential
    )
    handover_date: Mapped[date | None]

    ownerships: Mapped[list["Ownership"]] = relationship(back_populates="property", lazy="raise")

    @property
    def label(self) -> str:
        return f"{self.building}-{self.unit}-{self.room}"

    @property
    def warranty(self) -> list[dict]:
        """The warranty clock by component, by the group's terms (its overrides read once per session)."""
        from servicehub.properties.warranty import warranty_status

        return warranty_status(self.handover_date, date.today(), group_terms(object_session(self), self.tenant_id))


_TERMS_KEY = "servicehub.warranty_terms"


def group_terms(session: Session | None, tenant_id: int):
    """The warranty terms in force for a group (warranty.service.terms_for), read once per session
    and transaction: a list of units costs one statement for them all, not one per unit."""
    from servicehub.properties.warranty import DEFAULT_TERMS
    from servicehub.warranty.service import terms_for

    if session is None:  # a unit not loaded from the database
        return DEFAULT_TERMS
    cache = session.info.setdefault(_TERMS_KEY, {})
    if tenant_id not in cache:
        cache[tenant_id] = terms_for(session, tenant_id)
    return cache[tenant_id]


@event.listens_for(Session, "after_transaction_end")
def _forget_terms(session: Session, transaction) -> None:
    """Terms changed and committed (PUT /warranty-terms) are read afresh by the next transaction."""
    session.info.pop(_TERMS_KEY, None)


class Ownership(Timestamps, TenantOwned, Base):
    """Customer ↔ unit (产权关系). `org_unit_id` is the unit's project, for scoping."""

    __tablename__ = "ownerships"
    __table_args__ = (
        Index("ix_ownerships_tenant_id_customer_id", "tenant_id", "customer_id"),
        Index("ix_ownerships_tenant_id_property_id", "tenant_id", "property_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    relation: Mapped[Relation] = mapped_column(Enum(Relation, name="relation", native_enum=False, length=20))
    since: Mapped[date | None]
    until: Mapped[date | None]

    property: Mapped[Property] = relationship(back_populates="ownerships", lazy="raise")
