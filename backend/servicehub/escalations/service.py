"""Escalation: a ticket climbs project → region → hq, by hand or by rule, and the people of the level
it reaches get it in their inbox and acknowledge it.

Rules (evaluated by a job whenever a ticket is created or changes what they read):
* `major`: the ticket is marked major (重大投诉) → hq;
* `group_complaint`: a complaint of `major_households` households or more → hq;
* `sensitive`: a complaint with media, lawsuit or government-hotline exposure → hq;
* `sla_response` / `sla_resolution` / `sla_dispatch`: the SLA sweep, one level per breach (sla/sweep.py).
One escalation per ticket, rule and level reached (a unique key), so a rule firing twice escalates once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicehub.access import Actor, Perm, require_tenant
from servicehub.db import utcnow
from servicehub.errors import Conflict, Forbidden
from servicehub.escalations.models import Escalation, Rule
from servicehub.extensions import paginate_query
from servicehub.notifications import service as notifications
from servicehub.orgs.models import OrgUnit
from servicehub.scoping import get_scoped, select_scoped
from servicehub.sla.service import path_ids
from servicehub.tickets.enums import OPEN_STATUSES, Level, TicketType
from servicehub.tickets.models import Ticket, TicketEvent

LEVEL_ORDER = {Level.project: 0, Level.region: 1, Level.hq: 2}
RULE_LABEL = {Rule.manual: "人工升级", Rule.major: "重大投诉", Rule.group_complaint: "多户投诉",
              Rule.sensitive: "敏感投诉", Rule.sla_response: "响应超时", Rule.sla_resolution: "处理超时",
              Rule.sla_dispatch: "派工超时"}
SENSITIVE_LABEL = {"media": "媒体", "lawsuit": "诉讼", "government_hotline": "政府热线"}


def level_unit(session: Session, ticket_unit_path: str, level: Level) -> int:
    """The org unit of a level above a project: the hq (first on the path) or the region (second)."""
    ids = path_ids(ticket_unit_path)
    return {Level.hq: ids[0], Level.region: ids[1] if len(ids) > 2 else ids[0], Level.project: ids[-1]}[level]


def rules_for(ticket: Ticket, *, major_households: int) -> list[tuple[Rule, str]]:
    """Which automatic rules a ticket meets, with the reason each gives."""
    found = []
    if ticket.is_major:
        found.append((Rule.major, "标记为重大投诉"))
    if ticket.type == TicketType.complaint and ticket.households_affected >= major_households:
        found.append((Rule.group_complaint, f"涉及 {ticket.households_affected} 户（阈值 {major_households} 户）"))
    if ticket.type == TicketType.complaint and ticket.sensitive:
        found.append((Rule.sensitive, "敏感：" + "、".join(SENSITIVE_LABEL.get(s, s) for s in ticket.sensitive)))
    return found


def escalate_to(session: Session, *, ticket: Ticket, to_level: Level, rule: Rule, reason: str,
                actor: Actor | None = None, at: datetime | None = None) -> Escalation | None:
    """Move `ticket` up to `to_level` and tell that level. Nothing happens when it is there already
    or when this rule already took it there."""
    if LEVEL_ORDER[ticket.escalation_level] >= LEVEL_ORDER[to_level]:
        return None
    exists = session.scalar(select(Escalation.id).where(
        Escalation.tenant_id == ticket.tenant_id, Escalation.ticket_id == ticket.id, Escalation.rule == rule,
        Escalation.to_level == to_level))
    if exists is not None:
        return None
    at = at or utcnow()
    escalation = Escalation(tenant_id=ticket.tenant_id, org_unit_id=ticket.org_unit_id, ticket_id=ticket.id,
                            from_level=ticket.escalation_level, to_level=to_level, rule=rule, reason=reason,
                            created_by_id=actor.id if actor else None, created_at=at)
    session.add(escalation)
    session.add(TicketEvent(tenant_id=ticket.tenant_id, ticket_id=ticket.id, at=at, kind="escalated",
                            actor_id=actor.id if actor else None, actor_name=actor.name if actor else "system",
                            data={"from": ticket.escalation_level.value, "to": to_level.value, "rule": rule.value,
                                  "reason": reason}))
    ticket.escalation_level = to_level
    ticket.updated_at = at
    session.flush()
    tell_level(session, escalation=escalation, ticket=ticket)
    return escalation


def tell_level(session: Session, *, escalation: Escalation, ticket: Ticket, reminder: int = 0) -> None:
    """Inbox (and email, a text for a major complaint, the group's webhook) for the people of the level."""
    from servicehub.settings.service import settings_for

    path = session.scalar(select(OrgUnit.path).where(OrgUnit.id == ticket.org_unit_id))
    unit_id = level_unit(session, path, escalation.to_level)
    people = notifications.holders(session, tenant_id=ticket.tenant_id, unit_ids=[unit_id],
                                   perm=Perm.escalation_handle)
    label = RULE_LABEL[escalation.rule]
    level = "集团" if escalation.to_level == Level.hq else "区域"
    prefix = f"【催办 {reminder}】" if reminder else ""
    title = f"{prefix}{label}升级至{level}：{ticket.number} {ticket.title}"[:200]
    body = f"{escalation.reason}\n请确认处理。"
    key = f"escalation:{escalation.id}" + (f":reminder:{reminder}" if reminder else "")
    settings = settings_for(session, ticket.tenant_id)
    notifications.notify(session, tenant_id=ticket.tenant_id, users=people, kind="escalation_reminder" if reminder
                         else "escalation", title=title, body=body, key=key, ticket_id=ticket.id,
                         ref_type="escalation", ref_id=escalation.id, email=True,
                         sms=escalation.rule == Rule.major and settings.sms_on_major and not reminder)
    notifications.webhook(session, tenant_id=ticket.tenant_id, key=key, title=title, body=body, event={
        "type": "escalation", "escalation_id": escalation.id, "ticket_id": ticket.id, "number": ticket.number,
        "rule": escalation.rule.value, "to_level": escalation.to_level.value, "reminder": reminder})


def evaluate(session: Session, tenant_id: int, *, ticket_id: int) -> str:
    """Outbox handler: apply the automatic rules to a ticket, then watch for a group complaint."""
    from servicehub.alerts.service import watch
    from servicehub.settings.service import settings_for

    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.status not in OPEN_STATUSES:
        return "skipped"
    settings = settings_for(session, tenant_id)
    done = []
    for rule, reason in rules_for(ticket, major_households=settings.major_households):
        if escalate_to(session, ticket=ticket, to_level=Level.hq, rule=rule, reason=reason):
            done.append(rule.value)
    alert = watch(session, ticket=ticket, settings=settings)
    return ",".join(done + (["alert"] if alert else [])) or "nothing"


# --- the inbox of escalations ------------------------------------------------------------------------


def list_escalations(session: Session, *, actor: Actor, pagination, to_level=None, rule=None, acknowledged=None,
                     ticket_id=None) -> list[Escalation]:
    require_tenant(actor)
    stmt = select_scoped(Escalation, actor, Perm.escalation_handle)
    if to_level is not None:
        stmt = stmt.where(Escalation.to_level == to_level)
    if rule is not None:
        stmt = stmt.where(Escalation.rule == rule)
    if acknowledged is not None:
        stmt = stmt.where(Escalation.acknowledged_at.is_not(None) if acknowledged else Escalation.acknowledged_at.is_(None))
    if ticket_id is not None:
        stmt = stmt.where(Escalation.ticket_id == ticket_id)
    rows = paginate_query(session, stmt.order_by(Escalation.id.desc()), pagination)
    return _with_tickets(session, rows)


def _with_tickets(session: Session, rows: list[Escalation]) -> list[Escalation]:
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_({r.ticket_id for r in rows})))}
    for row in rows:
        ticket = tickets.get(row.ticket_id)
        row.ticket_number = ticket.number if ticket else None
        row.ticket_title = ticket.title if ticket else None
    return rows


