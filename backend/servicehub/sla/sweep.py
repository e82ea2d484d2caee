"""The SLA sweep, every minute: a ticket past its response or resolution due time, or a repair not
dispatched (派工) by its dispatch due time, is marked breached,
its timeline says so, its assignee and the project's managers are told, and, when the group's policy
says so, it climbs one level (project → region on a first breach, region → hq on a second).

Set-based, in batches: due tickets are picked from a partial index of the open, not-yet-breached
tickets (`ix_tickets_open_response_due` / `ix_tickets_open_resolve_due` / `ix_tickets_open_dispatch_due`) with `FOR UPDATE SKIP LOCKED`,
so several workers never take the same ticket, and a breach is marked once (`*_breached_at`).
Everyone concerned (assignees, the projects' managers, the level a ticket climbed to) gets one note
per batch, naming the ticket when there is one: a bad minute does not bury anyone in notes.
The `*_breached_at` marks are no index's column or predicate, so the batch's one UPDATE is HOT.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

from sqlalchemy import case, select, text, update
from sqlalchemy.orm import Session

from servicehub.access import Perm
from servicehub.db import bind_tenant, utcnow
from servicehub.escalations.models import Escalation, Rule
from servicehub.escalations.service import level_unit
from servicehub.notifications.models import Notification
from servicehub.notifications.service import roles_with
from servicehub.orgs.models import OrgUnit
from servicehub.settings.service import settings_for
from servicehub.tickets.enums import NEXT_LEVEL, Level
from servicehub.tickets.service import NUMBER_TZ
from servicehub.tickets.models import SWEEP_DISPATCH, SWEEP_RESOLVE, SWEEP_RESPONSE, Ticket, TicketEvent
from servicehub.users.models import Membership, User

BATCH = 5000
KINDS = (
    # which, due column, mark column, the partial index's predicate, rule of the escalation
    ("response", Ticket.response_due_at, Ticket.response_breached_at, SWEEP_RESPONSE, Rule.sla_response),
    ("resolution", Ticket.resolve_due_at, Ticket.resolve_breached_at, SWEEP_RESOLVE, Rule.sla_resolution),
    ("dispatch", Ticket.dispatch_due_at, Ticket.dispatch_breached_at, SWEEP_DISPATCH, Rule.sla_dispatch),
)
LABEL = {"response": "响应超时", "resolution": "处理超时", "dispatch": "派工超时"}


def _insert_ignoring_duplicates(session: Session, table, rows: list[dict]) -> None:
    """Insert many rows, duplicates skipped. On PostgreSQL one small statement whatever the count,
    `INSERT … SELECT … FROM unnest(<one array per column>)`: no per-row round trips and nothing
    for SQLAlchemy to compile per row (COPY is not allowed on tables under row-level security)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        from sqlalchemy.dialects.sqlite import insert

        for start in range(0, len(rows), 500):
            session.execute(insert(table).values(rows[start:start + 500]).on_conflict_do_nothing())
        return
    columns = list(rows[0])
    arrays, selected, params = [], [], {}
    for i, name in enumerate(columns):
        array_type, cast = _pg_array_type(table.c[name].type)
        values = [row[name] for row in rows]
        if cast == "json":
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
        else:
            values = [getattr(v, "value", v) for v in values]
        params[f"p{i}"] = values
        arrays.append(f"CAST(:p{i} AS {array_type}[])")
        selected.append(f"u.c{i}::{cast}" if cast else f"u.c{i}")
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    session.execute(text(
        f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(selected)} "
        f"FROM unnest({', '.join(arrays)}) AS u({names}) ON CONFLICT DO NOTHING"), params)


def _pg_array_type(column_type) -> tuple[str, str | None]:
    """The array type a column's values travel in, and the cast back where the column needs one."""
    from sqlalchemy import JSON, Boolean, DateTime, Integer, TypeDecorator

    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, Integer):
        return "integer", None
    if isinstance(column_type, Boolean):
        return "boolean", None
    if isinstance(column_type, JSON):
        return "text", "json"
    if isinstance(column_type, DateTime):
        return "timestamptz", None
    return "text", None


