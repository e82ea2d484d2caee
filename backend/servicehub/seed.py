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
from servicehub.tickets.models import Ticket
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
    if session.scalar(select(Ticket.id).limit(1)) is None:
        _seed_tickets(session, tenant.id, units, result)
    from servicehub.contractors.models import Contractor

    if session.scalar(select(Contractor.id).limit(1)) is None:
        _seed_repairs(session, tenant.id, units, result)
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


# (category code, type, title, description)
TICKETS = [
    ("leakage", "repair", "卫生间顶棚渗水", "业主来电：楼上卫生间下水管处渗水，顶棚已有水渍，请尽快派人查看。"),
    ("leakage", "complaint", "外墙渗水导致卧室墙面发霉", "雨后卧室外墙一侧渗水，墙面发霉起皮，已报修两次仍未解决。"),
    ("cracks", "repair", "客厅墙面开裂", "客厅与阳台交界处墙面出现约1米长的裂缝。"),
    ("doors_windows", "repair", "入户门关不严", "入户门下沉，关门需用力，门锁对不上。"),
    ("plumbing_electrical", "repair", "厨房插座无电", "厨房两个插座无电，空气开关正常。"),
    ("plumbing_electrical", "repair", "下水道堵塞返味", "厨房下水道排水慢，有返味。"),
    ("delivery_standard", "complaint", "交付标准与样板间不符", "业主反映交付的厨房橱柜品牌与样板间展示不一致。"),
    ("amenities", "complaint", "小区幼儿园迟迟未开办", "销售时承诺的配套幼儿园至今未开办，多户业主联名投诉。"),
    ("title_deed", "inquiry", "产权证办理进度咨询", "业主咨询不动产权证办理进度及所需材料。"),
    ("security", "complaint", "夜间外来人员随意进出", "夜间门岗不核查，外来人员可随意进出小区。"),
    ("parking", "complaint", "车位被长期占用", "业主购买的车位被他人车辆长期占用。"),
    ("front_desk_service", "complaint", "前台接待态度冷淡", "业主到访前台咨询时接待人员态度冷淡。"),
    ("fees", "inquiry", "物业费缴纳方式咨询", "业主咨询物业费能否通过微信缴纳。"),
    ("amenities", "suggestion", "建议增设儿童游乐设施", "业主建议在中心花园增设儿童游乐设施。"),
    ("repair_service", "praise", "维修师傅上门及时", "业主来电表扬维修师傅当天上门、处理细致。"),
]
REPAIRS = [t for t in TICKETS if t[1] == "repair"]
HISTORY_REPAIRS = 16  # per project
# Who logs the tickets of each project in the demo (the front desk where there is one).
FRONT_DESK = {"SH-BJ": "project_agent", "HZ-XX": "hz_agent", "EAST": "region_agent", "SOUTH": "south_manager",
              "NORTH": "hq_crm"}


