"""The customer timeline: every domain that records something about a customer adds a source here.

A source takes (session, customer) and returns entries {at, kind, title, detail, ref_type, ref_id}.
"""

from __future__ import annotations

from datetime import datetime, time, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicehub.access import Actor
from servicehub.customers.models import Customer
from servicehub.properties.models import Ownership, Property

RELATION_LABEL = {"owner": "业主", "co_owner": "共有人", "resident": "住户"}


def _day(d) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.utc)


def _file_opened(session: Session, customer: Customer) -> list[dict]:
    return [{"at": customer.created_at, "kind": "customer.created", "title": "建档 · customer file opened",
             "detail": None, "ref_type": "customer", "ref_id": customer.id}]


def _ownerships(session: Session, customer: Customer) -> list[dict]:
    rows = session.execute(
        select(Ownership, Property).join(Property, Property.id == Ownership.property_id)
        .where(Ownership.customer_id == customer.id)
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


SOURCES = [_file_opened, _ownerships]


def collect(session: Session, *, actor: Actor, customer: Customer) -> list[dict]:
    entries: list[dict] = []
    for source in SOURCES:
        entries.extend(source(session, customer))
    return entries
