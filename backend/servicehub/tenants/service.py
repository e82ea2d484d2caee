"""Tenants (groups): created and suspended by platform admins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicehub.access import Actor, Role
from servicehub.audit.service import record
from servicehub.categories.service import seed_default_categories
from servicehub.db import bind_tenant
from servicehub.errors import Conflict, NotFound
from servicehub.extensions import paginate_query
from servicehub.orgs.models import OrgUnit
from servicehub.orgs.service import create_hq
from servicehub.tenants.models import Tenant
from servicehub.users.service import new_user


def list_tenants(session: Session, *, pagination, status=None, q=None) -> list[Tenant]:
    stmt = select(Tenant)
    if status is not None:
        stmt = stmt.where(Tenant.status == status)
    if q:
        stmt = stmt.where(Tenant.name.contains(q, autoescape=True) | Tenant.slug.contains(q, autoescape=True))
    return paginate_query(session, stmt.order_by(Tenant.id), pagination)


def get_tenant(session: Session, *, tenant_id: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"Tenant {tenant_id} not found.")
    return tenant


def create_tenant(session: Session, *, actor: Actor | None, slug: str, name: str, admin_username: str,
                  admin_password: str, admin_name: str | None = None, hq_name: str | None = None) -> Tenant:
    """A tenant with its hq org unit and its first tenant admin, in one transaction."""
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict("A group with this slug already exists.", errors={"slug": ["Already in use."]})
    tenant = Tenant(slug=slug, name=name)
    session.add(tenant)
    session.flush()
    bind_tenant(session, tenant.id)
    hq = create_hq(session, tenant_id=tenant.id, name=hq_name or _default_hq_name(name))
    admin = new_user(session, tenant_id=tenant.id, org_unit_id=hq.id, username=admin_username,
                     password=admin_password, name=admin_name or admin_username,
                     memberships=[(hq.id, Role.tenant_admin, None)])
    seed_default_categories(session, tenant_id=tenant.id)
    record(session, tenant_id=tenant.id, actor=actor, action="tenant.created", target_type="tenant",
           target_id=tenant.id, details={"slug": slug, "name": name, "admin_user_id": admin.id})
    session.commit()
    return tenant


def _default_hq_name(name: str) -> str:
    """The group's name with the customary suffix, or the bare name when both do not fit the
    org unit's name (a group name may be as long as an org unit's)."""
    full = f"{name}客户关系管理中心"
    return full if len(full) <= OrgUnit.name.type.length else name


def update_tenant(session: Session, *, actor: Actor, tenant_id: int, changes: dict) -> Tenant:
    tenant = get_tenant(session, tenant_id=tenant_id)
    diff = {}
    for key, value in changes.items():
        if getattr(tenant, key) != value:
            diff[key] = {"from": getattr(getattr(tenant, key), "value", getattr(tenant, key)),
                         "to": getattr(value, "value", value)}
            setattr(tenant, key, value)
    if diff:
        bind_tenant(session, tenant.id)
        record(session, tenant_id=tenant.id, actor=actor, action="tenant.updated", target_type="tenant",
               target_id=tenant.id, details=diff)
    session.commit()
    return tenant