def _seed_tickets(session, tenant_id: int, units: dict, result: SeedResult) -> None:
    """Per project a dozen tickets of the last two months, open ones recent, older ones closed; one
    major group complaint already at headquarters. Numbers and SLA clocks as the service sets them."""
    from datetime import datetime, timedelta, timezone

    from servicehub.callbacks.models import Callback, CallbackAttempt, CallbackKind, CallbackStatus
    from servicehub.categories.models import Category
    from servicehub.escalations.models import Escalation, Rule
    from servicehub.sla.service import due_times, path_ids, target_for
    from servicehub.tickets.enums import Channel, Level, Priority, Status, TicketType
    from servicehub.tickets.models import TicketEvent
    from servicehub.tickets.service import _next_number, _routed_function

    rng = random.Random(11)
    users = {u.username: u for u in session.scalars(select(User))}
    categories = {c.code: c for c in session.scalars(select(Category))}
    engineer = users["engineer"]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    count = 0
    projects = sorted((u for u in units.values() if u.kind == OrgUnitKind.project), key=lambda u: u.code)
    for project in projects:
        region = next(u for u in units.values() if u.id == project.parent_id)
        desk = users[FRONT_DESK.get(project.code) or FRONT_DESK[region.code]]
        customers = list(session.scalars(select(Customer).where(Customer.org_unit_id == project.id).limit(12)))
        units_of = dict(session.execute(select(Ownership.customer_id, Ownership.property_id).where(
            Ownership.org_unit_id == project.id)).all())
        # A dozen contacts of the last two months, and the repairs of the half year before (closed, called
        # back: the history the contractor scorecard ranks).
        history = [rng.choice(REPAIRS) for _ in range(HISTORY_REPAIRS)]
        for n, (code, kind, title, description) in enumerate(rng.sample(TICKETS, 12) + history):
            # Two fresh contacts of today per project, the rest over the last two months.
            created = now - (timedelta(hours=rng.uniform(0.5, 8)) if n < 2 else
                             timedelta(days=rng.uniform(0, 60), minutes=rng.randint(0, 600)) if n < 12 else
                             timedelta(days=rng.uniform(20, 180), minutes=rng.randint(0, 600)))
            age_days = (now - created).days
            ticket_type, category = TicketType(kind), categories[code]
            customer = customers[n % len(customers)] if customers and (n < len(customers) or n >= 12) else None
            priority = rng.choice([Priority.normal] * 6 + [Priority.high, Priority.low, Priority.urgent])
            target = target_for(session, tenant_id=tenant_id, path=path_ids(project.path), ticket_type=ticket_type,
                                priority=priority)
            response_due, resolve_due = due_times(target, created)
            ticket = Ticket(
                tenant_id=tenant_id, org_unit_id=project.id, number=_next_number(session, tenant_id, created),
                type=ticket_type, channel=rng.choice(list(Channel)), category_id=category.id, priority=priority,
                customer_id=customer.id if customer else None,
                property_id=units_of.get(customer.id) if customer else None, title=title, description=description,
                first_responder_id=desk.id, function=_routed_function(ticket_type, category),
                response_due_at=response_due, resolve_due_at=resolve_due, created_at=created, updated_at=created,
                status=Status.new, dispatch_due_at=response_due if ticket_type == TicketType.repair else None)
            events = [("created", desk, created, {"number": ticket.number, "type": kind, "priority": priority.value})]
            worker = engineer if project.code == "SH-BJ" and ticket.function == Function.engineering else desk
            if age_days >= 1 or rng.random() < 0.5:
                ticket.status, ticket.assignee_id = Status.assigned, worker.id
                ticket.responded_at = created + timedelta(minutes=rng.randint(5, 300))
                events.append(("assigned", desk, ticket.responded_at, {"to": worker.id, "to_name": worker.name}))
            if age_days >= 3:
                ticket.status = Status.in_progress
                events.append(("status_changed", worker, ticket.responded_at + timedelta(hours=1),
                               {"from": "assigned", "to": "in_progress"}))
            if age_days >= 7:
                ticket.status, ticket.resolved_at = Status.resolved, created + timedelta(days=rng.uniform(1, 9))
                ticket.sla_breached = ticket.resolved_at > resolve_due or ticket.responded_at > response_due
                events.append(("status_changed", worker, ticket.resolved_at, {"from": "in_progress", "to": "resolved"}))
            callback = None
            if ticket.resolved_at is not None:
                # The first callback (回访), 24 h after the resolution: still pending for a resolved ticket.
                callback = Callback(tenant_id=tenant_id, org_unit_id=project.id, kind=CallbackKind.resolution,
                                    customer_id=ticket.customer_id, due_at=ticket.resolved_at + timedelta(hours=24),
                                    assignee_id=desk.id, created_at=ticket.resolved_at)
            if age_days >= 14:
                ticket.status, ticket.closed_at = Status.closed, ticket.resolved_at + timedelta(days=2)
                ticket.satisfaction = rng.choice([5, 5, 4, 4, 4, 3])
                called = ticket.resolved_at + timedelta(hours=rng.uniform(2, 24))
                scores = {"timeliness": rng.choice([ticket.satisfaction, 5]), "quality": ticket.satisfaction,
                          "attitude": rng.choice([ticket.satisfaction, 5])}
                callback.status, callback.attempts, callback.completed_at = CallbackStatus.completed, 1, called
                callback.completed_by_id, callback.satisfaction = desk.id, ticket.satisfaction
                callback.satisfaction_timeliness = scores["timeliness"]
                callback.satisfaction_quality = scores["quality"]
                callback.satisfaction_attitude = scores["attitude"]
                events.append(("callback_completed", desk, called, {"kind": "resolution", **scores,
                                                                      "satisfaction": ticket.satisfaction,
                                                                      "comment": None}))
                events.append(("status_changed", desk, ticket.closed_at, {"from": "resolved", "to": "closed"}))
            ticket.updated_at = events[-1][2]
            session.add(ticket)
            session.flush()
            if callback is not None:
                callback.ticket_id = ticket.id
                session.add(callback)
                session.flush()
                if callback.status == CallbackStatus.completed:
                    session.add(CallbackAttempt(tenant_id=tenant_id, callback_id=callback.id, number=1,
                                                at=callback.completed_at, by_id=desk.id, by_name=desk.name,
                                                reached=True))
                    events[-2][3]["callback_id"] = callback.id
            session.add_all(TicketEvent(tenant_id=tenant_id, ticket_id=ticket.id, actor_id=who.id, actor_name=who.name,
                                        kind=what, at=at, data=data) for what, who, at, data in events)
            count += 1
    # A major group complaint of the flagship project, escalated to headquarters.
    flagship = units["SH-BJ"]
    created = now - timedelta(hours=5)
    target = target_for(session, tenant_id=tenant_id, path=path_ids(flagship.path), ticket_type=TicketType.complaint,
                        priority=Priority.urgent)
    response_due, resolve_due = due_times(target, created)
    major = Ticket(
        tenant_id=tenant_id, org_unit_id=flagship.id, number=_next_number(session, tenant_id, created),
        type=TicketType.complaint, channel=Channel.walk_in, category_id=categories["leakage"].id,
        priority=Priority.urgent, title="3号楼多户外墙渗水联名投诉",
        description="3号楼8户业主联名来访，反映暴雨后外墙大面积渗水，要求集团给出整改方案，并表示将向媒体反映。",
        is_major=True, households_affected=8, first_responder_id=users["project_agent"].id, function=Function.engineering,
        escalation_level=Level.hq, response_due_at=response_due, resolve_due_at=resolve_due, created_at=created,
        updated_at=created, status=Status.assigned, assignee_id=users["project_manager"].id,
        responded_at=created + timedelta(minutes=20))
    session.add(major)
    session.flush()
    session.add_all([
        TicketEvent(tenant_id=tenant_id, ticket_id=major.id, actor_id=users["project_agent"].id,
                    actor_name=users["project_agent"].name, kind="created", at=created,
                    data={"number": major.number, "type": "complaint", "priority": "urgent"}),
        TicketEvent(tenant_id=tenant_id, ticket_id=major.id, actor_id=users["project_agent"].id,
                    actor_name=users["project_agent"].name, kind="assigned", at=major.responded_at,
                    data={"to": users["project_manager"].id, "to_name": users["project_manager"].name}),
        Escalation(tenant_id=tenant_id, org_unit_id=flagship.id, ticket_id=major.id, from_level=Level.project,
                   to_level=Level.hq, rule=Rule.major, reason="重大投诉：8户联名，涉及媒体", created_at=created),
        TicketEvent(tenant_id=tenant_id, ticket_id=major.id, actor_id=None, actor_name="system", kind="escalated",
                    at=created, data={"from": "project", "to": "hq", "rule": "major"}),
    ])
    session.commit()
    result.created.append(f"{count + 1} tickets")


