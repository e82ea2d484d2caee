"""The one place that filters queries of tenant-owned data by tenant and reachable org units.

Every domain loads rows through `scoped()` / `get_scoped()`. A row outside the caller's tenant or
outside the org units their memberships reach does not exist for them (404). PostgreSQL row-level
security on `tenant_id` backs the tenant half of this up (see `db.py`).
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from servicehub.access import Actor, Perm
from servicehub.errors import NotFound

T = TypeVar("T")


def _within(model, unit_column, unit_ids):
    """The clause "this row belongs to one of `unit_ids`". A model whose rows are visible in several
    units (a customer, in every project where they own a unit) says so with `scope_clause`."""
    if unit_column is not None:
        return unit_column.in_(unit_ids)
    if hasattr(model, "scope_clause"):
        return model.scope_clause(unit_ids)
    return model.org_unit_id.in_(unit_ids)


def scoped(stmt: Select, model, actor: Actor, perm: Perm, *, unit_column=None) -> Select:
    """Restrict `stmt` to rows of `model` in the actor's tenant and in the units where `perm` reaches."""
    if actor.tenant_id is None:
        return stmt.where(false())
    stmt = stmt.where(model.tenant_id == actor.tenant_id)
    if hasattr(model, "scope_for") and unit_column is None:
        # Rows that reach people as well as units (a ticket reaches its first responder).
        clause = model.scope_for(actor, perm)
        return stmt if clause is None else stmt.where(clause)
    if actor.reaches_everything(perm):
        return stmt
    reach = actor.reach(perm)
    if not reach:
        return stmt.where(false())
    return stmt.where(_within(model, unit_column, sorted(reach)))


def scoped_to_unit(stmt: Select, model, actor: Actor, perm: Perm, org_unit_id: int | None, *,
                   unit_column=None) -> Select:
    """`scoped()`, narrowed to the subtree of `org_unit_id` when one is given: a unit where `perm` does
    not reach (another region's, another tenant's, unknown) answers 404."""
    if org_unit_id is None:
        return scoped(stmt, model, actor, perm, unit_column=unit_column)
    if actor.tenant_id is None or org_unit_id not in actor.reach(perm):
        raise NotFound(f"OrgUnit {org_unit_id} not found.")
    # A reach is a union of subtrees: the unit's whole subtree lies within it.
    stmt = stmt.where(model.tenant_id == actor.tenant_id)
    subtree = actor.subtree(org_unit_id)
    if subtree >= frozenset(actor.units):
        return stmt
    column = unit_column if unit_column is not None else model.org_unit_id
    return stmt.where(column.in_(sorted(subtree)))


def select_scoped(model, actor: Actor, perm: Perm, *, unit_column=None) -> Select:
    return scoped(select(model), model, actor, perm, unit_column=unit_column)


def get_scoped(session: Session, model: type[T], id_: int, actor: Actor, perm: Perm, *, unit_column=None, options=()) -> T:
    """Load one row by id inside the actor's scope, or raise NotFound (never reveal existence)."""
    stmt = select_scoped(model, actor, perm, unit_column=unit_column).where(model.id == id_)
    if options:
        stmt = stmt.options(*options)
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFound(f"{model.__name__} {id_} not found.")
    return row


def reachable_unit(session: Session, actor: Actor, org_unit_id: int, perm: Perm):
    """An org unit the actor acts in: unknown or out of reach → 404, no `perm` there → 403."""
    from servicehub.access import require
    from servicehub.orgs.models import OrgUnit

    if org_unit_id not in actor.visible_units:
        raise NotFound(f"OrgUnit {org_unit_id} not found.")
    require(actor, perm, org_unit_id)
    return session.get(OrgUnit, org_unit_id)
