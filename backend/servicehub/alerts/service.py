"""群诉预警, the group-complaint early warning: `group_complaint_count` complaints of one category in
one project (or one building of it) within `group_complaint_days` raise an alert to the region and
headquarters, once per cluster. A complaint that joins a live cluster is added to its alert."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import Integer, cast, func, select, text
from sqlalchemy.orm import Session, aliased

from servicehub.access import Actor, Perm, require_tenant
from servicehub.alerts.models import Alert
from servicehub.db import utcnow
from servicehub.errors import Conflict
from servicehub.escalations.service import level_unit
from servicehub.extensions import paginate_query
from servicehub.notifications import service as notifications
from servicehub.orgs.models import OrgUnit
from servicehub.properties.models import Property
from servicehub.scoping import get_scoped, select_scoped
from servicehub.settings.models import ClusterScope
from servicehub.tickets.enums import Level, Status, TicketType
from servicehub.tickets.models import Ticket


def _lock(session: Session, *parts) -> None:
    """Serialise the watchers of one cluster (PostgreSQL; SQLite serialises writers anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest[:8], "big", signed=True)})


def watch(session: Session, *, ticket: Ticket, settings) -> Alert | None:
    """After a complaint is logged: does it make (or join) a cluster?"""
    if ticket.type != TicketType.complaint or ticket.category_id is None or ticket.status == Status.cancelled:
        return None
    building = None
    if settings.group_complaint_scope == ClusterScope.building:
        if ticket.property_id is None:
            return None
        building = session.scalar(select(Property.building).where(Property.id == ticket.property_id))
    _lock(session, ticket.tenant_id, ticket.org_unit_id, ticket.category_id, building or "")
    since = ticket.created_at - timedelta(days=settings.group_complaint_days)
    stmt = (select(Ticket.id, Ticket.created_at).where(
        Ticket.tenant_id == ticket.tenant_id, Ticket.org_unit_id == ticket.org_unit_id,
        Ticket.type == TicketType.complaint, Ticket.category_id == ticket.category_id,
        Ticket.status != Status.cancelled, Ticket.created_at >= since, Ticket.created_at <= ticket.created_at)
        .order_by(Ticket.created_at, Ticket.id))
    if building is not None:
        stmt = stmt.join(Property, Property.id == Ticket.property_id).where(Property.building == building)
    cluster = session.execute(stmt).all()
    if len(cluster) < settings.group_complaint_count:
        return None
    ids = [row.id for row in cluster]
    alert = session.scalars(select(Alert).where(
        Alert.tenant_id == ticket.tenant_id, Alert.org_unit_id == ticket.org_unit_id,
        Alert.category_id == ticket.category_id, Alert.last_at >= since,
        Alert.building.is_(None) if building is None else Alert.building == building)
        .order_by(Alert.id.desc()).limit(1)).one_or_none()
    if alert is not None:
        joined = [i for i in ids if i not in alert.ticket_ids]
        if joined:
            alert.ticket_ids = sorted(set(alert.ticket_ids) | set(joined))
            alert.ticket_count = len(alert.ticket_ids)
            alert.last_at = max(alert.last_at, cluster[-1].created_at)
        return None
    alert = Alert(tenant_id=ticket.tenant_id, org_unit_id=ticket.org_unit_id, category_id=ticket.category_id,
                  building=building, ticket_ids=ids, ticket_count=len(ids), window_days=settings.group_complaint_days,
                  first_at=cluster[0].created_at, last_at=cluster[-1].created_at)
    session.add(alert)
    session.flush()
    _tell(session, alert=alert, ticket=ticket)
    return alert