def acknowledge(session: Session, *, actor: Actor, escalation_id: int) -> Escalation:
    """The level it reached takes it on: someone holding escalation.handle there (hq or the region)."""
    require_tenant(actor)
    escalation = get_scoped(session, Escalation, escalation_id, actor, Perm.escalation_handle)
    ticket_unit = actor.units[escalation.org_unit_id]
    level_unit_id = level_unit(session, ticket_unit.path, escalation.to_level)
    if not actor.can(Perm.escalation_handle, level_unit_id):
        raise Forbidden("Only the level the ticket reached acknowledges it "
                        f"({'headquarters' if escalation.to_level == Level.hq else 'the region'}).")
    if escalation.acknowledged_at is not None:
        raise Conflict("This escalation is acknowledged already.", errors={"acknowledged_at": ["Already set."]})
    escalation.acknowledged_at, escalation.acknowledged_by_id = utcnow(), actor.id
    session.add(TicketEvent(tenant_id=escalation.tenant_id, ticket_id=escalation.ticket_id, kind="escalation_acknowledged",
                            actor_id=actor.id, actor_name=actor.name,
                            data={"escalation_id": escalation.id, "level": escalation.to_level.value}))
    session.commit()
    return _with_tickets(session, [escalation])[0]


# Escalations by the SLA sweep come in bulk and are told as digests (sla/sweep.py): they are not
# reminded one by one (a bad hour would send thousands of reminders).
SWEEP_RULES = (Rule.sla_response, Rule.sla_resolution, Rule.sla_dispatch)


def remind(session: Session, tenant_id: int, *, now: datetime | None = None, batch: int = 500) -> int:
    """Periodic, per tenant: an escalation nobody acknowledged is reminded every `reminder_minutes`
    while its ticket is open (not those of the SLA sweep) (tickets closed since are left out of the batch, not skipped in it:
    else they would fill every batch and starve the open ones)."""
    from servicehub.settings.service import settings_for

    now = now or utcnow()
    every = timedelta(minutes=settings_for(session, tenant_id).reminder_minutes)
    stmt = (select(Escalation).join(Ticket, Ticket.id == Escalation.ticket_id).where(
        Escalation.tenant_id == tenant_id, Escalation.acknowledged_at.is_(None), Escalation.created_at <= now - every,
        (Escalation.reminded_at.is_(None)) | (Escalation.reminded_at <= now - every),
        Escalation.rule.not_in(SWEEP_RULES), Ticket.status.in_(OPEN_STATUSES))
        .order_by(Escalation.id).limit(batch))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Escalation, skip_locked=True)
    count = 0
    for escalation in session.scalars(stmt).all():
        ticket = session.get(Ticket, escalation.ticket_id)
        escalation.reminder_count += 1
        escalation.reminded_at = now
        tell_level(session, escalation=escalation, ticket=ticket, reminder=escalation.reminder_count)
        count += 1
    session.commit()
    return count
