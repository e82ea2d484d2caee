"""Periodic escalation work: reminders of what nobody acknowledged."""

from __future__ import annotations


def remind_tenant(tenant_id: int) -> int:
    from servicehub.escalations.service import remind
    from servicehub.jobs import tenant_session

    with tenant_session(tenant_id) as session:
        return remind(session, tenant_id)


def remind_all() -> int:
    """Every five minutes: one reminder job per active tenant."""
    from servicehub.jobs import for_each_tenant

    return for_each_tenant(remind_tenant)
