"""Jobs of the customers domain: given ids and the tenant, never ORM objects."""

from __future__ import annotations

from datetime import date

from servicehub.db import bind_tenant
from servicehub.extensions import db
from servicehub.jobs import job_app


def run_import(tenant_id: int, job_id: int) -> str:
    from servicehub.customers.imports import ImportJob, run

    with job_app().app_context():
        session = db.session
        bind_tenant(session, tenant_id)
        job = session.get(ImportJob, job_id)
        if job is None:
            return "missing"
        return run(session, job).status.value


def import_from_outbox(session, tenant_id: int, *, job_id: int) -> str:
    """Outbox handler of a large import. The import commits its own progress (its rows are
    idempotent by phone, unit and ownership keys), so it runs in a session of its own; a job that
    finished or was rejected already is not run again."""
    from servicehub.customers.imports import ImportJob, ImportStatus

    job = session.get(ImportJob, job_id)
    if job is None or job.status not in (ImportStatus.queued, ImportStatus.running):
        return "skipped"
    return run_import(tenant_id, job_id)


def refresh_lifecycle_stages(tenant_id: int, today: str | None = None) -> int:
    """Daily: move customers to the stage their handover dates say (break-in → stable → veteran)."""
    from servicehub.customers.service import refresh_stages

    with job_app().app_context():
        session = db.session
        bind_tenant(session, tenant_id)
        return refresh_stages(session, tenant_id=tenant_id, today=date.fromisoformat(today) if today else date.today())


def refresh_all_lifecycle_stages() -> int:
    """The nightly fan-out: one job per active tenant, each bound to its tenant."""
    from servicehub.jobs import for_each_tenant

    return for_each_tenant(refresh_lifecycle_stages)
