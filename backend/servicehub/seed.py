"""The demo group: idempotent, realistic, one user per role (`servicehub seed demo`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from servicehub.access import Role
from servicehub.db import bind_tenant
from servicehub.extensions import db
from servicehub.orgs.models import OrgUnit, OrgUnitKind
from servicehub.orgs.service import create_hq
from servicehub.tenants.models import Tenant
from servicehub.tenants.platform import create_platform_admin
from servicehub.users.models import Function, PlatformAdmin, User
from servicehub.users.service import new_user

DEMO_SLUG = "demo"
DEMO_NAME = "华夏置地集团"
DEMO_PASSWORD = "Demo@2026"
PLATFORM_ADMIN = ("platform", "Platform@2026", "平台运维")

REGIONS = [
    ("EAST", "华东区域公司", [("SH-BJ", "上海·滨江壹号"), ("HZ-XX", "杭州·西溪云庐"), ("SZ-JJ", "苏州·金鸡湖府")]),
    ("SOUTH", "华南区域公司", [("SZ-QH", "深圳·前海湾"), ("GZ-ZJ", "广州·珠江悦府"), ("FS-QD", "佛山·千灯湖")]),
    ("NORTH", "华北区域公司", [("BJ-WJ", "北京·望京府"), ("TJ-HH", "天津·海河湾"), ("QD-DH", "青岛·东海岸")]),
]

# username, name, role, unit code, function
USERS = [
    ("admin", "周文涛", Role.tenant_admin, "HQ", None),
    ("hq_crm", "林晓梅", Role.hq_crm, "HQ", Function.customer_service),
    ("region_manager", "陈建国", Role.region_manager, "EAST", Function.customer_service),
    ("region_agent", "王丽娟", Role.region_agent, "EAST", Function.customer_service),
    ("project_manager", "张伟", Role.project_manager, "SH-BJ", Function.customer_service),
    ("project_agent", "李娜", Role.project_agent, "SH-BJ", Function.customer_service),
    ("engineer", "刘强", Role.engineer, "SH-BJ", Function.engineering),
    ("viewer", "赵敏", Role.viewer, "HQ", None),
    ("south_manager", "黄志明", Role.region_manager, "SOUTH", Function.customer_service),
    ("hz_agent", "孙悦", Role.project_agent, "HZ-XX", Function.customer_service),
]


@dataclass
class SeedResult:
    created: list[str] = field(default_factory=list)
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"demo group '{DEMO_SLUG}' ({DEMO_NAME}) ready; created: {', '.join(self.created) or 'nothing new'}",
                 f"platform admin: {PLATFORM_ADMIN[0]} / {PLATFORM_ADMIN[1]} (no group)",
                 f"sign in with group '{DEMO_SLUG}' and password {DEMO_PASSWORD}:"]
        lines += [f"  {username:<16} {role:<16} {name} @ {unit}" for username, role, name, unit in self.logins]
        return "\n".join(lines)


def seed_demo() -> SeedResult:
    session = db.session
    result = SeedResult()
    if session.scalar(select(PlatformAdmin.id).where(PlatformAdmin.username == PLATFORM_ADMIN[0])) is None:
        create_platform_admin(session, username=PLATFORM_ADMIN[0], password=PLATFORM_ADMIN[1], name=PLATFORM_ADMIN[2])
        result.created.append("platform admin")

    tenant = session.scalars(select(Tenant).where(Tenant.slug == DEMO_SLUG)).one_or_none()
    if tenant is None:
        tenant = Tenant(slug=DEMO_SLUG, name=DEMO_NAME)
        session.add(tenant)
        session.flush()
        result.created.append("tenant")
    bind_tenant(session, tenant.id)

    units = {u.code: u for u in session.scalars(select(OrgUnit))}
    if "HQ" not in units:
        units["HQ"] = create_hq(session, tenant_id=tenant.id, name=f"{DEMO_NAME}客户关系管理中心")
        result.created.append("hq")
    for code, name, projects in REGIONS:
        region = units.get(code) or _add_unit(session, units, tenant.id, OrgUnitKind.region, units["HQ"], code, name, result)
        for project_code, project_name in projects:
            if project_code not in units:
                _add_unit(session, units, tenant.id, OrgUnitKind.project, region, project_code, project_name, result)

    existing = {u.username for u in session.scalars(select(User))}
    for username, name, role, unit_code, function in USERS:
        unit = units[unit_code]
        if username not in existing:
            new_user(session, tenant_id=tenant.id, org_unit_id=unit.id, username=username, password=DEMO_PASSWORD,
                     name=name, email=f"{username}@demo.servicehub.local",
                     memberships=[(unit.id, role, function)])
            result.created.append(username)
        result.logins.append((username, role.value, name, unit.name))
    session.commit()
    return result


def _add_unit(session, units, tenant_id, kind, parent, code, name, result) -> OrgUnit:
    unit = OrgUnit(tenant_id=tenant_id, kind=kind, parent_id=parent.id, code=code, name=name)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path}{unit.id}/"
    units[code] = unit
    result.created.append(code)
    return unit
