"""Import customers and their units from the spreadsheets sales teams keep (CSV or XLSX).

Every row is validated first. Without `skip_invalid` one bad row rejects the whole file and nothing
is written; with it the good rows are imported and the bad ones reported. Small files are imported
inside the request; large ones become a job on the queue, with progress on the job row. The upload
itself is stored with the job, so a Redis or worker failure loses nothing: the job can run again.
"""

from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import JSON, Enum, ForeignKey, Integer, LargeBinary, String, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from servicehub.customers.identity import id_number_error, normalise_phone, phone_error
from servicehub.customers.models import Customer, CustomerKind, CustomerPhone, CustomerScope, SourceChannel, Stage, Tier
from servicehub.db import Base, Timestamps, UnitOwned, utcnow
from servicehub.properties.models import Ownership, Property, Relation

SYNC_MAX_ROWS = 500
MAX_ROWS = 200_000
MAX_REPORTED_ERRORS = 1000


class ImportStatus(str, enum.Enum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"  # every row (or every good row, with skip_invalid) imported
    rejected = "rejected"  # bad rows and no skip_invalid: nothing imported
    validated = "validated"  # dry run finished
    failed = "failed"  # the file could not be read, or the job crashed


class ImportJob(Timestamps, UnitOwned, Base):
    __tablename__ = "customer_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    skip_invalid: Mapped[bool] = mapped_column(default=False)
    dry_run: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, name="import_status", native_enum=False, length=20), default=ImportStatus.queued)
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    imported_rows: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    message: Mapped[str | None] = mapped_column(String(500))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def progress(self) -> float:
        return round(self.processed_rows / self.total_rows, 4) if self.total_rows else 0.0


# Column headers as sales sheets write them (Chinese or English), mapped to fields.
HEADERS = {
    "name": ("name", "姓名", "客户姓名", "客户名称"),
    "phone": ("phone", "mobile", "手机", "手机号", "手机号码", "联系电话", "电话"),
    "id_number": ("id_number", "证件号码", "身份证号", "身份证号码"),
    "email": ("email", "邮箱", "电子邮箱"),
    "kind": ("kind", "客户类型", "类型"),
    "tier": ("tier", "客户等级", "等级"),
    "building": ("building", "楼栋", "栋", "楼号"),
    "unit": ("unit", "单元"),
    "room": ("room", "房号", "房间号"),
    "floor_area": ("floor_area", "面积", "建筑面积"),
    "handover_date": ("handover_date", "交付日期", "交房日期"),
    "relation": ("relation", "关系", "产权关系"),
}
ALIASES = {alias.lower(): key for key, names in HEADERS.items() for alias in names}
KIND_VALUES = {"person": CustomerKind.person, "个人": CustomerKind.person, "company": CustomerKind.company,
               "企业": CustomerKind.company, "公司": CustomerKind.company}
TIER_VALUES = {"normal": Tier.normal, "普通": Tier.normal, "vip": Tier.vip, "key_account": Tier.key_account,
               "大客户": Tier.key_account}
RELATION_VALUES = {"owner": Relation.owner, "业主": Relation.owner, "co_owner": Relation.co_owner,
                   "共有人": Relation.co_owner, "resident": Relation.resident, "住户": Relation.resident}


class FileError(Exception):
    """The file as a whole cannot be read."""


def read_rows(filename: str, content: bytes) -> list[dict]:
    """Rows as dicts keyed by field name; unknown columns are ignored."""
    if filename.lower().endswith(".xlsx"):
        raw = _xlsx_rows(content)
    elif filename.lower().endswith(".csv"):
        raw = _csv_rows(content)
    else:
        raise FileError("Upload a .csv or .xlsx file.")
    if not raw:
        raise FileError("The file is empty.")
    header = [ALIASES.get(str(h or "").strip().lower()) for h in raw[0]]
    missing = {"name", "phone"} - set(header)
    if missing:
        raise FileError(f"Missing column(s): {', '.join(sorted(missing))} (e.g. 姓名, 手机).")
    rows = []
    for values in raw[1:]:
        if all(v in (None, "") for v in values):
            continue
        rows.append({key: values[i] for i, key in enumerate(header) if key and i < len(values)})
    if len(rows) > MAX_ROWS:
        raise FileError(f"At most {MAX_ROWS} rows per file.")
    return rows


