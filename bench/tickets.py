"""Tickets at scale: 2,000,000 tickets in one tenant on PostgreSQL, through the API in-process.

    .venv/bin/python bench/tickets.py [--tickets 2000000] [--queries 200] [--warmup 20]
                                      [--keep] [--reseed] [--walk] [--no-explain] [--no-write]
    .venv/bin/python bench/tickets.py --tickets 20000     # smoke mode: the same steps in well under a minute
    make bench-tickets                                    # the full run, figures into docs/benchmarks.md

1. Creates the database `servicehub_bench_tickets` (`servicehub_bench_tickets_small` below 500,000
   tickets), migrates it with `servicehub.migrate.upgrade` as the owner and seeds, as the owner:
   one tenant, an hq, 3 regions, 60 projects, the default categories, 306 users (hq_crm at the hq;
   in every project agents, a manager and engineers; the benchmark's `project_agent` and
   `project_manager` in the big project P01), then the tickets with COPY (secondary indexes dropped
   during the load and rebuilt from their definitions; about a minute for 2,000,000): 10 % of them
   in P01, 5 % and 3 % in the next two projects, the rest spread unevenly over the other 57;
   created over the last three years, more of them lately; historic tickets mostly closed (some
   cancelled), those of the last weeks also new, assigned, in progress, resolved; numbers
   BENCH-YYYYMM-NNNNNN per month of the group's calendar, with `ticket_counters` set so that new
   tickets continue the sequence; SLA due times from the built-in targets, response and resolution
   times, breaches, satisfaction, escalation levels. Then VACUUM ANALYZE and a checkpoint.
2. Builds the app on the runtime role `servicehub_app` (row-level security applies) and, through
   `app.test_client()` with real JWTs, as `hq_crm` (the whole group), the `project_agent` and the
   `project_manager` of P01, times these requests (the kinds take turns, warm-up rounds untimed):
     * `GET /api/v1/tickets?org_unit_id=P01&status=closed&page_size=50`: the first page
       (sort `-created_at`, the default);
     * the same with `page=1000`: offset 49,950;
     * the same, 1,000 pages deep by keyset: `after=<cursor>` of the 49,950th row (built from the
       database as `_encode_cursor` does: base64url of "<created_at>|<id>"; `--walk` follows
       `next_cursor` from `X-Pagination` page by page instead); checked to answer the same page as
       `page=1000`;
     * `GET /api/v1/tickets/<id>`: random tickets of P01;
     * `POST /api/v1/tickets` (the project agent): a repair, phone, category 渗漏, a new
       `Idempotency-Key` each time.
   It also counts the SQL statements of a list request with page_size 10 and 100 (they must be
   equal), and (unless --no-explain) runs EXPLAIN (ANALYZE, BUFFERS) of the count and page
   statements of each list request, captured from the app, as `servicehub_app` with
   `set_config('app.tenant_id', <id>, false)`.
3. Prints p50 / p95 / p99 / max per kind and caller, the statement counts and the plans, and writes
   them to the section "Tickets: list, detail and create at scale" of docs/benchmarks.md (full-size
   runs only, unless --no-write; a run below 500,000 tickets writes only with --write).

Targets (the issue): list p95 < 30 ms on the first page and 1,000 pages deep (keyset where offsets
get slow), create p95 < 20 ms. The database is dropped at the end unless --keep (a kept database
is reused by the next run with the same size and migrations; created tickets stay in it).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from _common import (  # noqa: E402 - also puts backend/ on sys.path
    JWT_SECRET,
    REPO,
    Rows,
    bearer,
    build_app,
    create_database,
    database_state,
    drop_database,
    machine,
    percentile,
    raw,
    save_state,
    schema_fingerprint,
    seed_org,
    server_facts,
    urls,
    CpuPressure,
    publish,
)
from sqlalchemy import create_engine, text  # noqa: E402

from servicehub.config import Settings  # noqa: E402

SEED = 20261126
SMALL = 500_000  # below this many tickets: the smoke mode (own database, fewer requests, no doc)
PAGE_SIZE = 50
DEEP_PAGE = 1000
TITLE = "## Tickets: list, detail and create at scale"
CALLERS = ("hq_crm", "project_agent", "project_manager")
TARGETS = {"first": 30.0, "offset": 30.0, "keyset": 30.0, "create": 20.0}
NUMBER_TZ = ZoneInfo("Asia/Shanghai")

# --- what tickets look like ------------------------------------------------------------------------------

TYPES = (("repair", 55), ("complaint", 20), ("inquiry", 15), ("suggestion", 5), ("praise", 5))
CHANNELS = (("phone", 30), ("hotline", 10), ("walk_in", 20), ("wechat", 28), ("web", 6), ("email", 2),
            ("letter", 1), ("other", 3))
CHANNEL_WORDS = {"phone": "来电", "hotline": "经12345热线转办", "walk_in": "到访前台", "wechat": "微信留言",
                 "web": "网站留言", "email": "来邮件", "letter": "来函", "other": "反映"}
PRIORITIES = (("urgent", 3), ("high", 12), ("normal", 70), ("low", 15))
TYPE_WORDS = {"repair": "报修", "complaint": "投诉", "inquiry": "咨询", "suggestion": "建议", "praise": "表扬"}
CATEGORIES_BY_TYPE = {
    "repair": (("leakage", 30), ("cracks", 15), ("doors_windows", 15), ("plumbing_electrical", 20),
               ("decoration", 10), ("heating_cooling", 7), ("structure", 3)),
    "complaint": (("leakage", 12), ("cracks", 6), ("doors_windows", 5), ("plumbing_electrical", 5),
                  ("decoration", 6), ("heating_cooling", 3), ("structure", 1), ("front_desk_service", 8),
                  ("repair_service", 12), ("delivery_standard", 10), ("amenities", 6), ("title_deed", 5),
                  ("advertising", 4), ("security", 4), ("cleaning_greening", 4), ("parking", 5), ("fees", 4)),
    "inquiry": (("title_deed", 30), ("delivery_standard", 15), ("amenities", 15), ("fees", 15), ("parking", 10),
                ("other", 15)),
    "suggestion": (("cleaning_greening", 25), ("security", 15), ("parking", 20), ("amenities", 20), ("other", 20)),
    "praise": (("front_desk_service", 40), ("repair_service", 60)),
}
PHRASES = {
    "leakage": "卫生间渗漏 外墙渗水 阳台漏水 屋面渗漏 窗台渗水 地下室渗水 厨房墙面返潮",
    "cracks": "客厅墙面开裂 地面空鼓 瓷砖空鼓 天花板裂缝 外墙涂料开裂",
    "doors_windows": "入户门关闭不严 窗户密封条脱落 推拉门卡滞 窗框渗风 防火门闭门器损坏",
    "plumbing_electrical": "插座无电 给水管漏水 下水堵塞 开关频繁跳闸 水压不足 电表箱故障",
    "decoration": "木地板起拱 墙纸起泡 橱柜门变形 乳胶漆脱落 吊顶下沉",
    "heating_cooling": "地暖不热 空调冷凝水倒灌 新风机噪音大 暖气片漏水",
    "structure": "楼板裂缝 梁柱裂缝 阳台栏杆松动",
    "front_desk_service": "前台接待 来访登记 电话接听 资料领取",
    "repair_service": "维修人员服务 维修上门时间 维修质量 维修后清理",
    "delivery_standard": "交付标准与样板房不符 精装修标准 交付时间延后",
    "amenities": "小区配套学校 会所开放时间 儿童游乐设施 商业配套",
    "title_deed": "房产证办理进度 不动产登记材料 契税发票",
    "advertising": "宣传资料与实际不符 景观承诺未兑现",
    "security": "门禁卡失效 外来人员进出 夜间巡逻",
    "cleaning_greening": "垃圾清运不及时 绿化修剪 楼道清洁",
    "parking": "车位被占 地库照明不足 车位租售",
    "fees": "物业费标准 水电公摊 停车费",
    "other": "其他事项 意见反馈",
}
DETAILS = ("希望尽快上门查看", "已多次反映仍未解决", "要求给出处理时间", "请安排工程人员跟进", "需预约周末上门",
           "业主情绪较稳定", "影响正常居住", "请物业协助处理", "已拍照留存", "要求书面答复")
FAMILY = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀英", "建华", "志强", "海燕", "晓东", "丽华", "国平", "春梅", "立新")

# Status by age of the ticket: (max age in days, [(status, share)]), the last line for everything older.
STATUS_BY_AGE = (
    (14, (("new", 12), ("assigned", 18), ("in_progress", 25), ("resolved", 15), ("closed", 25), ("cancelled", 5))),
    (45, (("new", 2), ("assigned", 3), ("in_progress", 8), ("resolved", 12), ("closed", 70), ("cancelled", 5))),
    (None, (("in_progress", 0.4), ("resolved", 1.1), ("closed", 92.5), ("cancelled", 6))),
)
VERSION = {"new": 1, "assigned": 2, "in_progress": 3, "resolved": 4, "closed": 5, "cancelled": 2}
SATISFACTION = ((5, 55), (4, 25), (3, 12), (2, 5), (1, 3))
N = "\\N"


def _table(pairs):
    """A draw table: 1,000 slots filled in proportion to the weights (index with int(random * 1000))."""
    total = sum(w for _v, w in pairs)
    slots, acc = [], 0.0
    for value, weight in pairs:
        acc += weight
        slots.extend([value] * (round(acc / total * 1000) - len(slots)))
    return slots


def bench_users(rng: random.Random) -> list[tuple]:
    """(username, name, role, unit, function): unit "hq" or a project index (0 is P01, the big one)."""
    def name():
        return rng.choice(FAMILY) + rng.choice(GIVEN)

    users = [("hq_crm", "林晓梅", "hq_crm", "hq", "customer_service"),
             ("project_agent", "李娜", "project_agent", 0, "customer_service"),
             ("project_manager", "王建国", "project_manager", 0, "customer_service")]
    for p in range(60):
        agents = 4 if p == 0 else 2
        for k in range(1, agents + 1):
            users.append((f"p{p + 1:02d}_agent{k}", name(), "project_agent", p, "customer_service"))
        if p:
            users.append((f"p{p + 1:02d}_manager", name(), "project_manager", p, "customer_service"))
        for k in range(1, (4 if p == 0 else 2) + 1):
            users.append((f"p{p + 1:02d}_engineer{k}", name(), "engineer", p, "engineering"))
    return users


# --- seeding -------------------------------------------------------------------------------------------------


class Clock:
    """Fast timestamptz text for COPY from epoch seconds (the datetime module is 10x slower)."""

    def __init__(self, first: int, last: int):
        self.day0 = first - first % 86400
        start = datetime.fromtimestamp(self.day0, timezone.utc).date()
        self.days = [(start + timedelta(days=i)).isoformat() for i in range((last - self.day0) // 86400 + 2)]

    def __call__(self, sec: int, micro: int | None = None) -> str:
        d, s = divmod(sec - self.day0, 86400)
        if micro is None:
            return f"{self.days[d]} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00"
        return f"{self.days[d]} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{micro:06d}+00"


def month_starts(first: int, last: int) -> list[tuple[int, str]]:
    """(epoch of the month's start in the group's calendar, "YYYYMM") from before `first` to `last`."""
    moment = datetime.fromtimestamp(first, NUMBER_TZ)
    year, month = moment.year, moment.month
    out = []
    while True:
        start = datetime(year, month, 1, tzinfo=NUMBER_TZ)
        if start.timestamp() > last:
            return out
        out.append((int(start.timestamp()), f"{year}{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def seed_tickets(owner_url: str, org: dict, staff: dict, n_tickets: int) -> dict:
    from servicehub.categories.defaults import default_rows
    from servicehub.sla.defaults import DEFAULT_TARGETS

    rng = random.Random(SEED)
    tenant_id = org["tenant_id"]
    projects = [pid for pid, _region in org["projects"]]
    categories = org["categories"]
    function_of = {code: function for code, _name, function, _parent, _order in default_rows()}
    targets = {(t.value, p.value): (r * 60, s * 60) for (t, p), (r, s) in DEFAULT_TARGETS.items()}
    timings = {}

    # How many tickets each project has: P01 10 %, P02 5 %, P03 3 %, the rest unevenly.
    t0 = time.perf_counter()
    weights = [rng.uniform(0.4, 1.6) for _ in range(len(projects) - 3)]
    shares = [0.10, 0.05, 0.03] + [w / sum(weights) * 0.82 for w in weights]
    counts = [int(n_tickets * s) for s in shares]
    counts[-1] += n_tickets - sum(counts)
    owner = [p for p, c in enumerate(counts) for _ in range(c)]
    rng.shuffle(owner)

    # When: over three years up to an hour ago, denser lately (a growing portfolio); ids in time order.
    now = int(time.time())
    first = now - 3 * 365 * 86400
    span = now - 3600 - first
    created = sorted(int(first * 1_000_000 + rng.random() ** 0.8 * span * 1_000_000) for _ in range(n_tickets))
    months = month_starts(first, now + 86400)
    clock = Clock(first - 2 * 86400, now + 30 * 86400)
    type_slots, channel_slots, priority_slots = _table(TYPES), _table(CHANNELS), _table(PRIORITIES)
    category_slots = {t: _table(pairs) for t, pairs in CATEGORIES_BY_TYPE.items()}
    status_slots = [(None if limit is None else limit * 86400, _table(pairs)) for limit, pairs in STATUS_BY_AGE]
    satisfaction_slots = _table(SATISFACTION)
    phrases = {code: words.split() for code, words in PHRASES.items()}
    statuses = Counter()
    per_period = Counter()
    timings["plan"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with psycopg.connect(raw(owner_url)) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers while loading
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET synchronous_commit = off")
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' AND tablename = 'tickets' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)"
        ).fetchall()
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        # Emptied in this transaction, so that COPY can write the rows frozen (no VACUUM rewrite later).
        conn.execute("TRUNCATE tickets CASCADE")
        with conn.cursor().copy(
                "COPY tickets (id, number, type, channel, category_id, priority, status, customer_id, property_id, "
                "title, description, is_major, households_affected, first_responder_id, assignee_id, function, "
                "escalation_level, contacted_at, logged_late, response_due_at, resolve_due_at, responded_at, "
                "resolved_at, closed_at, cancelled_at, sla_breached, satisfaction, reopen_count, version, "
                "created_at, updated_at, org_unit_id, tenant_id) FROM STDIN (FREEZE)") as copy:
            out = Rows(copy, chunk=4 << 20)
            month = 0
            random_ = rng.random
            for i in range(n_tickets):
                tid = i + 1
                p = owner[i]
                crew = staff[p]
                c_us = created[i]
                c = c_us // 1_000_000
                while month + 1 < len(months) and months[month + 1][0] <= c:
                    month += 1
                period = months[month][1]
                per_period[period] += 1
                number = f"BENCH-{period}-{per_period[period]:06d}"
                kind = type_slots[int(random_() * 1000)]
                channel = channel_slots[int(random_() * 1000)]
                priority = priority_slots[int(random_() * 1000)]
                code = category_slots[kind][int(random_() * 1000)]
                function = function_of[code]
                age = now - c
                for limit, slots in status_slots:
                    if limit is None or age <= limit:
                        status = slots[int(random_() * 1000)]
                        break
                statuses[status] += 1
                phrase = rng.choice(phrases[code])
                floor, room = 1 + int(random_() * 33), 1 + int(random_() * 4)
                where = f"{1 + int(random_() * 30)}-{1 + int(random_() * 3)}-{floor}{room:02d}"  # 3-2-1201
                title = f"{TYPE_WORDS[kind]}：{where} {phrase}"
                description = (f"业主{CHANNEL_WORDS[channel]}，{where}{phrase}，{DETAILS[int(random_() * 10)]}；"
                               f"{DETAILS[int(random_() * 10)]}。")
                responder = crew["agents"][int(random_() * len(crew["agents"]))]
                response_min, resolve_min = targets[(kind, priority)]
                response_due, resolve_due = c + response_min, c + resolve_min
                # The life of the ticket: response, resolution, the callback that closes it.
                late = random_() < 0.05
                contacted = logged_late = None
                if random_() < 0.1:
                    contacted = c - (int(random_() * 3600) if late else int(random_() * 540))
                    logged_late = late
                responded = resolved = closed = cancelled = satisfaction = assignee = None
                breached, reopen = False, 0
                if status != "new":
                    room = age - 120  # everything happened since it came in, up to two minutes ago
                    delay = response_min * (1 + random_() * 2 if random_() < 0.04 else random_() * 0.9)
                    delay = min(delay, room * 0.3)
                    fix = max(resolve_min * (1 + random_() if random_() < 0.07 else 0.1 + random_() * 0.85),
                              delay + 60)
                    callback = 3600 + random_() * 2 * 86400
                    if fix + callback > room:  # recent tickets
                        scale = room / (fix + callback)
                        fix, callback = fix * scale, callback * scale
                        delay = min(delay, fix * 0.5)
                    if status == "cancelled":
                        cancelled = c + int(min(delay * 2, room))
                        if random_() < 0.5:
                            responded = c + int(delay)
                            assignee = responder
                    else:
                        responded = c + int(delay)
                        if function == "engineering":
                            assignee = crew["engineers"][int(random_() * len(crew["engineers"]))]
                        else:
                            assignee = crew["agents"][int(random_() * len(crew["agents"]))] \
                                if random_() < 0.7 else crew["manager"]
                        if status in ("resolved", "closed"):
                            resolved = c + int(fix)
                        if status == "closed":
                            closed = resolved + int(callback)
                            if random_() < 0.7:
                                satisfaction = satisfaction_slots[int(random_() * 1000)]
                            if random_() < 0.02:
                                reopen = 1
                    breached = (responded is not None and responded > response_due) or \
                               (resolved is not None and resolved > resolve_due)
                updated = max(x for x in (c, responded, resolved, closed, cancelled) if x is not None)
                escalation = "project"
                roll = random_() * (3 if kind == "complaint" else 1)
                if roll < 0.005:
                    escalation = "hq"
                elif roll < 0.02:
                    escalation = "region"
                major = random_() < 0.003
                households = 2 + int(random_() * 200) if major else 1
                out.add(
                    f"{tid}\t{number}\t{kind}\t{channel}\t{categories[code]}\t{priority}\t{status}\t{N}\t{N}\t"
                    f"{title}\t{description}\t{'t' if major else 'f'}\t{households}\t{responder}\t"
                    f"{N if assignee is None else assignee}\t{function}\t{escalation}\t"
                    f"{N if contacted is None else clock(contacted)}\t{'t' if logged_late else 'f'}\t"
                    f"{clock(response_due)}\t{clock(resolve_due)}\t"
                    f"{N if responded is None else clock(responded)}\t{N if resolved is None else clock(resolved)}\t"
                    f"{N if closed is None else clock(closed)}\t{N if cancelled is None else clock(cancelled)}\t"
                    f"{'t' if breached else 'f'}\t{N if satisfaction is None else satisfaction}\t{reopen}\t"
                    f"{VERSION[status] + 2 * reopen}\t{clock(c, c_us % 1_000_000)}\t{clock(updated)}\t"
                    f"{projects[p]}\t{tenant_id}\n")
            out.flush()
        timings["tickets (generate + COPY)"] = time.perf_counter() - t0

        conn.execute("SELECT setval(pg_get_serial_sequence('tickets', 'id'), %s)", (n_tickets,))
        with conn.cursor().copy("COPY ticket_counters (tenant_id, period, last_value) FROM STDIN") as copy:
            for period, value in sorted(per_period.items()):
                copy.write_row((tenant_id, period, value))
        conn.commit()
        conn.execute("SET session_replication_role = origin")
        t0 = time.perf_counter()
        for name, definition in indexes:
            t1 = time.perf_counter()
            conn.execute(definition)
            conn.commit()
            timings[f"index {name}"] = time.perf_counter() - t1
        timings["indexes"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")  # write the load out now, not during the measurements
        timings["vacuum analyze, checkpoint"] = time.perf_counter() - t0
        size = conn.execute("SELECT pg_size_pretty(pg_table_size('tickets')), "
                            "pg_size_pretty(pg_indexes_size('tickets'))").fetchone()
    return {"tickets": n_tickets, "per_project": counts[:3], "statuses": dict(statuses),
            "periods": len(per_period), "table_size": size[0], "index_size": size[1],
            "timings": {k: round(v, 1) for k, v in timings.items()}}


def ensure_seeded(name: str, n_tickets: int, reseed: bool) -> dict:
    from servicehub.migrate import upgrade

    owner_url, app_url = urls(name)
    fingerprint = schema_fingerprint()
    state = database_state(name)
    if state and not reseed and state.get("tickets") == n_tickets and state.get("schema") == fingerprint \
            and state.get("complete"):
        print(f"reusing database {name} (seeded {state['seeded_at']} in {state['seed_seconds']} s); --reseed to rebuild")
        return state
    if state and not reseed:
        print(f"database {name} is stale (size or migrations changed): seeding it again")
    t0 = time.perf_counter()
    create_database(name)
    upgrade(Settings(database_url=app_url, migration_database_url=owner_url, jwt_secret_key=JWT_SECRET))
    print(f"migrated in {time.perf_counter() - t0:.1f} s; seeding {n_tickets:,} tickets ...")
    specs = bench_users(random.Random(SEED))
    org = seed_org(owner_url, specs, categories=True)
    staff = defaultdict(lambda: {"agents": [], "engineers": [], "manager": None})
    for username, _name, role, unit, _function in specs:
        if unit == "hq":
            continue
        uid = org["users"][username]
        if role == "project_agent":
            staff[unit]["agents"].append(uid)
        elif role == "engineer":
            staff[unit]["engineers"].append(uid)
        elif role == "project_manager":
            staff[unit]["manager"] = uid
    facts = seed_tickets(owner_url, org, staff, n_tickets)
    seconds = round(time.perf_counter() - t0, 1)
    state = {**facts, "tenant_id": org["tenant_id"],
             "users": {u: org["users"][u] for u in CALLERS}, "users_total": len(org["users"]),
             "big_project": org["projects"][0][0], "leakage_id": org["categories"]["leakage"],
             "schema": fingerprint, "complete": True,
             "seeded_at": datetime.now().isoformat(timespec="seconds"), "seed_seconds": seconds}
    save_state(name, state)
    print(f"seeded in {seconds} s: " + ", ".join(f"{k} {v}" for k, v in facts["timings"].items()))
    return state


# --- requests ---------------------------------------------------------------------------------------------


def encode_cursor(created_at: datetime, ticket_id: int) -> str:
    """As `servicehub.tickets.service._encode_cursor`: base64url of "<created_at isoformat>|<id>", unpadded."""
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{ticket_id}".encode()).decode().rstrip("=")


def prepare(owner_url: str, state: dict, n: int) -> dict:
    """What the requests need from the data: the depth of the deep page, its keyset cursor, ticket ids."""
    engine = create_engine(owner_url)
    big = state["big_project"]
    with engine.connect() as conn:
        conn.execute(text("SELECT setseed(0.42)"))
        matches = conn.execute(text(
            "SELECT count(*) FROM tickets WHERE tenant_id = :t AND org_unit_id = :p AND status = 'closed'"),
            {"t": state["tenant_id"], "p": big}).scalar_one()
        page = DEEP_PAGE if matches >= DEEP_PAGE * PAGE_SIZE else max(2, matches // PAGE_SIZE // 2)
        offset = (page - 1) * PAGE_SIZE
        created_at, last_id = conn.execute(text(
            "SELECT created_at, id FROM tickets WHERE tenant_id = :t AND org_unit_id = :p AND status = 'closed' "
            "ORDER BY created_at DESC, id DESC OFFSET :o LIMIT 1"),
            {"t": state["tenant_id"], "p": big, "o": offset - 1}).one()
        ids = conn.execute(text("SELECT id FROM tickets WHERE org_unit_id = :p ORDER BY random() LIMIT :n"),
                           {"p": big, "n": n}).scalars().all()
    engine.dispose()
    return {"matches": matches, "page": page, "offset": offset, "cursor": encode_cursor(created_at, last_id),
            "ids": ids}


def kinds_for(caller: str, state: dict, prep: dict) -> dict:
    """name -> (key for the target, function of the round number -> (method, url, query, json, headers))."""
    base = {"org_unit_id": state["big_project"], "status": "closed", "page_size": PAGE_SIZE}
    ids = prep["ids"]
    kinds = {
        "list, first page": ("first", lambda r: ("GET", "/api/v1/tickets", base, None, {})),
        f"list, page {prep['page']:,} (offset {prep['offset']:,})":
            ("offset", lambda r: ("GET", "/api/v1/tickets", {**base, "page": prep["page"]}, None, {})),
        f"list, keyset {prep['offset']:,} rows deep (after=)":
            ("keyset", lambda r: ("GET", "/api/v1/tickets", {**base, "after": prep["cursor"]}, None, {})),
        "detail GET /tickets/<id>": ("detail", lambda r: ("GET", f"/api/v1/tickets/{ids[r % len(ids)]}", {}, None, {})),
    }
    if caller == "project_agent":
        kinds["create POST /tickets"] = ("create", lambda r: (
            "POST", "/api/v1/tickets", {},
            {"type": "repair", "channel": "phone", "org_unit_id": state["big_project"],
             "title": f"报修：3-2-1201 卫生间渗漏（基准 {r}）",
             "description": "业主来电，3-2-1201卫生间渗漏，楼下天花板已有水渍，希望尽快上门查看。",
             "category_id": state["leakage_id"]},
            {"Idempotency-Key": uuid.uuid4().hex}))
    return kinds


def call(client, headers: dict, request) -> tuple:
    method, url, query, body, extra = request
    t0 = time.perf_counter()
    if method == "GET":
        response = client.get(url, query_string=query, headers={**headers, **extra})
    else:
        response = client.post(url, json=body, headers={**headers, **extra})
    elapsed = (time.perf_counter() - t0) * 1000
    if response.status_code not in (200, 201):
        raise SystemExit(f"{method} {url} {query}: {response.status_code} {response.get_data(as_text=True)[:400]}")
    return response, elapsed


def run(app, counter, headers: dict, kinds: dict, warmup: int, queries: int) -> dict:
    """Time `queries` requests per kind after `warmup` untimed rounds. The kinds take turns (one
    request of each per round, in a rotating order), so that whatever else the machine does at some
    moment spreads over every kind instead of spoiling one series."""
    client = app.test_client()
    names = list(kinds)
    samples = {name: {"times": [], "statements": [], "totals": []} for name in names}
    for r in range(warmup + queries):
        for name in names[r % len(names):] + names[:r % len(names)]:
            counter["n"] = 0
            response, elapsed = call(client, headers, kinds[name][1](r))
            if r < warmup:
                continue
            s = samples[name]
            s["times"].append(elapsed)
            s["statements"].append(counter["n"])
            if "X-Pagination" in response.headers:
                s["totals"].append(json.loads(response.headers["X-Pagination"])["total"])
    results = {}
    for name, s in samples.items():
        times = s["times"]
        results[name] = {"key": kinds[name][0], "n": len(times), "p50": statistics.median(times),
                         "p95": percentile(times, 95), "p99": percentile(times, 99), "max": max(times),
                         "statements": statistics.median(s["statements"]),
                         "total": max(s["totals"]) if s["totals"] else None}
    return results


def check_pages(app, headers: dict, state: dict, prep: dict, walk: bool) -> str:
    """The keyset page equals the offset page of the same depth; with `walk`, the cursor reached by
    following next_cursor page by page equals the one built from the database."""
    client = app.test_client()
    base = {"org_unit_id": state["big_project"], "status": "closed", "page_size": PAGE_SIZE}

    def ids(query):
        response, _ms = call(client, headers, ("GET", "/api/v1/tickets", query, None, {}))
        return [t["id"] for t in response.get_json()], json.loads(response.headers["X-Pagination"])

    by_offset, _meta = ids({**base, "page": prep["page"]})
    by_keyset, _meta = ids({**base, "after": prep["cursor"]})
    if by_offset != by_keyset or len(by_offset) != PAGE_SIZE:
        raise SystemExit(f"page {prep['page']} by offset {by_offset[:3]}... differs from the keyset page {by_keyset[:3]}...")
    second, _meta = ids({**base, "page": 2})
    first, meta = ids(base)
    after_first, _meta = ids({**base, "after": meta["next_cursor"]})
    if second != after_first:
        raise SystemExit("page 2 by offset differs from the page after next_cursor of page 1")
    if not walk:
        return f"page {prep['page']} by offset = by keyset (built cursor); page 2 = after next_cursor of page 1"
    t0 = time.perf_counter()
    cursor = None
    for _ in range(prep["page"] - 1):
        _ids, meta = ids({**base, **({"after": cursor} if cursor else {})})
        cursor = meta["next_cursor"]
    if cursor != prep["cursor"]:
        from servicehub.tickets.service import _decode_cursor

        if _decode_cursor(cursor) != _decode_cursor(prep["cursor"]):
            raise SystemExit(f"walked cursor {cursor} != built cursor {prep['cursor']}")
    return (f"page {prep['page']} by offset = by keyset; walking {prep['page'] - 1} pages by next_cursor "
            f"({time.perf_counter() - t0:.1f} s) reaches the built cursor")


def statement_counts(app, counter, headers: dict, state: dict) -> dict:
    client = app.test_client()
    counts = {}
    for size in (10, 100):
        counter["n"] = 0
        call(client, headers, ("GET", "/api/v1/tickets",
                               {"org_unit_id": state["big_project"], "status": "closed", "page_size": size}, None, {}))
        counts[size] = counter["n"]
    return counts


# --- plans -------------------------------------------------------------------------------------------------


def _literal(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'"
    return str(value)


def _nodes(node, depth=0):
    yield depth, node
    for child in node.get("Plans", ()):
        yield from _nodes(child, depth + 1)


def summarize(plan: dict) -> dict:
    """Which nodes, which index, rows, heap fetches, buffers and time of an EXPLAIN (FORMAT JSON)."""
    root = plan["Plan"]
    chain, scans = [], []
    for _depth, node in _nodes(root):
        if node["Node Type"] == "Result":  # the one-time filter of the RLS policy
            continue
        label = node["Node Type"] + (" Backward" if node.get("Scan Direction") == "Backward" else "")
        if node.get("Sort Method"):
            label += f" ({node['Sort Method']})"
        chain.append(label)
        if "Relation Name" in node or "Index Name" in node:
            rows = node["Actual Rows"] * node["Actual Loops"]
            part = node["Node Type"] + (" Backward" if node.get("Scan Direction") == "Backward" else "") \
                + (f" using `{node['Index Name']}`" if "Index Name" in node else "")
            part += f": {rows:,.0f} rows"
            if node.get("Rows Removed by Filter"):
                part += f", {node['Rows Removed by Filter'] * node['Actual Loops']:,.0f} removed by filter"
            if "Heap Fetches" in node:
                part += f", heap fetches {node['Heap Fetches']:,}"
            scans.append({"text": part, "index_cond": node.get("Index Cond"), "filter": node.get("Filter")})
    return {"chain": " → ".join(chain), "scans": scans, "ms": plan["Execution Time"],
            "planning_ms": plan["Planning Time"], "hit": root.get("Shared Hit Blocks", 0),
            "read": root.get("Shared Read Blocks", 0)}


def explain(app, counter, headers: dict, app_url: str, tenant_id: int, request) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) the statements on tickets of one request, as the runtime role with
    the tenant set for the session (`set_config(..., false)`), as the app runs them under RLS."""
    client = app.test_client()
    counter["log"] = []
    call(client, headers, request)
    log, counter["log"] = counter["log"], None
    found = []
    with psycopg.connect(raw(app_url), autocommit=True) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", (str(tenant_id),))
        for statement, params in log:
            if "FROM tickets" not in statement:
                continue
            role = "count" if statement.lstrip().upper().startswith("SELECT COUNT") else "page"
            plan_text = [row[0] for row in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)]
            plan_json = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, params).fetchone()[0]
            shown = statement % {k: _literal(v) for k, v in params.items()} if isinstance(params, dict) else statement
            found.append({"statement": role, "sql": shown, "text": plan_text, **summarize(plan_json[0])})
    return found


