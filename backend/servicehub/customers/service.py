"""Customer files (一户一档): create, find in seconds, mask personal data, keep the stage current."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import and_, cast, false, func, not_, or_, select, text, union_all, update
from sqlalchemy.orm import Session, selectinload

from servicehub.access import Actor, Perm, require
from servicehub.audit.service import record
from servicehub.customers.identity import mask_phone
from servicehub.customers.lifecycle import compute_stage
from servicehub.customers.models import Customer, CustomerPhone, CustomerScope, Stage
from servicehub.db import utcnow
from servicehub.errors import Conflict, Forbidden, Invalid
from servicehub.extensions import MAX_OFFSET
from servicehub.orgs.models import OrgUnit, OrgUnitKind
from servicehub.properties.models import Ownership, Property, Relation
from servicehub.scoping import get_scoped, reachable_unit, scoped, select_scoped

_LOAD = (selectinload(Customer.phones), selectinload(Customer.scopes))
UNIT_QUERY = re.compile(r"^\s*([0-9A-Za-z]+)\s*[-－—#栋幢号]\s*([0-9A-Za-z]+)\s*[-－—单元]*\s*([0-9A-Za-z]+)\s*室?\s*$")


# --- reading ---------------------------------------------------------------------------------------


def _mask(actor: Actor, customers: list[Customer], *, reveal: bool = False) -> list[Customer]:
    """Personal data (phone, ID number) is masked in every answer unless `reveal` asks for it:
    `pii_revealable` says whether the caller may ask (customer.pii in one of the customer's units)."""
    pii = actor.reach(Perm.customer_pii)
    for customer in customers:
        customer.pii_revealable = any(s.org_unit_id in pii for s in customer.scopes)
        customer.pii_visible = reveal and customer.pii_revealable
        for phone in customer.phones:
            phone.pii_visible = customer.pii_visible
    return customers


def search_clause(q: str, *, postgresql: bool = False):
    """`q` is a phone (full or last 4 digits), a unit like 3-2-1201, or a name (prefix or part)."""
    return or_(*search_branches(q, postgresql=postgresql))


def search_branches(q: str, *, postgresql: bool = False) -> list:
    """`search_clause` as disjoint alternatives (a customer matches at most one), so that their
    matches add up with UNION ALL, each branch an index scan of its own."""
    from servicehub.customers.identity import normalise_phone, phone_error

    q = q.strip()
    digits = re.sub(r"[\s\-]", "", q)
    if digits.isdigit() and len(digits) == 4:
        return [Customer.id.in_(select(CustomerPhone.customer_id).where(CustomerPhone.last4 == digits))]
    unit = UNIT_QUERY.match(q)
    # 7+ digits are a phone, unless they read as a unit and not as a phone: 12-3-1502 is a unit,
    # 138-1234-5678 a phone.
    if digits.isdigit() and len(digits) >= 7 and (unit is None or phone_error(normalise_phone(q)) is None):
        return [Customer.id.in_(select(CustomerPhone.customer_id).where(CustomerPhone.phone == normalise_phone(q)))]
    if unit:
        building, unit_no, room = unit.groups()
        owners = (
            select(Ownership.customer_id)
            .join(Property, Property.id == Ownership.property_id)
            .where(Property.building == building, Property.unit == unit_no, Property.room == room)
        )
        return [Customer.id.in_(owners)]
    if len(q) >= PARTIAL_MIN:
        # Anywhere in the name: this also covers the name and the given name from their start.
        # (No index serves it for the app's role: LIKE is not leakproof, see `starts_with`.)
        return [Customer.name.like(f"%{escape_like(q)}%", escape="\\")]
    # Full name from its start ("张伟"), or the given name after a one-character surname ("伟明"):
    # both are b-tree prefix lookups.
    by_name = starts_with(Customer.name, q, postgresql=postgresql)
    return [by_name, and_(starts_with(Customer.given_name, q, postgresql=postgresql), not_(by_name))]


PARTIAL_MIN = 3  # pg_trgm needs three characters


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(column, prefix: str, *, postgresql: bool):
    """`column` starts with `prefix`, as an index range scan.

    On PostgreSQL this is `^@` (starts_with), not LIKE: the app's role is under row-level security,
    and there the planner turns only leakproof operators into index conditions. LIKE is not
    leakproof, starts_with is; a LIKE prefix would read every customer of the tenant."""
    if postgresql:
        return column.op("^@", is_comparison=True)(prefix)
    return column.like(f"{escape_like(prefix)}%", escape="\\")


def tag_clause(session: Session, tag: str):
    """Customers carrying `tag` in their JSON list of tags."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB

        # The list itself: JSONB's bind processor serialises it (a pre-serialised string would be
        # encoded again, as one JSON string, and match nothing).
        return cast(Customer.tags, JSONB).contains([tag])
    return text("EXISTS (SELECT 1 FROM json_each(customers.tags) WHERE json_each.value = :tag)").bindparams(tag=tag)


def list_customers(session: Session, *, actor: Actor, pagination, q=None, stage=None, tier=None,
                   org_unit_id=None, tag=None, kind=None) -> list[Customer]:
    postgresql = session.get_bind().dialect.name == "postgresql"
    stmt = select_scoped(Customer, actor, Perm.customer_read)
    if stage is not None:
        stmt = stmt.where(Customer.stage == stage)
    if tier is not None:
        stmt = stmt.where(Customer.tier == tier)
    if kind is not None:
        stmt = stmt.where(Customer.kind == kind)
    if org_unit_id is not None:
        # The unit and every unit below it (a region: its projects), within the caller's reach.
        units = actor.subtree(org_unit_id) & actor.reach(Perm.customer_read)
        stmt = stmt.where(Customer.scope_clause(sorted(units)) if units else false())
    if tag:
        stmt = stmt.where(tag_clause(session, tag))
    branches = search_branches(q, postgresql=postgresql) if q else []
    # Confined to some projects: a search's matches are bounded by the scope (see `_page`).
    confined = org_unit_id is not None or not actor.reaches_everything(Perm.customer_read)
    customers = _page(session, stmt, branches, pagination, postgresql=postgresql, confined=confined)
    return _mask(actor, customers)


NARROW = 5_000  # up to this many matches, a page is sorted from the matches (see `_page`)


def _page(session: Session, stmt, branches: list, pagination, *, postgresql: bool, confined: bool) -> list[Customer]:
    """The page of `stmt` (customers, newest first) matching one of the disjoint `branches`, and
    the total for X-Pagination: one count and one page, as `paginate_query`, in shapes that hold
    at a million customers.

    * The count adds up the counts of the branches, each an index-only scan where the indexes
      cover it, rather than counting one OR, which reads every matching row (80,000 for a common
      surname). (With a confined caller, see the last point, it counts their UNION ALL.)
    * The page: with many matches, PostgreSQL reads the primary key backwards and stops after a
      page. With few, that walk would cover most of the table before it has a page (all of it
      with fewer matches than a page), and the planner cannot tell the cases apart (it misjudges
      a name prefix tenfold, and a prefix within a project's scope more), so the matches, known
      exactly by now, are collected and sorted (PostgreSQL; SQLite databases are small).
    * A search by a caller confined to some projects is counted and paged in one pass over its
      matches, which the scope bounds: the count has to join every customer matching the search
      in the tenant with the scope, and doing that again for the page would double the cost."""
    ids = stmt.with_only_columns(Customer.id)
    matching = union_all(*(ids.where(b) for b in branches)) if len(branches) > 1 else ids.where(*branches)
    offset, size = (pagination.page - 1) * pagination.page_size, pagination.page_size
    page_ids = None
    if postgresql and branches and confined:
        matches = matching.cte("matches").prefix_with("MATERIALIZED")
        total, page_ids = session.execute(select(
            select(func.count()).select_from(matches).scalar_subquery(),
            func.array(select(matches.c.id).order_by(matches.c.id.desc()).offset(offset).limit(size)
                       .scalar_subquery()),
        )).one()
    else:
        counts = [select(func.count()).select_from(ids.where(b).subquery()).scalar_subquery() for b in branches]
        total = session.scalar(select(sum(counts[1:], counts[0])) if counts
                               else select(func.count()).select_from(ids.subquery()))
    pagination.item_count = total
    if offset >= min(total or 0, MAX_OFFSET):
        return []
    if page_ids is None and postgresql and total <= NARROW:
        matches = matching.cte("matches").prefix_with("MATERIALIZED")  # not inlined into the page query
        page_ids = select(matches.c.id).order_by(matches.c.id.desc()).offset(offset).limit(size)
    if page_ids is not None:
        page = select(Customer).where(Customer.id.in_(page_ids))
    else:
        page = (stmt.where(or_(*branches)) if branches else stmt).offset(offset).limit(size)
    return list(session.scalars(page.order_by(Customer.id.desc()).options(*_LOAD)))


def _load(session: Session, actor: Actor, customer_id: int) -> Customer:
    return get_scoped(session, Customer, customer_id, actor, Perm.customer_read, options=_LOAD)


def get_customer(session: Session, *, actor: Actor, customer_id: int, reveal: bool = False) -> Customer:
    """The customer file, personal data masked; `reveal` unmasks it for a caller holding customer.pii
    in one of the customer's units (403 otherwise) and writes that read to the audit log."""
    customer = _mask(actor, [_load(session, actor, customer_id)], reveal=reveal)[0]
    if reveal:
        if not customer.pii_revealable:
            raise Forbidden("Missing permission customer.pii for this customer.")
        record(session, tenant_id=actor.tenant_id, actor=actor, action="customer.pii_viewed",
               target_type="customer", target_id=customer.id, details={"customer_ids": [customer.id]})
        session.commit()
    return customer


def list_holdings(session: Session, *, actor: Actor, customer_id: int) -> list[dict]:
    """The units the customer holds or held (current relations first), each with the relation and
    its project; units of projects outside the caller's reach are left out. Two statements."""
    customer = get_scoped(session, Customer, customer_id, actor, Perm.customer_read)
    stmt = scoped(select(Ownership, Property).join(Property, Property.id == Ownership.property_id), Property, actor,
                  Perm.customer_read).where(Ownership.customer_id == customer.id)
    stmt = stmt.order_by(Ownership.until.is_not(None), Ownership.until.desc(), Property.org_unit_id, Property.building,
                         Property.unit, Property.room, Ownership.id)
    return [{"ownership": ownership, "property": prop, "project_name": actor.units[prop.org_unit_id].name}
            for ownership, prop in session.execute(stmt)]


# --- writing ---------------------------------------------------------------------------------------


def _ensure_phones_free(session: Session, actor: Actor, phones: list[str], *,
                        exclude_customer: int | None = None) -> None:
    """409 when a number is on another file of the group (one file per household). The answer names
    that file only when the caller may read it: a file of another project or region stays unknown."""
    stmt = select(CustomerPhone.phone, CustomerPhone.customer_id).where(CustomerPhone.phone.in_(phones))
    if exclude_customer is not None:
        stmt = stmt.where(CustomerPhone.customer_id != exclude_customer)
    taken = session.execute(stmt).first()
    if taken is None:
        return
    errors = {"phone": ["Already belongs to another customer file."]}
    message = f"A customer file with phone {mask_phone(taken.phone)} already exists"
    readable = select_scoped(Customer, actor, Perm.customer_read).with_only_columns(Customer.id)
    if session.scalar(readable.where(Customer.id == taken.customer_id)) is not None:
        errors["existing_customer_id"] = [str(taken.customer_id)]
        message += f": customer {taken.customer_id}"
    raise Conflict(message + ".", errors=errors)


def _opening_unit(session: Session, actor: Actor, org_unit_id: int) -> OrgUnit:
    unit = reachable_unit(session, actor, org_unit_id, Perm.customer_write)
    if unit.kind == OrgUnitKind.hq:
        raise Invalid("A customer file is opened by a project or a region.",
                      errors={"org_unit_id": ["Must be a project or a region."]})
    return unit


def create_customer(session: Session, *, actor: Actor, org_unit_id: int, name: str, phone: str,
                    phones: list[str] = (), **fields) -> Customer:
    unit = _opening_unit(session, actor, org_unit_id)
    numbers = [phone] + [p for p in phones if p != phone]
    if len(set(numbers)) != len(numbers):
        raise Invalid("A phone is listed twice.", errors={"phones": ["Duplicate number."]})
    _ensure_phones_free(session, actor, numbers)
    customer = Customer(tenant_id=actor.tenant_id, org_unit_id=unit.id, name=name, phone=phone, **fields)
    customer.phones = [CustomerPhone(tenant_id=actor.tenant_id, phone=p, last4=p[-4:], is_primary=p == phone)
                       for p in numbers]
    customer.scopes = [CustomerScope(tenant_id=actor.tenant_id, org_unit_id=unit.id)]
    customer.stage = compute_stage(handovers=[], holds_units=False, is_lost=bool(fields.get("is_lost")),
                                   today=date.today())
    session.add(customer)
    session.commit()
    return get_customer(session, actor=actor, customer_id=customer.id)


def _require_write(actor: Actor, customer: Customer) -> None:
    if not any(actor.can(Perm.customer_write, s.org_unit_id) for s in customer.scopes):
        require(actor, Perm.customer_write, customer.org_unit_id)


def update_customer(session: Session, *, actor: Actor, customer_id: int, changes: dict) -> Customer:
    customer = _load(session, actor, customer_id)
    _require_write(actor, customer)
    phones = changes.pop("phones", None)
    phone = changes.pop("phone", customer.phone)
    if phones is not None or phone != customer.phone:
        numbers = [phone] + [p for p in (phones if phones is not None else [x.phone for x in customer.phones]) if p != phone]
        _ensure_phones_free(session, actor, numbers, exclude_customer=customer.id)
        customer.phone = phone
        # Numbers kept are updated in place: a kept number deleted and inserted again in one flush
        # would meet itself in the unique (tenant_id, phone) index (inserts run before deletes).
        kept = {p.phone: p for p in customer.phones}
        customer.phones = [kept.get(p) or CustomerPhone(tenant_id=customer.tenant_id, phone=p, last4=p[-4:])
                           for p in numbers]
        for row in customer.phones:
            row.is_primary = row.phone == phone
    for key, value in changes.items():
        setattr(customer, key, value)
    if "is_lost" in changes:
        refresh_customer_stage(session, customer=customer, today=date.today())
    session.commit()
    return get_customer(session, actor=actor, customer_id=customer.id)


# --- lifecycle ---------------------------------------------------------------------------------------

_OWNING = (Relation.owner, Relation.co_owner)


def refresh_customer_stage(session: Session, *, customer: Customer, today: date) -> Stage:
    handovers = session.execute(
        select(Property.handover_date)
        .join(Ownership, Ownership.property_id == Property.id)
        .where(Ownership.customer_id == customer.id, Ownership.relation.in_(_OWNING), Ownership.until.is_(None))
    ).scalars().all()
    customer.stage = compute_stage(handovers=list(handovers), holds_units=bool(handovers),
                                   is_lost=customer.is_lost, today=today)
    return customer.stage


def refresh_stages(session: Session, *, tenant_id: int, today: date, batch: int = 5000,
                   customer_ids=None) -> int:
    """Recompute the stage of every customer of a tenant (the daily job), or of `customer_ids` only
    (after an import); returns how many changed. A few set-based statements per `batch` customers."""
    if customer_ids is None:
        changed = _refresh_stages(session, tenant_id=tenant_id, today=today, batch=batch, ids=None)
    else:
        ids = sorted(set(customer_ids))
        changed = sum(_refresh_stages(session, tenant_id=tenant_id, today=today, batch=batch,
                                      ids=ids[start:start + batch]) for start in range(0, len(ids), batch))
    session.commit()
    return changed


def _refresh_stages(session: Session, *, tenant_id: int, today: date, batch: int, ids) -> int:
    held = (
        select(Ownership.customer_id.label("customer_id"),
               func.count().label("units"),
               func.min(Property.handover_date).filter(Property.handover_date <= today).label("first_handover"))
        .join(Property, Property.id == Ownership.property_id)
        .where(Ownership.tenant_id == tenant_id, Ownership.relation.in_(_OWNING), Ownership.until.is_(None))
        .group_by(Ownership.customer_id)
    )
    customers = select(Customer.id, Customer.stage, Customer.is_lost).where(Customer.tenant_id == tenant_id)
    if ids is not None:
        held = held.where(Ownership.customer_id.in_(ids))
        customers = customers.where(Customer.id.in_(ids))
    held = held.subquery()
    rows = session.execute(
        customers.add_columns(held.c.units, held.c.first_handover).outerjoin(held, held.c.customer_id == Customer.id)
    ).all()
    changes: dict[Stage, list[int]] = {}
    for row in rows:
        stage = compute_stage(handovers=[row.first_handover], holds_units=bool(row.units),
                              is_lost=row.is_lost, today=today)
        if stage != row.stage:
            changes.setdefault(stage, []).append(row.id)
    changed = 0
    for stage, changed_ids in changes.items():
        for start in range(0, len(changed_ids), batch):
            chunk = changed_ids[start:start + batch]
            session.execute(update(Customer).where(Customer.id.in_(chunk)).values(stage=stage, updated_at=utcnow()))
            changed += len(chunk)
    return changed


# --- timeline ------------------------------------------------------------------------------------------


def timeline(session: Session, *, actor: Actor, customer_id: int, pagination) -> list[dict]:
    """Everything that happened with the customer, newest first. Each domain adds its source here."""
    customer = _load(session, actor, customer_id)
    from servicehub.customers.timeline import collect

    entries = collect(session, actor=actor, customer=customer)
    entries.sort(key=lambda e: (e["at"], e["kind"]), reverse=True)
    pagination.item_count = len(entries)
    start = (pagination.page - 1) * pagination.page_size
    return entries[start:start + pagination.page_size]


# --- import ---------------------------------------------------------------------------------------------

SYNC_MAX_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def start_import(session: Session, *, actor: Actor, org_unit_id: int, filename: str, content: bytes,
                 skip_invalid: bool = False, dry_run: bool = False):
    """Store the upload as an import job, then run it here (small file, or no Redis) or on the queue."""
    from flask import current_app

    from servicehub.customers.imports import ImportJob
    from servicehub.customers.jobs import run_import
    from servicehub.jobs import outbox

    unit = _opening_unit(session, actor, org_unit_id)
    if unit.kind != OrgUnitKind.project:
        raise Invalid("Customers and their units are imported into a project.",
                      errors={"org_unit_id": ["Must be a project."]})
    if not filename.lower().endswith((".csv", ".xlsx")):
        raise Invalid("Upload a .csv or .xlsx file.", errors={"file": ["Only .csv and .xlsx."]})
    if len(content) > MAX_UPLOAD_BYTES:
        raise Invalid("The file is larger than 20 MB.", errors={"file": ["Too large."]})
    job = ImportJob(tenant_id=actor.tenant_id, org_unit_id=unit.id, created_by_id=actor.id, filename=filename[:255],
                    content=content, skip_invalid=skip_invalid, dry_run=dry_run)
    session.add(job)
    queued = len(content) > SYNC_MAX_BYTES and current_app.extensions.get("servicehub.redis") is not None
    if queued:
        # Through the outbox, in this transaction: with Redis down the job still goes out later.
        session.flush()
        outbox.emit(session, tenant_id=actor.tenant_id, queue="default", created_by_id=actor.id,
                    handler="servicehub.customers.jobs.import_from_outbox", job_id=job.id)
    session.commit()
    job_id = job.id
    if not queued:
        run_import(actor.tenant_id, job_id)
    session.expire_all()
    return get_import(session, actor=actor, job_id=job_id)


def get_import(session: Session, *, actor: Actor, job_id: int):
    from servicehub.customers.imports import ImportJob

    return get_scoped(session, ImportJob, job_id, actor, Perm.customer_write)
