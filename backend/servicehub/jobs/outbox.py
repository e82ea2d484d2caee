"""The transactional outbox: background work is written down in the same database transaction as
the change that asks for it, and only then handed to RQ.

* `emit(session, ...)` adds an `OutboxMessage` to the caller's transaction. A rolled-back request
  leaves no message, so nothing is ever sent for a change that did not happen.
* After the commit, the messages of the request are pushed to their RQ queues at once (or run
  in-process without Redis). A Redis outage loses nothing: the messages stay `pending`.
* The relay (a periodic job) re-sends what is due: `pending` messages (Redis was down, or a retry
  waits for its backoff) and `dispatched` ones that stayed in flight too long (RQ does not retry a
  job whose worker was killed).
* `run_message` executes a message's handler and marks the message `done` **in the handler's own
  transaction**: the effect and the mark commit together, so a message runs to effect once however
  often it is delivered. A failing handler is retried with exponential backoff, then `failed`
  (visible to tenant admins with its error).
"""

from __future__ import annotations

import enum
import logging
import traceback
from datetime import datetime, timedelta
from importlib import import_module

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from servicehub.db import Base, TenantOwned, bind_tenant, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_AFTER = timedelta(minutes=5)  # a dispatched message not done by then is sent again
RELAY_BATCH = 500
JOB_TIMEOUT = 3600  # seconds: a large customer import is the longest handler


class MessageStatus(str, enum.Enum):
    pending = "pending"
    dispatched = "dispatched"
    done = "done"
    failed = "failed"


class OutboxMessage(TenantOwned, Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_tenant_id_status_available_at", "tenant_id", "status", "available_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    queue: Mapped[str] = mapped_column(String(20))
    handler: Mapped[str] = mapped_column(String(120))  # dotted path: handler(session, tenant_id, **args)
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, name="outbox_status", native_enum=False, length=20), default=MessageStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


_NEW = "servicehub.outbox.new"


def emit(session: Session, *, tenant_id: int, queue: str, handler: str, created_by_id: int | None = None,
         available_at: datetime | None = None, **args) -> OutboxMessage:
    """Ask for `handler(session, tenant_id, **args)` to run on `queue` once this transaction commits
    (not before `available_at`, when given: the relay sends it then)."""
    message = OutboxMessage(tenant_id=tenant_id, queue=queue, handler=handler, args=args,
                            created_by_id=created_by_id, available_at=available_at or utcnow())
    session.add(message)
    session.info.setdefault(_NEW, []).append(message)
    return message


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    messages = session.info.pop(_NEW, None)
    if not messages:
        return
    now = utcnow()
    refs = [(m.id, m.tenant_id, m.queue) for m in messages if m.id is not None and m.available_at <= now]
    if not refs:
        return
    if has_request_context() and g.get("_db_session") is session:
        # A request: send them when it is over (a job run in-process needs the request's
        # transaction to be finished, not in the middle of its commit). Outside a request (a
        # command, a job using `db.session`) no teardown_request would ever send them: at once.
        g.setdefault("_outbox_after_request", []).extend(refs)
    else:
        from servicehub.jobs import job_app

        app = current_app._get_current_object() if has_app_context() else job_app()
        dispatch(app, refs)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_NEW, None)


def init_app(app) -> None:
    @app.teardown_request
    def _send_after_request(_exc) -> None:
        refs = g.pop("_outbox_after_request", None)
        if refs:
            dispatch(app, refs)


def dispatch(app, refs: list[tuple[int, int, str]]) -> int:
    """Hand committed messages (id, tenant, queue) to RQ, or run them here without Redis; returns how
    many went out. They are claimed (marked dispatched) and committed before they are queued: a
    worker that picks a job up at once finds its message free (were it marked after, the worker
    could meet the marking's row lock and skip its own message). What Redis refuses goes back to
    pending for the relay."""
    connection = app.extensions.get("servicehub.redis")
    if connection is None:
        for message_id, tenant_id, _queue in refs:
            run_message(tenant_id, message_id)
        return len(refs)
    claimed = _claim(app, refs)
    sent = _enqueue(connection, claimed)
    if len(sent) < len(claimed):
        went = set(sent)
        _unclaim(app, [(m, t) for m, t, _q in claimed if (m, t) not in went])
    return len(sent)


