"""`Idempotency-Key` on creates: a form submitted twice (a double click, a retry after a timeout)
creates one object. The key is remembered with the object it created, in the same transaction, so a
concurrent duplicate meets the unique index and answers with the first object."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from servicehub.db import Base, TenantOwned, utcnow
from servicehub.errors import Invalid

KEEP_FOR = timedelta(hours=24)
HEADER = "Idempotency-Key"


class IdempotencyKey(TenantOwned, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "operation", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    operation: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def replayed(session: Session, *, tenant_id: int, user_id: int, operation: str, key: str, payload: dict) -> int | None:
    """The id created earlier under this key, or None. The same key with another request is a 422;
    a key older than a day is forgotten."""
    row = session.scalars(select(IdempotencyKey).where(
        IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.user_id == user_id,
        IdempotencyKey.operation == operation, IdempotencyKey.key == key)).one_or_none()
    if row is None:
        return None
    if row.created_at < utcnow() - KEEP_FOR:
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
        return None
    if row.fingerprint != fingerprint(payload):
        raise Invalid(f"This {HEADER} was used for a different request.",
                      errors={HEADER: ["Already used with another body: send a new key."]})
    return row.resource_id


def remember(session: Session, *, tenant_id: int, user_id: int, operation: str, key: str, payload: dict,
             resource_id: int) -> None:
    session.add(IdempotencyKey(tenant_id=tenant_id, user_id=user_id, operation=operation, key=key,
                               fingerprint=fingerprint(payload), resource_id=resource_id))
