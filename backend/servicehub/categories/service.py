"""The ticket category tree of a tenant: read by everyone working tickets, edited at the hq."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicehub.access import Actor, Perm, require_groupwide, require_tenant
from servicehub.audit.service import record
from servicehub.categories.defaults import default_rows
from servicehub.categories.models import Category
from servicehub.errors import Conflict, Invalid, NotFound
from servicehub.extensions import paginate_query
from servicehub.users.models import Function

MAX_DEPTH = 3


def seed_default_categories(session: Session, *, tenant_id: int) -> int:
    """Give a tenant the default tree (codes already present are left alone); returns rows added."""
    existing = {c.code: c for c in session.scalars(select(Category).where(Category.tenant_id == tenant_id))}
    added = 0
    for code, name, function, parent_code, order in default_rows():
        if code in existing:
            continue
        parent = existing.get(parent_code) if parent_code else None
        row = Category(tenant_id=tenant_id, code=code, name=name, default_function=Function(function),
                       parent_id=parent.id if parent else None, sort_order=order)
        session.add(row)
        session.flush()
        existing[code] = row
        added += 1
    return added


def tenant_categories(session: Session, *, tenant_id: int) -> dict[int, Category]:
    return {c.id: c for c in session.scalars(select(Category).where(Category.tenant_id == tenant_id))}


def subtree_ids(categories: dict[int, Category], root_id: int) -> set[int]:
    """`root_id` and every category below it."""
    children: dict[int | None, list[int]] = {}
    for c in categories.values():
        children.setdefault(c.parent_id, []).append(c.id)
    found, todo = set(), [root_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, ()))
    return found


def _require_manage(actor: Actor) -> None:
    """The tree is the group's: edited by whoever holds settings.manage at the hq."""
    require_groupwide(actor, Perm.settings_manage, "Categories are managed at headquarters.")


def list_categories(session: Session, *, actor: Actor, pagination, parent_id=None, is_active=None) -> list[Category]:
    require_tenant(actor)
    stmt = select(Category).where(Category.tenant_id == actor.tenant_id)
    if parent_id is not None:
        stmt = stmt.where(Category.parent_id == parent_id)
    if is_active is not None:
        stmt = stmt.where(Category.is_active == is_active)
    stmt = stmt.order_by(Category.parent_id.is_not(None), Category.parent_id, Category.sort_order, Category.id)
    return paginate_query(session, stmt, pagination)


def get_category(session: Session, *, actor: Actor, category_id: int) -> Category:
    row = session.scalars(
        select(Category).where(Category.tenant_id == actor.tenant_id, Category.id == category_id)).one_or_none()
    if row is None:
        raise NotFound(f"Category {category_id} not found.")
    return row


def _depth(categories: dict[int, Category], parent_id: int | None) -> int:
    depth = 0
    while parent_id is not None:
        depth += 1
        parent_id = categories[parent_id].parent_id
    return depth


def create_category(session: Session, *, actor: Actor, code: str, name: str, parent_id: int | None = None,
                    **fields) -> Category:
    _require_manage(actor)
    categories = tenant_categories(session, tenant_id=actor.tenant_id)
    if parent_id is not None:
        _check_parent(categories, parent_id, None)
    if any(c.code == code for c in categories.values()):
        raise Conflict("A category with this code exists.", errors={"code": ["Already in use."]})
    row = Category(tenant_id=actor.tenant_id, code=code, name=name, parent_id=parent_id, **fields)
    session.add(row)
    session.flush()
    record(session, tenant_id=actor.tenant_id, actor=actor, action="category.created", target_type="category",
           target_id=row.id, details={"code": code, "name": name, "parent_id": parent_id})
    session.commit()
    return row


def _check_parent(categories: dict[int, Category], parent_id: int, moving_id: int | None) -> None:
    if parent_id not in categories:
        raise Invalid("The parent category does not exist.", errors={"parent_id": ["Unknown category."]})
    if moving_id is not None and parent_id in subtree_ids(categories, moving_id):
        raise Invalid("A category cannot move under itself.", errors={"parent_id": ["Would make a cycle."]})
    # Levels counted from 1 at the roots: the parent's level, the new node's, and what hangs below it.
    depth = _depth(categories, parent_id) + 1
    if moving_id is not None:
        depth += max(_depth_below(categories, moving_id), 0)
    if depth > MAX_DEPTH:
        raise Invalid(f"The tree is at most {MAX_DEPTH} levels deep.", errors={"parent_id": ["Too deep."]})


def _depth_below(categories: dict[int, Category], root_id: int) -> int:
    children = [c.id for c in categories.values() if c.parent_id == root_id]
    return 0 if not children else 1 + max(_depth_below(categories, c) for c in children)


def update_category(session: Session, *, actor: Actor, category_id: int, changes: dict) -> Category:
    _require_manage(actor)
    row = get_category(session, actor=actor, category_id=category_id)
    if "parent_id" in changes and changes["parent_id"] is not None and changes["parent_id"] != row.parent_id:
        _check_parent(tenant_categories(session, tenant_id=actor.tenant_id), changes["parent_id"], row.id)
    diff = {}
    for key, value in changes.items():
        before = getattr(row, key)
        if before != value:
            diff[key] = {"from": getattr(before, "value", before), "to": getattr(value, "value", value)}
            setattr(row, key, value)
    if diff:
        record(session, tenant_id=actor.tenant_id, actor=actor, action="category.updated",
               target_type="category", target_id=row.id, details=diff)
    session.commit()
    return row
