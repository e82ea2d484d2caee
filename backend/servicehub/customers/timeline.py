"""The customer timeline: every domain that records something about a customer adds a source here.

A source takes (session, customer) and returns entries {at, kind, title, detail, ref_type, ref_id}.
"""

from __future__ import annotations

from datetime import datetime, time, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicehub.access import Actor, Perm
from servicehub.customers.models import Customer
from servicehub.properties.models import Ownership, Property
from servicehub.scoping import scoped, select_scoped

RELATION_LABEL = {"owner": "业主", "co_owner": "共有人", "resident": "住户"}


def _day(d) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.utc)


def _file_opened(session: Session, customer: Customer, actor: Actor) -> list[dict]:
    return [{"at": customer.created_at, "kind": "customer.created", "title": "建档 · customer file opened",
             "detail": None, "ref_type": "customer", "ref_id": customer.id}]


def _ownerships(session: Session, customer: Customer, actor: Actor) -> list[dict]:
    """The customer's units the caller may read: a unit of another project or region stays off."""
    rows = session.execute(scoped(
        select(Ownership, Property).join(Property, Property.id == Ownership.property_id), Property, actor,
        Perm.customer_read).where(Ownership.customer_id == customer.id)
    ).all()
    entries = []
    for ownership, prop in rows:
        relation = RELATION_LABEL[ownership.relation.value]
        entries.append({"at": _day(ownership.since) if ownership.since else ownership.created_at,
                        "kind": "ownership.started", "title": f"{relation} · {prop.label}",
                        "detail": ownership.relation.value, "ref_type": "property", "ref_id": prop.id})
        if ownership.until:
            entries.append({"at": _day(ownership.until), "kind": "ownership.ended", "title": f"{relation}关系结束 · {prop.label}",
                            "detail": ownership.relation.value, "ref_type": "property", "ref_id": prop.id})
        if prop.handover_date and ownership.relation.value != "resident":
            entries.append({"at": _day(prop.handover_date), "kind": "property.handover", "title": f"交付 · {prop.label}",
                            "detail": None, "ref_type": "property", "ref_id": prop.id})
    return entries


TICKET_TYPE_LABEL = {"complaint": "投诉", "repair": "报修", "inquiry": "咨询", "suggestion": "建议", "praise": "表扬"}


def _tickets(session: Session, customer: Customer, actor: Actor) -> list[dict]:
    """The customer's tickets that the caller may read: when each was logged and resolved."""
    from servicehub.tickets.models import Ticket

    entries = []
    for ticket in session.scalars(select_scoped(Ticket, actor, Perm.ticket_read).where(Ticket.customer_id == customer.id)):
        label = f"{TICKET_TYPE_LABEL[ticket.type.value]} · {ticket.number} {ticket.title}"
        entries.append({"at": ticket.created_at, "kind": "ticket.created", "title": label,
                        "detail": ticket.status.value, "ref_type": "ticket", "ref_id": ticket.id})
        if ticket.resolved_at:
            entries.append({"at": ticket.resolved_at, "kind": "ticket.resolved", "title": f"已解决 · {ticket.number}",
                            "detail": None, "ref_type": "ticket", "ref_id": ticket.id})
    return entries


SOURCES = [_file_opened, _ownerships, _tickets]


def collect(session: Session, *, actor: Actor, customer: Customer) -> list[dict]:
    entries: list[dict] = []
    for source in SOURCES:
        entries.extend(source(session, customer, actor))
    return entries