def sweep(session: Session, tenant_id: int, *, now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Mark every due ticket of one tenant; returns how many per kind. Commits per batch."""
    bind_tenant(session, tenant_id)
    now = now or utcnow()
    settings = settings_for(session, tenant_id)
    paths = {row.id: row.path for row in session.execute(select(OrgUnit.id, OrgUnit.path).where(OrgUnit.tenant_id == tenant_id))}
    done = {}
    for which, due, mark, predicate, rule in KINDS:
        done[which] = 0
        round_no = 0
        while True:
            stmt = (select(Ticket.id, Ticket.org_unit_id, Ticket.escalation_level, Ticket.assignee_id,
                           Ticket.first_responder_id, Ticket.number, Ticket.title, due.label("due"))
                    .where(Ticket.tenant_id == tenant_id, text(predicate), due < now)
                    .order_by(due).limit(batch))
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = session.execute(stmt).all()
            if not rows:
                session.commit()
                break
            round_no += 1
            _mark(session, tenant_id, rows, which=which, mark=mark, rule=rule, now=now, paths=paths,
                  escalate=settings.sla_escalation, batch_key=f"{now.isoformat()}:{round_no}")
            session.commit()
            done[which] += len(rows)
            if len(rows) < batch:
                break
    return done


def _mark(session: Session, tenant_id: int, rows, *, which: str, mark, rule: Rule, now: datetime, paths: dict,
          escalate: bool, batch_key: str) -> None:
    climbs: dict[Level, list] = defaultdict(list)  # to level → rows
    if escalate:
        for row in rows:
            to_level = NEXT_LEVEL[row.escalation_level]
            if to_level is not None:
                climbs[to_level].append(row)
    escalated_to = {r.id: to for to, climbing in climbs.items() for r in climbing}
    # One UPDATE for the batch, the climb folded in. It changes no indexed column (HOT).
    values = {mark: now, Ticket.sla_breached: True, Ticket.updated_at: now, Ticket.version: Ticket.version + 1}
    if escalate:
        values[Ticket.escalation_level] = case(
            (Ticket.escalation_level == Level.project, Level.region.value),
            (Ticket.escalation_level == Level.region, Level.hq.value),
            else_=Ticket.escalation_level)
    session.execute(update(Ticket).where(Ticket.id.in_([r.id for r in rows])).values(values),
                    execution_options={"synchronize_session": False})
    _record(session, tenant_id, rows, which=which, rule=rule, now=now, escalated_to=escalated_to)
    _insert_ignoring_duplicates(session, Notification.__table__, _notes(
        session, tenant_id, rows, which=which, now=now, paths=paths, climbs=climbs, batch_key=batch_key))


def _record(session: Session, tenant_id: int, rows, *, which: str, rule: Rule, now: datetime,
            escalated_to: dict) -> None:
    """The timeline entries and the escalations of a batch. On PostgreSQL two statements that take
    one array per column and build the rest in SQL (the sweep's hot path); elsewhere plain rows."""
    label = LABEL[which]
    ids = [r.id for r in rows]
    dues = [r.due for r in rows]
    to_levels = [escalated_to[r.id].value if r.id in escalated_to else None for r in rows]
    if session.get_bind().dialect.name == "postgresql":
        params = {"tenant": tenant_id, "now": now, "which": which, "rule": rule.value, "label": label,
                  "zone": NUMBER_TZ.key, "ids": ids, "dues": dues, "to_levels": to_levels,
                  # The event's due time written as Python writes it (PostgreSQL's JSON drops trailing
                  # zeros of the microseconds), so both backends store the same text.
                  "due_texts": [due.isoformat() for due in dues],
                  "units": [r.org_unit_id for r in rows], "from_levels": [r.escalation_level.value for r in rows]}
        session.execute(text(
            "INSERT INTO ticket_events (tenant_id, ticket_id, at, actor_id, actor_name, kind, data) "
            "SELECT :tenant, u.id, :now, NULL, 'system', 'sla_breached', "
            "json_build_object('which', CAST(:which AS text), 'due_at', u.due_text, 'escalated_to', u.to_level) "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:due_texts AS text[]), CAST(:to_levels AS text[])) "
            "AS u(id, due_text, to_level)"), params)
        session.execute(text(
            "INSERT INTO escalations (tenant_id, org_unit_id, ticket_id, from_level, to_level, rule, reason, "
            "created_at, reminder_count) "
            "SELECT :tenant, u.unit, u.id, u.from_level, u.to_level, :rule, "
            "CAST(:label AS text) || '（应于 ' || to_char(u.due AT TIME ZONE :zone, 'YYYY-MM-DD HH24:MI') || ' 前）', "
            ":now, 0 "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:units AS integer[]), CAST(:from_levels AS text[]), "
            "CAST(:to_levels AS text[]), CAST(:dues AS timestamptz[])) AS u(id, unit, from_level, to_level, due) "
            "WHERE u.to_level IS NOT NULL ON CONFLICT DO NOTHING"), params)
        return
    _insert_ignoring_duplicates(session, TicketEvent.__table__, [
        {"tenant_id": tenant_id, "ticket_id": r.id, "at": now, "actor_id": None, "actor_name": "system",
         "kind": "sla_breached", "data": {"which": which, "due_at": r.due.isoformat(), "escalated_to": level}}
        for r, level in zip(rows, to_levels)])
    _insert_ignoring_duplicates(session, Escalation.__table__, [
        {"tenant_id": tenant_id, "org_unit_id": r.org_unit_id, "ticket_id": r.id,
         "from_level": r.escalation_level.value, "to_level": level, "rule": rule.value,
         "reason": f"{label}（应于 {r.due.astimezone(NUMBER_TZ):%Y-%m-%d %H:%M} 前）", "created_at": now,
         "reminder_count": 0}
        for r, level in zip(rows, to_levels) if level is not None])


