"""Declarative base, mixins and the tenant-bound session.

Every tenant-owned table carries `tenant_id`; rows that belong to an org unit also carry
`org_unit_id`. A session is bound to one tenant with `bind_tenant`: from then on

* every ORM SELECT gets `tenant_id = :tenant` added (SQLAlchemy's `with_loader_criteria`), and
* on PostgreSQL every transaction starts with `set_config('app.tenant_id', :tenant, true)`, which
  the row-level-security policies read, so a raw query that forgets the filter still cannot cross
  tenants.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TENANT_KEY = "tenant_id"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware timestamps on every backend (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None and dialect.name == "sqlite":
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TenantOwned:
    """A row of one tenant. Row-level security and the loader criteria key on `tenant_id`."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("tenants.id"), nullable=False, index=False)


class UnitOwned(TenantOwned):
    """A row that belongs to one org unit of its tenant (scoped by the unit's subtree)."""

    @declared_attr
    def org_unit_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("org_units.id"), nullable=False)


def tenant_tables() -> list[str]:
    """Names of every table with a tenant_id column: these get row-level security."""
    return sorted(t.name for t in Base.metadata.sorted_tables if TENANT_KEY in t.c)


def make_engine(url: str) -> Engine:
    kwargs: dict = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def bind_tenant(session: Session, tenant_id: int | None) -> None:
    """Bind the session to a tenant: filters ORM queries and sets the RLS context."""
    session.info[TENANT_KEY] = tenant_id
    if session.in_transaction():
        _set_rls_tenant(session.connection(), tenant_id)


def bound_tenant(session: Session) -> int | None:
    return session.info.get(TENANT_KEY)


def _set_rls_tenant(connection, tenant_id: int | None) -> None:
    if connection.dialect.name != "postgresql":
        return
    connection.execute(
        text("SELECT set_config('app.tenant_id', :tenant, true)"),
        {"tenant": "" if tenant_id is None else str(tenant_id)},
    )


@event.listens_for(Session, "after_begin")
def _after_begin(session: Session, _transaction, connection) -> None:
    _set_rls_tenant(connection, session.info.get(TENANT_KEY))


@event.listens_for(Session, "do_orm_execute")
def _tenant_criteria(state: ORMExecuteState) -> None:
    tenant_id = state.session.info.get(TENANT_KEY)
    if tenant_id is None or not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
        )
    )