def _by_tenant(refs) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for ref in refs:
        found.setdefault(ref[1], []).append(ref[0])
    return found


def _claim(app, refs) -> list[tuple[int, int, str]]:
    """Mark pending, due messages dispatched; returns those claimed (a fast retry keeps its backoff)."""
    session = new_session(app)
    claimed: set[int] = set()
    try:
        for tenant_id, ids in _by_tenant(refs).items():
            bind_tenant(session, tenant_id)
            now = utcnow()
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == MessageStatus.pending,
                       OutboxMessage.available_at <= now)
                .values(status=MessageStatus.dispatched, dispatched_at=now)
                .returning(OutboxMessage.id))
            claimed.update(result.scalars().all())
            session.commit()
    finally:
        session.close()
    return [ref for ref in refs if ref[0] in claimed]


def _unclaim(app, refs) -> None:
    session = new_session(app)
    try:
        for tenant_id, ids in _by_tenant(refs).items():
            bind_tenant(session, tenant_id)
            session.execute(update(OutboxMessage).where(
                OutboxMessage.id.in_(ids), OutboxMessage.status == MessageStatus.dispatched)
                .values(status=MessageStatus.pending, dispatched_at=None))
            session.commit()
    finally:
        session.close()


def _enqueue(connection, refs) -> list[tuple[int, int]]:
    """Put the messages on their RQ queues; returns those that made it (Redis may be down)."""
    from rq import Queue

    sent = []
    try:
        for message_id, tenant_id, queue in refs:
            Queue(queue, connection=connection).enqueue(
                run_message, tenant_id, message_id, result_ttl=600, failure_ttl=7 * 24 * 3600,
                job_timeout=JOB_TIMEOUT,
                description=f"outbox message {message_id} of tenant {tenant_id}")
            sent.append((message_id, tenant_id))
    except Exception:  # noqa: BLE001 - Redis down: the messages stay pending for the relay
        log.warning("outbox: could not dispatch %d message(s); the relay will retry", len(refs) - len(sent),
                    exc_info=True)
    return sent


def new_session(app) -> Session:
    """A session of its own (not the request's), for jobs and the dispatcher."""
    return app.extensions["servicehub.db"].sessionmaker()


def resolve(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


def run_message(tenant_id: int, message_id: int) -> str:
    """The RQ job of every outbox message: run its handler and mark it done in one transaction."""
    from servicehub.jobs import job_app

    app = job_app()
    with app.app_context():
        session = new_session(app)
        try:
            return _run(session, tenant_id, message_id)
        finally:
            session.close()


def _run(session: Session, tenant_id: int, message_id: int) -> str:
    bind_tenant(session, tenant_id)
    stmt = select(OutboxMessage).where(OutboxMessage.id == message_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    message = session.scalars(stmt).one_or_none()
    if message is None:
        session.rollback()
        return "busy-or-missing"  # another worker holds it, or it does not exist
    if message.status in (MessageStatus.done, MessageStatus.failed):
        session.rollback()
        return message.status.value
    handler, args, attempts = message.handler, dict(message.args), message.attempts
    try:
        result = resolve(handler)(session, tenant_id, **args)
        message.status, message.done_at, message.attempts = MessageStatus.done, utcnow(), attempts + 1
        message.last_error = None
        session.commit()
        return str(result) if result is not None else "done"
    except Exception as exc:  # noqa: BLE001 - recorded on the message, retried with backoff
        session.rollback()
        _failed_attempt(session, tenant_id, message_id, attempts + 1, exc)
        log.warning("outbox message %s (%s) failed (attempt %d)", message_id, handler, attempts + 1, exc_info=True)
        return "retry"


def _failed_attempt(session: Session, tenant_id: int, message_id: int, attempts: int, exc: Exception) -> None:
    bind_tenant(session, tenant_id)
    final = attempts >= MAX_ATTEMPTS
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
        attempts=attempts, last_error=error,
        status=MessageStatus.failed if final else MessageStatus.pending,
        available_at=utcnow() + backoff(attempts)))
    session.commit()


