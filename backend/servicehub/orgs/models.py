from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, TenantOwned, Timestamps


class OrgUnitKind(str, enum.Enum):
    hq = "hq"
    region = "region"
    project = "project"


# The level each kind hangs under: a region under the hq, a project under a region.
PARENT_KIND = {OrgUnitKind.hq: None, OrgUnitKind.region: OrgUnitKind.hq, OrgUnitKind.project: OrgUnitKind.region}


class OrgUnit(Timestamps, TenantOwned, Base):
    """A node of the tenant tree: hq → regions → projects (组织)."""

    __tablename__ = "org_units"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        Index("ix_org_units_tenant_id_parent_id", "tenant_id", "parent_id"),
        Index("ix_org_units_tenant_id_path", "tenant_id", "path"),
        # Exactly one hq per tenant.
        Index(
            "uq_org_units_one_hq",
            "tenant_id",
            unique=True,
            sqlite_where=text("kind = 'hq'"),
            postgresql_where=text("kind = 'hq'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    kind: Mapped[OrgUnitKind] = mapped_column(
        Enum(OrgUnitKind, name="org_unit_kind", native_enum=False, length=20)
    )
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(40))
    # Materialised path of ids, "/1/4/9/": a subtree is every path starting with its own.
    path: Mapped[str] = mapped_column(String(255), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None]
