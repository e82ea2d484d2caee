"""Callback tasks (回访) created by the system: 24 hours after a ticket is resolved, and two months
after for a major repair. Completing them comes with the callback workflow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicehub.callbacks.models import Callback, CallbackKind
from servicehub.sla.defaults import CALLBACK_MINUTES
from servicehub.tickets.enums import Status, TicketType
from servicehub.tickets.models import Ticket

MAJOR_REPAIR_DAYS = 60  # 维修后两个月第二次回访


def schedule_after_resolution(session: Session, tenant_id: int, *, ticket_id: int) -> str:
    """Outbox handler: the callback tasks of a resolved ticket (once per ticket and kind)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.resolved_at is None or ticket.status not in (Status.resolved, Status.closed):
        return "skipped"
    wanted = [(CallbackKind.resolution, ticket.resolved_at + timedelta(minutes=CALLBACK_MINUTES))]
    if ticket.type == TicketType.repair and ticket.is_major:
        wanted.append((CallbackKind.major_repair, ticket.resolved_at + timedelta(days=MAJOR_REPAIR_DAYS)))
    have = set(session.scalars(select(Callback.kind).where(Callback.tenant_id == tenant_id,
                                                            Callback.ticket_id == ticket.id)))
    made = []
    for kind, due in wanted:
        if kind not in have:
            session.add(Callback(tenant_id=tenant_id, org_unit_id=ticket.org_unit_id, ticket_id=ticket.id,
                                 customer_id=ticket.customer_id, kind=kind, due_at=due,
                                 assignee_id=ticket.first_responder_id))
            made.append(kind.value)
    return ",".join(made) or "exists"
