"""A small world of two groups for tests: alpha (2 regions, 3 projects) and beta.

alpha: HQ-A ─┬─ EAST ─┬─ P-EAST-1   (pm1, pa1, eng1)
             │        └─ P-EAST-2   (pa2)          sibling of P-EAST-1
             └─ SOUTH ── P-SOUTH-1  (pa3)
beta:  HQ-B ── B-REGION ── B-PROJECT (pa_b)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from servicehub.access import Role
from servicehub.auth.service import issue_tokens
from servicehub.db import bind_tenant
from servicehub.extensions import db
from servicehub.orgs.models import OrgUnit, OrgUnitKind
from servicehub.orgs.service import create_hq
from servicehub.tenants.models import Tenant
from servicehub.tenants.platform import create_platform_admin
from servicehub.auth.passwords import hash_password
from servicehub.users.models import Function, Membership, PlatformAdmin, User

PASSWORD = "Secret-pass-1"

UNITS = {
    "alpha": [
        ("EAST", OrgUnitKind.region, "HQ", "华东区域"),
        ("SOUTH", OrgUnitKind.region, "HQ", "华南区域"),
        ("P-EAST-1", OrgUnitKind.project, "EAST", "上海·滨江壹号"),
        ("P-EAST-2", OrgUnitKind.project, "EAST", "杭州·西溪云庐"),
        ("P-SOUTH-1", OrgUnitKind.project, "SOUTH", "深圳·前海湾"),
    ],
    "beta": [
        ("B-REGION", OrgUnitKind.region, "HQ", "北方区域"),
        ("B-PROJECT", OrgUnitKind.project, "B-REGION", "天津·海河湾"),
    ],
}

USERS = {
    "alpha": [
        ("admin", Role.tenant_admin, "HQ", None),
        ("hq_crm", Role.hq_crm, "HQ", Function.customer_service),
        ("viewer", Role.viewer, "HQ", None),
        ("rm_east", Role.region_manager, "EAST", Function.customer_service),
        ("ra_east", Role.region_agent, "EAST", Function.customer_service),
        ("rm_south", Role.region_manager, "SOUTH", Function.customer_service),
        ("pm1", Role.project_manager, "P-EAST-1", Function.customer_service),
        ("pa1", Role.project_agent, "P-EAST-1", Function.customer_service),
        ("eng1", Role.engineer, "P-EAST-1", Function.engineering),
        ("pa2", Role.project_agent, "P-EAST-2", Function.customer_service),
        ("pa3", Role.project_agent, "P-SOUTH-1", Function.customer_service),
    ],
    "beta": [
        ("admin", Role.tenant_admin, "HQ", None),
        ("pa_b", Role.project_agent, "B-PROJECT", Function.customer_service),
    ],
}


@dataclass
class World:
    app: object
    tenants: dict[str, int] = field(default_factory=dict)
    units: dict[tuple[str, str], int] = field(default_factory=dict)
    users: dict[tuple[str, str], int] = field(default_factory=dict)
    platform_admin_id: int = 0
    extra: dict = field(default_factory=dict)

    def unit(self, code: str, tenant: str = "alpha") -> int:
        return self.units[(tenant, code)]

    def user(self, username: str, tenant: str = "alpha") -> int:
        return self.users[(tenant, username)]

    def headers(self, username: str, tenant: str = "alpha") -> dict:
        with self.app.app_context():
            session = db.session
            if username == "root":
                account, t = session.get(PlatformAdmin, self.platform_admin_id), None
            else:
                t = session.get(Tenant, self.tenants[tenant])
                bind_tenant(session, t.id)
                account = session.get(User, self.users[(tenant, username)])
            access, _refresh = issue_tokens(account, t)
        return {"Authorization": f"Bearer {access}"}

    def categories(self, tenant: str = "alpha") -> dict[str, int]:
        """The default category tree of a group (seeded on first use): code → id."""
        from sqlalchemy import select

        from servicehub.categories.models import Category
        from servicehub.categories.service import seed_default_categories

        with self.app.app_context():
            session = db.session
            bind_tenant(session, self.tenants[tenant])
            seed_default_categories(session, tenant_id=self.tenants[tenant])
            session.commit()
            return {c.code: c.id for c in session.scalars(select(Category))}

    def tokens(self, username: str, tenant: str = "alpha") -> tuple[str, str]:
        with self.app.app_context():
            session = db.session
            t = session.get(Tenant, self.tenants[tenant])
            bind_tenant(session, t.id)
            return issue_tokens(session.get(User, self.users[(tenant, username)]), t)


_HASH: list[str] = []


def _password_hash() -> str:
    """PASSWORD hashed once per test session (argon2 is slow on purpose)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def build_world(app) -> World:
    world = World(app=app)
    with app.app_context():
        session = db.session
        world.platform_admin_id = create_platform_admin(session, username="root", password=PASSWORD, name="Root").id
        for slug in ("alpha", "beta"):
            tenant = Tenant(slug=slug, name=f"{slug.title()} 集团")
            session.add(tenant)
            session.flush()
            bind_tenant(session, tenant.id)
            world.tenants[slug] = tenant.id
            hq = create_hq(session, tenant_id=tenant.id, name=f"{slug} HQ", code="HQ")
            units = {"HQ": hq}
            for code, kind, parent, name in UNITS[slug]:
                unit = OrgUnit(tenant_id=tenant.id, kind=kind, parent_id=units[parent].id, code=code, name=name)
                session.add(unit)
                session.flush()
                unit.path = f"{units[parent].path}{unit.id}/"
                units[code] = unit
            world.units.update({(slug, code): u.id for code, u in units.items()})
            users = {}
            for username, role, unit_code, function in USERS[slug]:
                unit = units[unit_code]
                user = User(tenant_id=tenant.id, org_unit_id=unit.id, username=username, name=username.upper(),
                            password_hash=_password_hash())
                user.memberships = [Membership(tenant_id=tenant.id, org_unit_id=unit.id, role=role, function=function)]
                users[username] = user
            session.add_all(users.values())
            session.flush()
            world.users.update({(slug, name): u.id for name, u in users.items()})
            session.commit()
    return world