def _tell(session: Session, *, alert: Alert, ticket: Ticket) -> None:
    from servicehub.categories.models import Category

    unit = session.get(OrgUnit, alert.org_unit_id)
    category = session.get(Category, alert.category_id)
    people = notifications.holders(session, tenant_id=alert.tenant_id, perm=Perm.escalation_handle, unit_ids={
        level_unit(session, unit.path, Level.region), level_unit(session, unit.path, Level.hq)})
    where = f"{unit.name}{alert.building + '栋' if alert.building else ''}"
    title = f"群诉预警：{where} {alert.window_days} 天内 {alert.ticket_count} 起「{category.name}」投诉"[:200]
    body = f"最近一起：{ticket.number} {ticket.title}"
    key = f"alert:{alert.id}"
    notifications.notify(session, tenant_id=alert.tenant_id, users=people, kind="group_complaint_alert", title=title,
                         body=body, key=key, ticket_id=ticket.id, ref_type="alert", ref_id=alert.id, email=True)
    notifications.webhook(session, tenant_id=alert.tenant_id, key=key, title=title, body=body, event={
        "type": "group_complaint_alert", "alert_id": alert.id, "org_unit_id": alert.org_unit_id,
        "category_id": alert.category_id, "building": alert.building, "ticket_ids": alert.ticket_ids})


def _described(session: Session, actor: Actor, alerts: list[Alert]) -> list[Alert]:
    """Name what the alerts refer to by id: the project (known from the caller's org units), the
    category and its parent, who acknowledged, and the households of the cluster's complaints added
    up. One statement for any number of alerts."""
    from servicehub.categories.models import Category
    from servicehub.users.models import User

    if not alerts:
        return alerts
    elements = "json_array_elements_text" if session.get_bind().dialect.name == "postgresql" else "json_each"
    member = getattr(func, elements)(Alert.ticket_ids).table_valued("value").alias("member")
    households = (select(func.sum(Ticket.households_affected)).select_from(member)
                  .join(Ticket, Ticket.id == cast(member.c.value, Integer)).scalar_subquery())
    category, parent = aliased(Category, name="category"), aliased(Category, name="parent")
    rows = session.execute(
        select(Alert.id, category.name, parent.name, User.name, households).select_from(Alert)
        .join(category, category.id == Alert.category_id).outerjoin(parent, parent.id == category.parent_id)
        .outerjoin(User, User.id == Alert.acknowledged_by_id)
        .where(Alert.id.in_([a.id for a in alerts]))
    ).all()
    described = {row[0]: row[1:] for row in rows}
    for alert in alerts:
        unit = actor.units.get(alert.org_unit_id)
        alert.org_unit_name = unit.name if unit else None
        (alert.category_name, alert.category_parent_name, alert.acknowledged_by_name,
         households_affected) = described[alert.id]
        alert.households_affected = households_affected or 0
    return alerts


def list_alerts(session: Session, *, actor: Actor, pagination, acknowledged=None, org_unit_id=None) -> list[Alert]:
    require_tenant(actor)
    stmt = select_scoped(Alert, actor, Perm.ticket_read)
    if acknowledged is not None:
        stmt = stmt.where(Alert.acknowledged_at.is_not(None) if acknowledged else Alert.acknowledged_at.is_(None))
    if org_unit_id is not None:
        stmt = stmt.where(Alert.org_unit_id.in_(sorted(actor.subtree(org_unit_id))))
    return _described(session, actor, paginate_query(session, stmt.order_by(Alert.id.desc()), pagination))


def acknowledge(session: Session, *, actor: Actor, alert_id: int) -> Alert:
    from servicehub.access import require

    require_tenant(actor)
    alert = get_scoped(session, Alert, alert_id, actor, Perm.ticket_read)
    # The alert goes to the region and hq: they take it on (as with an escalation), not the project.
    require(actor, Perm.escalation_handle, level_unit(session, actor.units[alert.org_unit_id].path, Level.region))
    if alert.acknowledged_at is not None:
        raise Conflict("This alert is acknowledged already.", errors={"acknowledged_at": ["Already set."]})
    alert.acknowledged_at, alert.acknowledged_by_id = utcnow(), actor.id
    session.commit()
    return _described(session, actor, [alert])[0]
