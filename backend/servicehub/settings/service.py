"""The service rules a group tunes: thresholds of the escalation and group-complaint rules, reminders,
the SLA escalation switch, and where notifications go (webhook, SMS)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from servicehub.access import Actor, Perm, require_groupwide
from servicehub.audit.service import record
from servicehub.settings.models import DEFAULTS, ServiceSettings


def settings_for(session: Session, tenant_id: int) -> ServiceSettings:
    """The group's settings; the defaults (not stored) when it never changed any."""
    row = session.get(ServiceSettings, tenant_id)
    return row if row is not None else ServiceSettings(tenant_id=tenant_id, **DEFAULTS)


def _require_manage(actor: Actor) -> None:
    require_groupwide(actor, Perm.settings_manage, "Service settings are managed at headquarters.")


def get_settings(session: Session, *, actor: Actor) -> ServiceSettings:
    _require_manage(actor)
    return settings_for(session, actor.tenant_id)


def update_settings(session: Session, *, actor: Actor, changes: dict) -> ServiceSettings:
    _require_manage(actor)
    row = session.get(ServiceSettings, actor.tenant_id)
    if row is None:
        row = ServiceSettings(tenant_id=actor.tenant_id, **DEFAULTS)
        session.add(row)
    diff = {}
    for key, value in changes.items():
        before = getattr(row, key)
        if before != value:
            shown = (lambda v: None if v is None else "********") if key == "webhook_secret" else (
                lambda v: getattr(v, "value", v))
            diff[key] = {"from": shown(before), "to": shown(value)}
            setattr(row, key, value)
    if diff:
        record(session, tenant_id=actor.tenant_id, actor=actor, action="service_settings.updated",
               target_type="tenant", target_id=actor.tenant_id, details=diff)
    session.commit()
    return row
