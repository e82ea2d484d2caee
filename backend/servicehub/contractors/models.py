from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicehub.db import Base, TenantOwned, Timestamps


class Trade(str, enum.Enum):
    """What a contractor repairs (工种)."""

    waterproofing = "waterproofing"  # 防水
    electrical = "electrical"  # 电气
    plumbing = "plumbing"  # 给排水
    doors_windows = "doors_windows"  # 门窗
    decoration = "decoration"  # 装修
    general = "general"  # 综合维修: takes any trade


class Contractor(Timestamps, TenantOwned, Base):
    """An outside repair company (维修单位 / 服务伙伴) serving some regions or projects of the group."""

    __tablename__ = "contractors"
    __table_args__ = (
        Index("ix_contractors_tenant_id_name", "tenant_id", "name"),
        CheckConstraint("contract_end >= contract_start", name="period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    trades: Mapped[list] = mapped_column(JSON, default=list)
    contact_name: Mapped[str | None] = mapped_column(String(80))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contract_start: Mapped[date]
    contract_end: Mapped[date]
    is_active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(Text)

    units: Mapped[list["ContractorUnit"]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="ContractorUnit.org_unit_id")

    @property
    def org_unit_ids(self) -> list[int]:
        return [u.org_unit_id for u in self.units]

    def in_contract(self, day: date) -> bool:
        return self.contract_start <= day <= self.contract_end

    @classmethod
    def scope_for(cls, actor, perm):
        """The contractors `perm` reaches for `actor` (None: all of the group): those serving a unit
        where it reaches, a unit above one (a project sees its region's) or below one."""
        if actor.reaches_everything(perm):
            return None
        return serving_clause(overlapping_units(actor, actor.reach(perm)))


class ContractorUnit(TenantOwned, Base):
    """A region or project a contractor serves (a region: all its projects)."""

    __tablename__ = "contractor_units"
    __table_args__ = (Index("ix_contractor_units_tenant_id_org_unit_id", "tenant_id", "org_unit_id"),)

    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True)


def overlapping_units(actor, unit_ids) -> set[int]:
    """The units whose service area overlaps one of `unit_ids`: each unit, the units above it and
    (for a region) below it. A contractor serving any of them is of use there."""
    found: set[int] = set()
    for unit_id in unit_ids:
        unit = actor.units.get(unit_id)
        if unit is not None:
            found.update(int(part) for part in unit.path.strip("/").split("/") if part)
            found |= actor.subtree(unit_id)
    return found


def serving_clause(unit_ids):
    """The contractors serving one of `unit_ids` (exactly those units)."""
    return Contractor.id.in_(select(ContractorUnit.contractor_id).where(
        ContractorUnit.org_unit_id.in_(sorted(unit_ids))))
