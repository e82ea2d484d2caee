"""Periodic escalation work: reminders of what nobody acknowledged."""

from __future__ import annotations

from sqlalchemy import select


def remind_tenant(tenant_id: int) -> int:
    from servicehub.db import bind_tenant
    from servicehub.escalations.service import remind
    from servicehub.jobs import job_app
    from servicehub.jobs.outbox import new_session

    app = job_app()
    with app.app_context():
        session = new_session(app)
        try:
            bind_tenant(session, tenant_id)
            return remind(session, tenant_id)
        finally:
            session.close()


def remind_all() -> int:
    """Every five minutes: one reminder job per active tenant."""
    from servicehub.jobs import enqueue, job_app
    from servicehub.jobs.outbox import new_session
    from servicehub.tenants.models import Tenant, TenantStatus

    app = job_app()
    with app.app_context():
        session = new_session(app)
        try:
            tenant_ids = session.scalars(select(Tenant.id).where(Tenant.status == TenantStatus.active)).all()
        finally:
            session.close()
        for tenant_id in tenant_ids:
            enqueue("scheduled", remind_tenant, tenant_id)
    return len(tenant_ids)