# Per region: (name, trades, contact, the project codes it serves — none: the whole region).
CONTRACTORS = {
    "EAST": [("上海宏达防水工程有限公司", ["waterproofing"], "马建军", ()),
             ("上海申安机电安装有限公司", ["electrical", "plumbing"], "顾志强", ()),
             ("苏州美居门窗有限公司", ["doors_windows"], "沈建华", ()),
             ("杭州安家装饰工程有限公司", ["decoration", "general"], "王海涛", ()),
             ("滨江壹号综合维修队", ["general"], "刘国栋", ("SH-BJ",))],
    "SOUTH": [("深圳粤安防水科技有限公司", ["waterproofing"], "陈伟雄", ()),
              ("广州恒通机电工程有限公司", ["electrical", "plumbing"], "梁志成", ()),
              ("佛山南方门窗制品有限公司", ["doors_windows", "decoration"], "何家明", ()),
              ("深圳万家综合维修服务有限公司", ["general"], "林少华", ())],
    "NORTH": [("北京京诚防水工程有限公司", ["waterproofing"], "张国庆", ()),
              ("天津滨海机电安装有限公司", ["electrical", "plumbing"], "李振华", ()),
              ("青岛海峰装饰工程有限公司", ["decoration", "doors_windows", "general"], "孙海波", ())],
}
REPAIR_RESULTS = ["更换防水层并做闭水试验48小时，无渗漏。", "更换损坏部件，现场试用正常。", "重新打胶密封，业主确认。",
                  "疏通管道并更换存水弯，排水正常。", "修补裂缝并重新刷漆，业主验收。"]


