from __future__ import annotations

import enum

from sqlalchemy import JSON, Computed, Enum, ForeignKey, Index, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicehub.db import Base, TenantOwned, Timestamps, UnitOwned


class CustomerKind(str, enum.Enum):
    person = "person"
    company = "company"


class Tier(str, enum.Enum):
    normal = "normal"
    vip = "vip"
    key_account = "key_account"  # 大客户


class Stage(str, enum.Enum):
    """客户阶段 (DESIGN §2)."""

    prospect = "prospect"  # 潜在客户
    pending_owner = "pending_owner"  # 准业主
    break_in = "break_in"  # 磨合期: first year after handover
    stable = "stable"  # 稳定期: years 1-3
    veteran = "veteran"  # 老业主: 3+
    lost = "lost"  # 流失客户


class SourceChannel(str, enum.Enum):
    walk_in = "walk_in"
    phone = "phone"
    referral = "referral"  # 老带新
    online = "online"
    event = "event"
    sales_office = "sales_office"
    import_ = "import"
    other = "other"


class Customer(Timestamps, UnitOwned, Base):
    """One file per household (一户一档). `org_unit_id` is the unit that opened the file; the customer
    is also visible in every project where they hold a unit (`customer_scopes`)."""

    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_tenant_id_org_unit_id", "tenant_id", "org_unit_id"),
        Index("ix_customers_tenant_id_stage", "tenant_id", "stage"),
        # Name search, by prefix of the name and of the given name (`^@` on PostgreSQL: see
        # customers.service.starts_with). The ids (and the name, for the given-name branch) are in
        # the index so that counting the matches is an index-only scan. Also, from the migration:
        # a trigram index on name.
        Index("ix_customers_tenant_id_name", "tenant_id", "name", "id", postgresql_ops={"name": "text_pattern_ops"}),
        Index("ix_customers_tenant_id_given_name", "tenant_id", "given_name", "name", "id",
              postgresql_ops={"given_name": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[CustomerKind] = mapped_column(
        Enum(CustomerKind, name="customer_kind", native_enum=False, length=20), default=CustomerKind.person)
    name: Mapped[str] = mapped_column(String(120))
    # The name after its first character: the given name of most Chinese names (张 + 伟明). A stored
    # column, not an expression index: under row-level security an index on substr(name, 2) is never
    # used (substr is not leakproof, so the planner may not evaluate it before the policy).
    given_name: Mapped[str] = mapped_column(String(120), Computed("substr(name, 2)", persisted=True), deferred=True)
    phone: Mapped[str] = mapped_column(String(20))  # the primary phone, also in customer_phones
    id_number: Mapped[str | None] = mapped_column(String(18))
    email: Mapped[str | None] = mapped_column(String(254))
    source_channel: Mapped[SourceChannel] = mapped_column(
        Enum(SourceChannel, name="source_channel", native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e]),
        default=SourceChannel.other)
    tier: Mapped[Tier] = mapped_column(Enum(Tier, name="tier", native_enum=False, length=20), default=Tier.normal)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    stage: Mapped[Stage] = mapped_column(Enum(Stage, name="stage", native_enum=False, length=20), default=Stage.prospect)
    is_lost: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(String(2000))

    phones: Mapped[list["CustomerPhone"]] = relationship(
        lazy="raise", order_by="(CustomerPhone.is_primary.desc(), CustomerPhone.id)", cascade="all, delete-orphan")
    scopes: Mapped[list["CustomerScope"]] = relationship(lazy="raise", cascade="all, delete-orphan")

    # Set per request by the service: are phone and ID number unmasked in this answer (an explicit
    # reveal), and may the caller ask for that (customer.pii in one of the customer's units)?
    pii_visible = False
    pii_revealable = False

    @property
    def pii_masked(self) -> bool:
        return not self.pii_visible

    @property
    def org_unit_ids(self) -> list[int]:
        return sorted(s.org_unit_id for s in self.scopes)

    @classmethod
    def scope_clause(cls, unit_ids):
        """Visible where the file was opened and in every project of the customer's units."""
        return cls.id.in_(select(CustomerScope.customer_id).where(CustomerScope.org_unit_id.in_(unit_ids)))


class CustomerPhone(TenantOwned, Base):
    """Every phone of a customer; a number belongs to one customer per tenant."""

    __tablename__ = "customer_phones"
    __table_args__ = (
        UniqueConstraint("tenant_id", "phone"),
        Index("ix_customer_phones_tenant_id_last4", "tenant_id", "last4"),
        Index("ix_customer_phones_tenant_id_customer_id", "tenant_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    is_primary: Mapped[bool] = mapped_column(default=False)

    pii_visible = False


class CustomerScope(TenantOwned, Base):
    """Where a customer is visible: the opening unit and the projects of their units."""

    __tablename__ = "customer_scopes"
    __table_args__ = (Index("ix_customer_scopes_tenant_id_org_unit_id_customer_id", "tenant_id", "org_unit_id", "customer_id"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
