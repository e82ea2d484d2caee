"""Units (房产) of projects, bulk creation for a building, and who owns or lives in them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from servicehub.access import Actor, Perm, require
from servicehub.customers.models import Customer, CustomerScope
from servicehub.customers.service import refresh_customer_stage
from servicehub.errors import Conflict, Invalid, NotFound
from servicehub.extensions import paginate_query
from servicehub.orgs.models import OrgUnit, OrgUnitKind
from servicehub.properties.models import Ownership, Property, Relation
from servicehub.scoping import get_scoped, reachable_unit, select_scoped

MAX_BULK = 2000


def _project(session: Session, actor: Actor, org_unit_id: int) -> OrgUnit:
    unit = reachable_unit(session, actor, org_unit_id, Perm.customer_write)
    if unit.kind != OrgUnitKind.project:
        raise Invalid("Units belong to a project.", errors={"org_unit_id": ["Must be a project."]})
    return unit


def list_properties(session: Session, *, actor: Actor, pagination, org_unit_id=None, building=None, unit=None,
                    room=None, handed_over=None) -> list[Property]:
    stmt = select_scoped(Property, actor, Perm.customer_read)
    for column, value in ((Property.org_unit_id, org_unit_id), (Property.building, building),
                          (Property.unit, unit), (Property.room, room)):
        if value is not None:
            stmt = stmt.where(column == value)
    if handed_over is not None:
        stmt = stmt.where(Property.handover_date.is_not(None) if handed_over else Property.handover_date.is_(None))
    order = (Property.org_unit_id, Property.building, Property.unit, Property.room)
    return paginate_query(session, stmt.order_by(*order), pagination)


def get_property(session: Session, *, actor: Actor, property_id: int) -> Property:
    return get_scoped(session, Property, property_id, actor, Perm.customer_read)


def create_property(session: Session, *, actor: Actor, org_unit_id: int, building: str, unit: str, room: str,
                    **fields) -> Property:
    project = _project(session, actor, org_unit_id)
    exists = session.scalar(select(Property.id).where(
        Property.org_unit_id == project.id, Property.building == building, Property.unit == unit, Property.room == room))
    if exists is not None:
        raise Conflict(f"Unit {building}-{unit}-{room} already exists in this project (property {exists}).",
                       errors={"room": ["Already exists."]})
    prop = Property(tenant_id=actor.tenant_id, org_unit_id=project.id, building=building, unit=unit, room=room, **fields)
    session.add(prop)
    session.commit()
    return prop


def bulk_create(session: Session, *, actor: Actor, org_unit_id: int, building: str, units: list[str],
                floor_from: int, floor_to: int, rooms_per_floor: int, **fields) -> dict:
    """A whole building at once: rooms are numbered floor + two digits (1201 = floor 12, room 1).
    Units that already exist are left as they are and reported."""
    project = _project(session, actor, org_unit_id)
    if floor_to < floor_from:
        raise Invalid("The top floor is below the first floor.", errors={"floor_to": ["Below floor_from."]})
    wanted = [(u, f"{floor}{room:02d}", floor) for u in units for floor in range(floor_from, floor_to + 1)
              for room in range(1, rooms_per_floor + 1)]
    if len(wanted) > MAX_BULK:
        raise Invalid(f"At most {MAX_BULK} units per call; this would create {len(wanted)}.",
                      errors={"rooms_per_floor": [f"Too many units ({len(wanted)})."]})
    existing = set(session.execute(
        select(Property.unit, Property.room).where(Property.org_unit_id == project.id, Property.building == building,
                                                   tuple_(Property.unit, Property.room).in_([(u, r) for u, r, _ in wanted]))
    ).all())
    created = [Property(tenant_id=actor.tenant_id, org_unit_id=project.id, building=building, unit=u, room=r,
                        floor=floor, **fields)
               for u, r, floor in wanted if (u, r) not in existing]
    session.add_all(created)
    session.commit()
    return {"created": len(created), "skipped": sorted(f"{building}-{u}-{r}" for u, r in existing)}


def update_property(session: Session, *, actor: Actor, property_id: int, changes: dict) -> Property:
    prop = get_property(session, actor=actor, property_id=property_id)
    require(actor, Perm.customer_write, prop.org_unit_id)
    for key, value in changes.items():
        setattr(prop, key, value)
    if "handover_date" in changes:
        owners = session.scalars(select(Customer).join(Ownership, Ownership.customer_id == Customer.id)
                                 .where(Ownership.property_id == prop.id)).all()
        for customer in owners:
            refresh_customer_stage(session, customer=customer, today=date.today())
    session.commit()
    return prop


def list_owners(session: Session, *, actor: Actor, property_id: int) -> list[Ownership]:
    prop = get_property(session, actor=actor, property_id=property_id)
    return list(session.scalars(select(Ownership).where(Ownership.property_id == prop.id).order_by(Ownership.id)))


def add_owner(session: Session, *, actor: Actor, property_id: int, relation: Relation,
              customer_id: int | None = None, phone: str | None = None, since: date | None = None) -> Ownership:
    """Link a customer to a unit. A customer whose file another project opened is named by phone:
    knowing the number is what lets this project's desk link (and then see) the file."""
    prop = get_property(session, actor=actor, property_id=property_id)
    require(actor, Perm.customer_write, prop.org_unit_id)
    if (customer_id is None) == (phone is None):
        raise Invalid("Name the customer by customer_id or by phone.", errors={"customer_id": ["Give one of customer_id, phone."]})
    if customer_id is not None:
        customer = get_scoped(session, Customer, customer_id, actor, Perm.customer_read)
    else:
        from servicehub.customers.models import CustomerPhone

        customer = session.scalars(select(Customer).join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
                                   .where(CustomerPhone.phone == phone)).one_or_none()
        if customer is None:
            raise NotFound("No customer file has this phone.")
    active = session.scalar(select(Ownership.id).where(
        Ownership.property_id == prop.id, Ownership.customer_id == customer.id, Ownership.relation == relation,
        Ownership.until.is_(None)))
    if active is not None:
        raise Conflict("The customer already holds this relation to the unit.", errors={"relation": ["Already held."]})
    ownership = Ownership(tenant_id=prop.tenant_id, customer_id=customer.id, property_id=prop.id,
                          org_unit_id=prop.org_unit_id, relation=relation, since=since or date.today())
    session.add(ownership)
    if session.get(CustomerScope, (customer.id, prop.org_unit_id)) is None:
        session.add(CustomerScope(tenant_id=prop.tenant_id, customer_id=customer.id, org_unit_id=prop.org_unit_id))
    session.flush()
    refresh_customer_stage(session, customer=customer, today=date.today())
    session.commit()
    return ownership


def end_ownership(session: Session, *, actor: Actor, property_id: int, ownership_id: int, until: date | None = None) -> Ownership:
    """End a relation (sold, moved out); the record stays for the customer's history."""
    prop = get_property(session, actor=actor, property_id=property_id)
    require(actor, Perm.customer_write, prop.org_unit_id)
    ownership = session.scalars(select(Ownership).where(Ownership.id == ownership_id, Ownership.property_id == prop.id)).one_or_none()
    if ownership is None:
        raise NotFound(f"Ownership {ownership_id} not found.")
    if ownership.until is not None:
        raise Conflict("This relation has already ended.")
    ownership.until = until or date.today()
    if ownership.since and ownership.until < ownership.since:
        raise Invalid("A relation cannot end before it started.", errors={"until": ["Before since."]})
    session.flush()
    refresh_customer_stage(session, customer=session.get(Customer, ownership.customer_id), today=date.today())
    session.commit()
    return ownership
