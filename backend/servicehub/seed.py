"""The demo group: idempotent, realistic, one user per role (`servicehub seed demo`)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from servicehub.access import Role
from servicehub.customers.lifecycle import compute_stage
from servicehub.customers.models import Customer, CustomerPhone, CustomerScope, SourceChannel, Tier
from servicehub.categories.service import seed_default_categories
from servicehub.db import bind_tenant
from servicehub.extensions import db
from servicehub.orgs.models import OrgUnit, OrgUnitKind
from servicehub.orgs.service import create_hq
from servicehub.properties.models import Ownership, Property, Relation
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

    if seed_default_categories(session, tenant_id=tenant.id):
        result.created.append("categories")
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
    if session.scalar(select(Customer.id).limit(1)) is None:
        _seed_customers(session, tenant.id, units, result)
    return result


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志文斌海燕红梅玉兰晓东雪婷思远浩然子涵雨欣"
# Handover years per building: 老业主, 稳定期, 磨合期, not yet handed over (准业主).
HANDOVERS = {"1": date(2019, 6, 28), "2": date(2024, 9, 30), "3": date(2026, 6, 18), "4": None}


def _seed_customers(session, tenant_id: int, units: dict, result: SeedResult) -> None:
    """Per project: four buildings of units and about forty households with their phones and units."""
    rng = random.Random(2026)
    today = date.today()
    used_phones: set[str] = set()
    projects = [u for u in units.values() if u.kind == OrgUnitKind.project]
    count = 0
    for index, project in enumerate(sorted(projects, key=lambda u: u.code)):
        properties = []
        for building, handover in HANDOVERS.items():
            for unit_no in ("1", "2"):
                for floor in range(1, 7):
                    for room in range(1, 5):
                        properties.append(Property(tenant_id=tenant_id, org_unit_id=project.id, building=building,
                                                   unit=unit_no, room=f"{floor}{room:02d}", floor=floor,
                                                   floor_area=Decimal(rng.choice(["89.50", "105.20", "128.00", "143.60"])),
                                                   handover_date=handover))
        session.add_all(properties)
        session.flush()
        owned = rng.sample(properties, 36)
        for n in range(40):
            phone = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
            while phone in used_phones:
                phone = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
            used_phones.add(phone)
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            customer = Customer(tenant_id=tenant_id, org_unit_id=project.id, name=name, phone=phone,
                                tier=rng.choice([Tier.normal] * 8 + [Tier.vip, Tier.key_account]),
                                source_channel=rng.choice(list(SourceChannel)), tags=[])
            customer.phones = [CustomerPhone(tenant_id=tenant_id, phone=phone, last4=phone[-4:], is_primary=True)]
            customer.scopes = [CustomerScope(tenant_id=tenant_id, org_unit_id=project.id)]
            handovers = []
            if n < len(owned):  # the last four stay prospects
                unit = owned[n]
                session.add(customer)
                session.flush()
                session.add(Ownership(tenant_id=tenant_id, customer_id=customer.id, property_id=unit.id,
                                      org_unit_id=project.id, relation=Relation.owner, since=unit.handover_date))
                handovers.append(unit.handover_date)
            else:
                session.add(customer)
            customer.stage = compute_stage(handovers=handovers, holds_units=bool(handovers), is_lost=False, today=today)
            count += 1
        session.flush()
    session.commit()
    result.created.append(f"{count} customers with their units")


def _add_unit(session, units, tenant_id, kind, parent, code, name, result) -> OrgUnit:
    unit = OrgUnit(tenant_id=tenant_id, kind=kind, parent_id=parent.id, code=code, name=name)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path}{unit.id}/"
    units[code] = unit
    result.created.append(code)
    return unit