def backoff(attempts: int) -> timedelta:
    """10 s, 40 s, 2.7 min, 10.7 min, … between attempts."""
    return timedelta(seconds=10 * 4 ** (attempts - 1))


# --- the relay ---------------------------------------------------------------------------------------


def relay(*, now: datetime | None = None, stale_after: timedelta = STALE_AFTER) -> int:
    """Periodic: send again what is due, tenant by tenant (row-level security binds each query to
    one tenant): pending messages whose time has come, and dispatched ones in flight too long.
    They are claimed (marked dispatched) under `FOR UPDATE SKIP LOCKED` before they are sent, so
    two relays never send the same message; what Redis refuses goes back to pending."""
    from servicehub.jobs import job_app
    from servicehub.tenants.models import Tenant

    app = job_app()
    now = now or utcnow()
    sent = 0
    with app.app_context():
        connection = app.extensions.get("servicehub.redis")
        session = new_session(app)
        try:
            tenant_ids = session.scalars(select(Tenant.id)).all()
            session.commit()
            for tenant_id in tenant_ids:
                bind_tenant(session, tenant_id)
                stmt = (select(OutboxMessage.id, OutboxMessage.queue)
                        .where(OutboxMessage.tenant_id == tenant_id,
                               ((OutboxMessage.status == MessageStatus.pending) & (OutboxMessage.available_at <= now))
                               | ((OutboxMessage.status == MessageStatus.dispatched)
                                  & (OutboxMessage.dispatched_at < now - stale_after)))
                        .order_by(OutboxMessage.id).limit(RELAY_BATCH))
                if session.get_bind().dialect.name == "postgresql":
                    stmt = stmt.with_for_update(skip_locked=True)
                rows = session.execute(stmt).all()
                if not rows:
                    session.commit()
                    continue
                refs = [(r.id, tenant_id, r.queue) for r in rows]
                if connection is None:  # no Redis: run them here
                    session.commit()
                    sent += dispatch(app, refs)
                    continue
                session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows]))
                                .values(status=MessageStatus.dispatched, dispatched_at=utcnow()))
                session.commit()
                went = set(_enqueue(connection, refs))
                if len(went) < len(refs):
                    _unclaim(app, [(m, t) for m, t, _q in refs if (m, t) not in went])
                sent += len(went)
        finally:
            session.close()
    return sent


KEEP_DONE = timedelta(days=14)


def prune(*, now: datetime | None = None, keep: timedelta = KEEP_DONE) -> int:
    """Nightly: delete the messages done more than `keep` ago, tenant by tenant (failed ones stay,
    for the admins to read). Returns how many went."""
    from sqlalchemy import delete

    from servicehub.jobs import job_app
    from servicehub.tenants.models import Tenant

    app = job_app()
    cutoff = (now or utcnow()) - keep
    removed = 0
    with app.app_context():
        session = new_session(app)
        try:
            tenant_ids = session.scalars(select(Tenant.id)).all()
            session.commit()
            for tenant_id in tenant_ids:
                bind_tenant(session, tenant_id)
                result = session.execute(delete(OutboxMessage).where(
                    OutboxMessage.tenant_id == tenant_id, OutboxMessage.status == MessageStatus.done,
                    OutboxMessage.done_at < cutoff))
                removed += result.rowcount
                session.commit()
        finally:
            session.close()
    return removed
