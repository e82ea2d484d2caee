"""What `/auth/me` and the login answer say about the caller."""

from __future__ import annotations

from sqlalchemy.orm import Session

from servicehub.access import Actor
from servicehub.auth.service import load_actor_for
from servicehub.orgs.models import OrgUnitKind
from servicehub.tenants.models import Tenant
from servicehub.users.models import Function, PlatformAdmin, User


def describe_me(session: Session, *, actor: Actor | None = None, account=None, tenant: Tenant | None = None) -> dict:
    if actor is None:
        actor = load_actor_for(session, account=account, tenant=tenant)
    if actor.is_platform:
        admin = account or session.get(PlatformAdmin, actor.id)
        return {"id": admin.id, "kind": "platform", "username": admin.username, "name": admin.name,
                "tenant": None, "scopes": [], "permissions": ["tenant.manage"]}
    user = account or session.get(User, actor.id)
    tenant = tenant or session.get(Tenant, actor.tenant_id)
    scopes: dict[int, dict] = {}
    for grant in actor.grants:
        unit = actor.units.get(grant.org_unit_id)
        if unit is None:
            continue
        scope = scopes.setdefault(unit.id, {
            "org_unit_id": unit.id, "org_unit_name": unit.name, "kind": OrgUnitKind(unit.kind),
            "roles": [], "functions": [],
            "permissions": sorted(p.value for p in actor.permissions_at(unit.id)),
        })
        scope["roles"].append(grant.role)
        if grant.function and Function(grant.function) not in scope["functions"]:
            scope["functions"].append(Function(grant.function))
    union = sorted({p for s in scopes.values() for p in s["permissions"]})
    return {"id": user.id, "kind": "user", "username": user.username, "name": user.name,
            "tenant": {"id": tenant.id, "slug": tenant.slug, "name": tenant.name},
            "scopes": list(scopes.values()), "permissions": union}
