"""Append-only audit log of security and admin events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicehub.access import Actor, Perm
from servicehub.audit.models import AuditEntry
from servicehub.extensions import paginate_query
from servicehub.scoping import scoped


def record(
    session: Session,
    *,
    tenant_id: int,
    action: str,
    actor: Actor | None = None,
    actor_id: int | None = None,
    actor_name: str | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    org_unit_id: int | None = None,
    details: dict | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the session's transaction: it commits with the change it records."""
    entry = AuditEntry(
        tenant_id=tenant_id,
        actor_id=actor_id if actor_id is not None else (actor.id if actor and not actor.is_platform else None),
        actor_name=actor_name or (_actor_label(actor) if actor else "system"),
        action=action,
        target_type=target_type,
        target_id=target_id,
        org_unit_id=org_unit_id,
        details=details or {},
        ip=ip if ip is not None else (actor.ip if actor else None),
    )
    session.add(entry)
    return entry


def _actor_label(actor: Actor) -> str:
    return f"platform:{actor.name}" if actor.is_platform else actor.name


def list_entries(
    session: Session,
    *,
    actor: Actor,
    pagination,
    action: str | None = None,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    at_from: datetime | None = None,
    at_to: datetime | None = None,
) -> list[AuditEntry]:
    # Entries tied to an org unit are scoped by it; tenant-wide entries need tenant-wide reach.
    stmt = select(AuditEntry)
    if actor.reaches_everything(Perm.audit_read):
        stmt = scoped(stmt, AuditEntry, actor, Perm.audit_read)
    else:
        stmt = scoped(stmt, AuditEntry, actor, Perm.audit_read).where(AuditEntry.org_unit_id.is_not(None))
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if target_type:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    if target_id:
        stmt = stmt.where(AuditEntry.target_id == target_id)
    if at_from:
        stmt = stmt.where(AuditEntry.at >= at_from)
    if at_to:
        stmt = stmt.where(AuditEntry.at < at_to)
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return paginate_query(session, stmt, pagination)