def _csv_rows(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError("The CSV is neither UTF-8 nor GBK text.")
    return [row for row in csv.reader(io.StringIO(text))]


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook
        raise FileError("The XLSX file cannot be read.") from exc
    sheet = workbook.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


@dataclass
class Row:
    number: int  # 1-based line in the sheet, header included
    name: str
    phone: str
    kind: CustomerKind = CustomerKind.person
    tier: Tier = Tier.normal
    id_number: str | None = None
    email: str | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    floor_area: Decimal | None = None
    handover_date: date | None = None
    relation: Relation = Relation.owner
    errors: list = field(default_factory=list)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_row(number: int, raw: dict) -> Row:
    errors = []
    name = _text(raw.get("name"))
    phone = normalise_phone(_text(raw.get("phone")))
    if not name:
        errors.append(("name", "Missing name."))
    elif len(name) > 120 or "\x00" in name:
        errors.append(("name", "Name is too long (120 characters at most)."))
    if not phone:
        errors.append(("phone", "Missing phone."))
    elif phone_error(phone):
        errors.append(("phone", phone_error(phone)))
    row = Row(number=number, name=name, phone=phone)
    for key, table in (("kind", KIND_VALUES), ("tier", TIER_VALUES), ("relation", RELATION_VALUES)):
        value = _text(raw.get(key)).lower()
        if value:
            if value not in table:
                errors.append((key, f"Unknown value {value!r}."))
            else:
                setattr(row, key, table[value])
    id_number = _text(raw.get("id_number")).upper() or None
    if id_number:
        error = id_number_error(id_number, company=row.kind == CustomerKind.company)
        if error:
            errors.append(("id_number", error))
        row.id_number = id_number
    email = _text(raw.get("email")) or None
    if email and ("@" not in email or len(email) > 254):
        errors.append(("email", "Not an email address."))
    row.email = email
    location = [_text(raw.get(k)) for k in ("building", "unit", "room")]
    if any(location):
        if not all(location):
            errors.append(("room", "Give building, unit and room together."))
        elif any(len(v) > 20 or not v.isalnum() for v in location):
            errors.append(("room", "Building, unit and room are letters and digits (20 at most)."))
        row.building, row.unit, row.room = location
    area = _text(raw.get("floor_area"))
    if area:
        try:
            row.floor_area = Decimal(area).quantize(Decimal("0.01"))
            if not 0 < row.floor_area < 100000:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(("floor_area", "Not a floor area in m²."))
    handover = raw.get("handover_date")
    if handover not in (None, ""):
        if isinstance(handover, datetime):
            row.handover_date = handover.date()
        elif isinstance(handover, date):
            row.handover_date = handover
        else:
            try:
                row.handover_date = date.fromisoformat(_text(handover).replace("/", "-"))
            except ValueError:
                errors.append(("handover_date", "Not a date (YYYY-MM-DD)."))
    row.errors = [{"row": number, "field": f, "message": m} for f, m in errors]
    return row


def _check_consistency(session: Session, rows: list[Row]) -> dict[str, int]:
    """Rows sharing a phone are one customer (one owner, several units) and must agree on the name;
    a phone already on file must belong to a customer of that name. Returns phone → existing id."""
    first_name: dict[str, str] = {}
    for row in rows:
        if row.errors:
            continue
        seen = first_name.setdefault(row.phone, row.name)
        if seen != row.name:
            row.errors.append({"row": row.number, "field": "phone",
                               "message": f"This phone appears above with another name ({seen})."})
    existing: dict[str, tuple[int, str]] = {}
    phones = sorted(first_name)
    for start in range(0, len(phones), 1000):
        chunk = phones[start:start + 1000]
        for phone, customer_id, name in session.execute(
            select(CustomerPhone.phone, Customer.id, Customer.name)
            .join(Customer, Customer.id == CustomerPhone.customer_id).where(CustomerPhone.phone.in_(chunk))
        ):
            existing[phone] = (customer_id, name)
    for row in rows:
        if not row.errors and row.phone in existing and existing[row.phone][1] != row.name:
            row.errors.append({"row": row.number, "field": "phone",
                               # Not named: the file may be in a project the importer does not reach.
                               "message": "This phone is on file for a customer of another name."})
    return {phone: customer_id for phone, (customer_id, _name) in existing.items()}


def run(session: Session, job: ImportJob, *, batch: int = 1000) -> ImportJob:
    """Validate and import `job`'s file. Commits progress as it goes; idempotent per job."""
    from servicehub.customers.service import refresh_stages

    if job.status not in (ImportStatus.queued, ImportStatus.running):
        return job  # already done: running a job twice has one effect
    job.status, job.started_at = ImportStatus.running, utcnow()
    session.commit()
    try:
        raw_rows = read_rows(job.filename, job.content)
    except FileError as exc:
        return _finish(session, job, ImportStatus.failed, message=str(exc))
    rows = [parse_row(i + 2, raw) for i, raw in enumerate(raw_rows)]
    job.total_rows = len(rows)
    existing = _check_consistency(session, rows)
    errors = [e for row in rows for e in row.errors]
    job.error_count = len(errors)
    job.errors = errors[:MAX_REPORTED_ERRORS]
    if job.dry_run:
        job.processed_rows = len(rows)
        return _finish(session, job, ImportStatus.validated)
    if errors and not job.skip_invalid:
        job.processed_rows = len(rows)
        return _finish(session, job, ImportStatus.rejected,
                       message=f"{len(errors)} problem(s) found: nothing was imported.")
    good = [row for row in rows if not row.errors]
    customers = dict(existing)
    properties: dict[tuple[str, str, str], list] = {}
    touched: set[int] = set()
    for start in range(0, len(good), batch):
        chunk = good[start:start + batch]
        _import_chunk(session, job, chunk, customers, properties, touched)
        job.processed_rows = min(len(rows), start + len(chunk) + len(errors))
        job.imported_rows += len(chunk)
        session.commit()
    refresh_stages(session, tenant_id=job.tenant_id, today=date.today(), customer_ids=touched, batch=batch)
    job.processed_rows = len(rows)
    return _finish(session, job, ImportStatus.succeeded)


def _import_chunk(session, job, rows, customers, properties, touched) -> None:
    """Write one chunk with a few set-based statements per table (bulk INSERTs, no ORM objects):
    10,000 rows are seconds, not minutes. `customers` maps phone → id and `properties` maps
    (building, unit, room) → [id, handover_date], both across chunks."""
    tenant_id, unit_id = job.tenant_id, job.org_unit_id
    # NULLs rendered as such: otherwise every change in which values are missing (an ID number on
    # one row, none on the next) starts another INSERT, one statement per row at worst.
    bulk = {"render_nulls": True}
    fresh: dict[str, Row] = {}
    for row in rows:
        if row.phone not in customers:
            fresh.setdefault(row.phone, row)
    if fresh:
        created = session.execute(insert(Customer).returning(Customer.id, Customer.phone), [
            {"tenant_id": tenant_id, "org_unit_id": unit_id, "name": r.name, "phone": r.phone, "kind": r.kind,
             "tier": r.tier, "id_number": r.id_number, "email": r.email, "source_channel": SourceChannel.import_,
             "tags": [], "stage": Stage.prospect, "is_lost": False} for r in fresh.values()],
            execution_options=bulk)
        customers.update({phone: customer_id for customer_id, phone in created})
        session.execute(insert(CustomerPhone), [
            {"tenant_id": tenant_id, "customer_id": customers[phone], "phone": phone, "last4": phone[-4:],
             "is_primary": True} for phone in fresh])
        session.execute(insert(CustomerScope), [
            {"tenant_id": tenant_id, "customer_id": customers[phone], "org_unit_id": unit_id} for phone in fresh])

    located = [r for r in rows if r.building]
    keys = {(r.building, r.unit, r.room) for r in located} - set(properties)
    if keys:
        found = session.execute(select(Property.id, Property.building, Property.unit, Property.room,
                                       Property.handover_date)
                                .where(Property.org_unit_id == unit_id, Property.building.in_({k[0] for k in keys})))
        for prop_id, building, unit, room, handover in found:
            properties.setdefault((building, unit, room), [prop_id, handover])
    new_units: dict[tuple[str, str, str], Row] = {}
    for row in located:
        key = (row.building, row.unit, row.room)
        if key not in properties:
            new_units.setdefault(key, row)
    if new_units:
        created = session.execute(
            insert(Property).returning(Property.id, Property.building, Property.unit, Property.room), [
                {"tenant_id": tenant_id, "org_unit_id": unit_id, "building": r.building, "unit": r.unit,
                 "room": r.room, "floor_area": r.floor_area, "handover_date": r.handover_date}
                for r in new_units.values()], execution_options=bulk)
        for prop_id, building, unit, room in created:
            properties[(building, unit, room)] = [prop_id, new_units[(building, unit, room)].handover_date]
    for row in located:  # a later row may bring the handover date a unit did not have
        known = properties[(row.building, row.unit, row.room)]
        if row.handover_date and known[1] is None:
            known[1] = row.handover_date
            session.execute(update(Property).where(Property.id == known[0]).values(handover_date=row.handover_date))

    customer_ids = sorted({customers[r.phone] for r in located})
    held = set(session.execute(
        select(Ownership.customer_id, Ownership.property_id, Ownership.relation)
        .where(Ownership.customer_id.in_(customer_ids), Ownership.until.is_(None))
    ).all()) if customer_ids else set()
    scoped = set(session.execute(
        select(CustomerScope.customer_id).where(CustomerScope.customer_id.in_(customer_ids),
                                                CustomerScope.org_unit_id == unit_id)).scalars()) if customer_ids else set()
    ownerships, scopes = [], []
    for row in located:
        customer_id, prop_id = customers[row.phone], properties[(row.building, row.unit, row.room)][0]
        touched.add(customer_id)
        if (customer_id, prop_id, row.relation) in held:
            continue
        held.add((customer_id, prop_id, row.relation))
        ownerships.append({"tenant_id": tenant_id, "customer_id": customer_id, "property_id": prop_id,
                           "org_unit_id": unit_id, "relation": row.relation, "since": row.handover_date})
        if customer_id not in scoped:
            scoped.add(customer_id)
            scopes.append({"tenant_id": tenant_id, "customer_id": customer_id, "org_unit_id": unit_id})
    if ownerships:
        session.execute(insert(Ownership), ownerships, execution_options=bulk)
    if scopes:
        session.execute(insert(CustomerScope), scopes)


def _finish(session: Session, job: ImportJob, status: ImportStatus, message: str | None = None) -> ImportJob:
    job.status, job.finished_at = status, utcnow()
    if message:
        job.message = message[:500]
    session.commit()
    return job