def _seed_repairs(session, tenant_id: int, units: dict, result: SeedResult) -> None:
    """Contractors per region (one serving only the flagship project), each project's repair supervisor,
    and a work order for every repair ticket under way or done: done ones with a cost, so that the
    contractor scorecard (维修单位考评) of the last months has figures."""
    from datetime import timedelta

    from servicehub.contractors.models import Contractor, ContractorUnit, Trade
    from servicehub.properties.warranty import CATEGORY_COMPONENTS, Component
    from servicehub.tickets.enums import Status, TicketType
    from servicehub.work_orders.models import QuoteStatus, WorkOrder
    from servicehub.work_orders.service import COMPONENT_TRADES, warranty_for
    from servicehub.work_orders.workflow import WorkOrderStatus

    rng = random.Random(7)
    today = date.today()
    serving: dict[int, list[Contractor]] = {}  # project id -> contractors
    projects = {u.id: u for u in units.values() if u.kind == OrgUnitKind.project}
    for region_code, rows in CONTRACTORS.items():
        region = units[region_code]
        for name, trades, contact, only in rows:
            served = [units[code] for code in only] or [region]
            contractor = Contractor(tenant_id=tenant_id, name=name, trades=trades, contact_name=contact,
                                    contact_phone=f"139{rng.randint(10_000_000, 99_999_999)}",
                                    contract_start=date(today.year - 1, 1, 1), contract_end=date(today.year + 1, 12, 31))
            contractor.units = [ContractorUnit(tenant_id=tenant_id, org_unit_id=u.id) for u in served]
            session.add(contractor)
            for project in projects.values():
                if project.id in {u.id for u in served} or project.parent_id in {u.id for u in served}:
                    serving.setdefault(project.id, []).append(contractor)
    session.flush()
    # The repair supervisor (维修主管) of each project: the flagship has its engineer already.
    users = {u.username: u for u in session.scalars(select(User))}
    supervisors = {units["SH-BJ"].id: users["engineer"]}
    for project in projects.values():
        if project.id not in supervisors:
            username = f"eng_{project.code.lower().replace('-', '_')}"
            supervisors[project.id] = users.get(username) or new_user(
                session, tenant_id=tenant_id, org_unit_id=project.id, username=username, password=DEMO_PASSWORD,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                email=f"{username}@demo.servicehub.local", memberships=[(project.id, Role.engineer, Function.engineering)])
    session.flush()
    count = 0
    tickets = session.scalars(select(Ticket).where(Ticket.type == TicketType.repair,
                                                   Ticket.status.in_([Status.in_progress, Status.resolved, Status.closed]))
                              .order_by(Ticket.id))
    from servicehub.categories.models import Category

    codes = {c.id: c.code for c in session.scalars(select(Category))}
    for ticket in list(tickets):
        component = CATEGORY_COMPONENTS.get(codes.get(ticket.category_id)) or Component.decoration
        trade = COMPONENT_TRADES[component]
        able = [c for c in serving.get(ticket.org_unit_id, []) if trade.value in c.trades or Trade.general.value in c.trades]
        if not able:
            continue
        contractor = rng.choice(able)
        warranty = warranty_for(session, ticket, component)
        dispatched = ticket.created_at + timedelta(hours=rng.uniform(1, 10))
        order = WorkOrder(tenant_id=tenant_id, org_unit_id=ticket.org_unit_id, ticket_id=ticket.id,
                          contractor_id=contractor.id, supervisor_id=supervisors[ticket.org_unit_id].id,
                          dispatched_by_id=ticket.first_responder_id, trade=trade, component=component,
                          in_warranty=warranty["in_warranty"], warranty_until=warranty["until"],
                          warranty_reason=warranty["reason"], created_at=dispatched, updated_at=dispatched,
                          scheduled_at=dispatched + timedelta(hours=rng.choice([4, 20, 26])),
                          accepted_at=dispatched + timedelta(minutes=rng.randint(10, 90)))
        if not warranty["in_warranty"]:
            order.quote_amount = Decimal(rng.choice(["280.00", "450.00", "1200.00"]))
            order.quote_status = QuoteStatus.accepted
        if ticket.resolved_at is None:
            order.status = WorkOrderStatus.accepted
        else:
            order.status = WorkOrderStatus.done
            order.arrived_at = min(order.scheduled_at, ticket.resolved_at - timedelta(hours=2))
            order.finished_at = ticket.resolved_at - timedelta(minutes=rng.randint(10, 90))
            order.cost = order.quote_amount or Decimal(rng.randint(8, 120) * 50)
            order.materials = rng.choice(["防水涂料 5kg", "PPR 管件一套", "门铰链 2 个", "插座面板 2 个", "腻子、乳胶漆"])
            order.result = rng.choice(REPAIR_RESULTS)
        ticket.dispatched_at = dispatched
        session.add(order)
        count += 1
    session.commit()
    result.created.append(f"{sum(len(r) for r in CONTRACTORS.values())} contractors, {count} work orders")


def _add_unit(session, units, tenant_id, kind, parent, code, name, result) -> OrgUnit:
    unit = OrgUnit(tenant_id=tenant_id, kind=kind, parent_id=parent.id, code=code, name=name)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path}{unit.id}/"
    units[code] = unit
    result.created.append(code)
    return unit