# --- report ------------------------------------------------------------------------------------------------



def verdict(result: dict) -> str:
    target = TARGETS.get(result["key"])
    if target is None:
        return ""
    return f"< {target:.0f}: " + ("met" if result["p95"] < target else "**missed**")


def render(results, counts, plans, state, prep, args, server: str, load: float, checked: str,
           pressure: float | None) -> str:
    who = {"hq_crm": "hq_crm (whole group)", "project_agent": "project_agent (P01)",
           "project_manager": "project_manager (P01)"}
    statuses = state["statuses"]
    big, second, third = state["per_project"]
    lines = [
        TITLE,
        "",
        f"Run {datetime.now():%Y-%m-%d %H:%M} on {machine()}; {server}; Python {platform.python_version()}; "
        f"load average {load:.2f} before the run (the client, the app and the database share the cores)"
        + (f"; CPU pressure during the measurements {pressure:.0f} % (PSI `some`: the share of the time a runnable "
           "task waited for a core, whether another program's or a parallel worker of the benchmark's own "
           "queries)." if pressure is not None else "."),
        f"Dataset: {state['tickets']:,} tickets in one tenant, 60 projects (P01 {big:,}, P02 {second:,}, "
        f"P03 {third:,}, the others about {(state['tickets'] - big - second - third) // 57:,} each), created over "
        f"three years ({state['periods']} monthly number series); "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items(), key=lambda kv: -kv[1]))
        + f"; {state['users_total']} users. Table {state['table_size']}, indexes {state['index_size']}; seeded with "
        f"COPY in {state['seed_seconds']} s (migrations included).",
        f"Lists: `GET /api/v1/tickets?org_unit_id=<P01>&status=closed&page_size={PAGE_SIZE}` (sort `-created_at`), "
        f"{prep['matches']:,} matches; the deep page is page {prep['page']:,} (offset {prep['offset']:,}), by "
        f"offset and by keyset (`after=` the cursor of row {prep['offset']:,}); {checked}. Detail: random tickets "
        "of P01. Create: a repair by phone in P01, category 渗漏, a new `Idempotency-Key` each.",
        f"Each row: {args.queries} requests through `app.test_client()` after {args.warmup} warm-up rounds, the kinds "
        "taking turns, timed wall-clock in the client (authentication, count, page, related names, "
        "serialisation; for create the commit and the reload). Targets: list p95 < 30 ms, create p95 < 20 ms.",
        "",
        "| caller | request | p50 ms | p95 ms | p99 ms | max ms | statements | target (p95) |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for caller, kinds in results.items():
        for name, r in kinds.items():
            lines.append(f"| {who[caller]} | {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
                         f"{r['max']:.1f} | {r['statements']:.0f} | {verdict(r)} |")
    lines += ["", "SQL statements per list request (first page), page_size 10 vs 100: "
              + "; ".join(f"{who[c]} {n[10]} vs {n[100]}" for c, n in counts.items())
              + (" (equal)" if all(n[10] == n[100] for n in counts.values()) else " (**not equal**)") + "."]
    if plans:
        lines += ["", "### Plans of the list statements",
                  "",
                  "`EXPLAIN (ANALYZE, BUFFERS)` of the statements on `tickets` of one request, as `servicehub_app` with "
                  "`set_config('app.tenant_id', …, false)` (row-level security applies), warm cache "
                  "(`bench/tickets.py` prints the whole plans):",
                  "",
                  "| caller | request | statement | plan | scans | buffers hit / read | ms |",
                  "|---|---|---|---|---|---:|---:|"]
        for caller, by_kind in plans.items():
            for name, found in by_kind.items():
                for p in found:
                    scans = "; ".join(s["text"] for s in p["scans"])
                    lines.append(f"| {who[caller]} | {name} | {p['statement']} | {p['chain']} | {scans} | "
                                 f"{p['hit']:,} / {p['read']:,} | {p['ms']:.1f} |")
        conds = {}
        for by_kind in plans.values():
            for found in by_kind.values():
                for p in found:
                    for s in p["scans"]:
                        if s["index_cond"]:
                            conds.setdefault(s["index_cond"], s["filter"])
        if conds:
            lines += ["", "Index conditions and filters seen:", ""]
            for cond, flt in conds.items():
                lines.append(f"* `{cond}`" + (f"; filter `{flt}`" if flt else ""))
    lines += [
        "",
        "Run it (PostgreSQL on 127.0.0.1:5432 as `postgres`; the app connects as `servicehub_app`):",
        "",
        "```bash",
        "make bench-tickets                                  # 2,000,000 tickets: seeds (~1 min), measures, drops",
        ".venv/bin/python bench/tickets.py --tickets 20000   # smoke mode, under a minute, writes nothing",
        ".venv/bin/python bench/tickets.py --keep            # keep the database; the next run reuses it",
        ".venv/bin/python bench/tickets.py --walk            # reach the deep cursor by following next_cursor",
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=2_000_000)
    parser.add_argument("--queries", type=int, help="timed requests per kind and caller (200; 30 in smoke mode)")
    parser.add_argument("--warmup", type=int, help="untimed rounds before each series (20; 5 in smoke mode)")
    parser.add_argument("--database", help="default servicehub_bench_tickets (_small in smoke mode)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if a kept database matches")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (default: drop it)")
    parser.add_argument("--walk", action="store_true", help="follow next_cursor to the deep page once, as a check")
    parser.add_argument("--no-explain", action="store_true", help="skip EXPLAIN ANALYZE of the list statements")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md also in smoke mode")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--output", default=str(REPO / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    small = args.tickets < SMALL
    args.queries = args.queries or (30 if small else 200)
    args.warmup = args.warmup if args.warmup is not None else (5 if small else 20)
    args.database = args.database or ("servicehub_bench_tickets_small" if small else "servicehub_bench_tickets")
    write = not args.no_write and (args.write or not small)

    started = time.perf_counter()
    try:
        state = ensure_seeded(args.database, args.tickets, args.reseed)
        owner_url, app_url = urls(args.database)
        prep = prepare(owner_url, state, args.queries + args.warmup)
        app, counter = build_app(app_url)
        headers = {caller: bearer(app, state, caller) for caller in CALLERS}
        checked = check_pages(app, headers["hq_crm"], state, prep, args.walk)
        print(f"{prep['matches']:,} closed tickets in P01; deep page {prep['page']} (offset {prep['offset']:,}); {checked}")

        counts = {caller: statement_counts(app, counter, headers[caller], state) for caller in CALLERS}
        for caller, n in counts.items():
            print(f"{caller:16} statements per list request: page_size 10 → {n[10]}, page_size 100 → {n[100]}")

        plans = {}
        if not args.no_explain:
            for caller in ("hq_crm", "project_agent"):
                plans[caller] = {}
                for name, (key, make) in kinds_for(caller, state, prep).items():
                    if key not in ("first", "offset", "keyset"):
                        continue
                    found = explain(app, counter, headers[caller], app_url, state["tenant_id"], make(0))
                    plans[caller][name] = found
                    for p in found:
                        print(f"\n--- {caller}, {name}: {p['statement']} statement\n{p['sql']}\n")
                        print("\n".join(p["text"]))

        load_before = os.getloadavg()[0]
        cpu = CpuPressure()
        results = {}
        for caller in CALLERS:
            results[caller] = run(app, counter, headers[caller], kinds_for(caller, state, prep), args.warmup,
                                  args.queries)
            for name, r in results[caller].items():
                flag = "" if not verdict(r) or "met" in verdict(r) else "   <-- misses the target"
                print(f"{caller:16} {name:42} p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f}  p99 {r['p99']:7.1f}  "
                      f"max {r['max']:7.1f} ms  stmts {r['statements']:.0f}"
                      + (f"  matches {r['total']:,}" if r["total"] is not None else "") + flag)
        pressure = cpu.percent()
        app.extensions["servicehub.db"].engine.dispose()
        if pressure is not None and pressure > 10:
            print(f"note: CPU pressure {pressure:.0f} % during the measurements: tasks waited for a core "
                  "(other programs, or parallel workers of the queries)")
        if load_before > 0.5:
            print(f"note: the machine was busy before the run (load average {load_before:.2f}): "
                  "figures are noisier than on an idle machine")
        section = render(results, counts, plans, state, prep, args, server_facts(owner_url), load_before, checked,
                         pressure)
        publish(section, args.output, write=write, smoke=small and not args.no_write)
    finally:
        if not args.keep:
            drop_database(args.database)
            print(f"dropped database {args.database}")
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