def _notes(session: Session, tenant_id: int, rows, *, which: str, now: datetime, paths: dict, climbs: dict,
           batch_key: str) -> list[dict]:
    """Who hears of a batch: each assignee (or first responder) of their tickets — naming the ticket
    when it is one —, and one digest each for the managers of the projects concerned and the people
    of each level tickets climbed to. One note per person and batch, not one per ticket."""
    notes = []
    mine: dict[int, list] = defaultdict(list)
    for row in rows:
        mine[row.assignee_id or row.first_responder_id].append(row)
    for user_id, tickets in mine.items():
        one = tickets[0] if len(tickets) == 1 else None
        numbers = "、".join(t.number for t in tickets[:5]) + (" 等" if len(tickets) > 5 else "")
        notes.append({
            "tenant_id": tenant_id, "user_id": user_id, "kind": "sla_breached",
            "title": (f"{LABEL[which]}：{one.number} {one.title}" if one else
                      f"{LABEL[which]}：您的 {len(tickets)} 张工单")[:200],
            "body": f"应于 {one.due.isoformat()} 前完成。" if one else f"{numbers}。",
            "ticket_id": one.id if one else None, "ref_type": "ticket" if one else None,
            "ref_id": one.id if one else None,
            "key": f"sla:{which}:{one.id}" if one else f"sla:{which}:{batch_key}", "created_at": now})

    digests: dict[int, dict] = {}

    def add(user_id: int, title: str) -> None:
        digests.setdefault(user_id, {"count": 0, "title": title})["count"] += 1

    managers = _holders_by_unit(session, tenant_id, {r.org_unit_id for r in rows}, Perm.ticket_assign)
    for row in rows:
        for user_id in managers.get(row.org_unit_id, ()):
            add(user_id, LABEL[which])
    level_units = {level_unit(session, paths[r.org_unit_id], to) for to, climbing in climbs.items() for r in climbing}
    handlers = _holders_by_unit(session, tenant_id, level_units, Perm.escalation_handle)
    for to_level, climbing in climbs.items():
        for row in climbing:
            for user_id in handlers.get(level_unit(session, paths[row.org_unit_id], to_level), ()):
                add(user_id, f"{LABEL[which]}升级至{'集团' if to_level == Level.hq else '区域'}")
    notes += [{"tenant_id": tenant_id, "user_id": user_id, "kind": "sla_digest",
               "title": f"{info['title']}：{info['count']} 张工单", "body": "在工单列表中查看“已超时”。",
               "ticket_id": None, "ref_type": None, "ref_id": None, "key": f"sla-digest:{which}:{batch_key}",
               "created_at": now}
              for user_id, info in digests.items()]
    return notes


def _holders_by_unit(session: Session, tenant_id: int, unit_ids, perm: Perm) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if not unit_ids:
        return found
    for unit_id, user_id in session.execute(
            select(Membership.org_unit_id, Membership.user_id).join(User, User.id == Membership.user_id)
            .where(Membership.tenant_id == tenant_id, Membership.org_unit_id.in_(sorted(unit_ids)),
                   Membership.role.in_(roles_with(perm)), User.is_active.is_(True))).all():
        if user_id not in found[unit_id]:
            found[unit_id].append(user_id)
    return found


# --- the periodic jobs ------------------------------------------------------------------------------------


def sweep_tenant(tenant_id: int) -> dict[str, int]:
    from servicehub.jobs import tenant_session

    with tenant_session(tenant_id) as session:
        return sweep(session, tenant_id)


def sweep_all() -> int:
    """Every minute (RQ's cron): one sweep job per active tenant."""
    from servicehub.jobs import for_each_tenant

    return for_each_tenant(sweep_tenant)
