"""Notifications: an in-app inbox per user, and deliveries by email, SMS and the group's webhook.

Every notification carries a `key` naming the event it is about; a person is notified once per key
and a delivery goes out once per key, channel and recipient, so a job that runs twice notifies once.
Deliveries are sent by their own outbox messages and keep their status and attempts.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicehub.access import ROLE_PERMISSIONS, Actor, Perm, require_groupwide, require_tenant
from servicehub.db import utcnow
from servicehub.errors import NotFound
from servicehub.extensions import paginate_query
from servicehub.jobs import outbox
from servicehub.notifications.models import Channel, Delivery, DeliveryStatus, Notification
from servicehub.users.models import Membership, User

log = logging.getLogger(__name__)

MAX_DELIVERY_ATTEMPTS = 5
DELIVER = "servicehub.notifications.service.deliver"


def roles_with(perm: Perm):
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]


def holders(session: Session, *, tenant_id: int, unit_ids, perm: Perm) -> list[User]:
    """Active users holding a membership right at one of `unit_ids` whose role grants `perm` (the
    people of that level: the hq's CRM staff, a region's managers, a project's managers)."""
    return list(session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(User.tenant_id == tenant_id, User.is_active.is_(True), Membership.org_unit_id.in_(list(unit_ids)),
               Membership.role.in_(roles_with(perm)))
        .distinct().order_by(User.id)))


def notify(session: Session, *, tenant_id: int, users: list[User], kind: str, title: str, body: str, key: str,
           ticket_id: int | None = None, ref_type: str | None = None, ref_id: int | None = None,
           email: bool = False, sms: bool = False) -> list[Notification]:
    """Put a notification in each user's inbox (once per key) and queue the email / SMS copies."""
    if not users:
        return []
    already = set(session.scalars(select(Notification.user_id).where(
        Notification.tenant_id == tenant_id, Notification.key == key,
        Notification.user_id.in_([u.id for u in users]))))
    created = []
    for user in users:
        if user.id in already:
            continue
        row = Notification(tenant_id=tenant_id, user_id=user.id, kind=kind, title=title, body=body, key=key,
                           ticket_id=ticket_id, ref_type=ref_type, ref_id=ref_id)
        session.add(row)
        created.append(row)
        if email and user.email:
            _delivery(session, tenant_id=tenant_id, key=key, channel=Channel.email, recipient=user.email,
                      user_id=user.id, subject=title, body=body)
        if sms and user.phone:
            _delivery(session, tenant_id=tenant_id, key=key, channel=Channel.sms, recipient=user.phone,
                      user_id=user.id, subject=title, body=body)
    session.flush()
    return created


def webhook(session: Session, *, tenant_id: int, key: str, title: str, body: str, event: dict) -> Delivery | None:
    """Post the event to the group's webhook (group chat bots read `msgtype`/`text`), if one is set."""
    from servicehub.settings.service import settings_for

    settings = settings_for(session, tenant_id)
    if not settings.webhook_url:
        return None
    payload = {"msgtype": "text", "text": {"content": f"{title}\n{body}"}, "event": event}
    return _delivery(session, tenant_id=tenant_id, key=key, channel=Channel.webhook, recipient=settings.webhook_url,
                     user_id=None, subject=title, body=body, payload=payload)


def _delivery(session: Session, *, tenant_id: int, key: str, channel: Channel, recipient: str, user_id, subject: str,
              body: str, payload: dict | None = None) -> Delivery | None:
    exists = session.scalar(select(Delivery.id).where(
        Delivery.tenant_id == tenant_id, Delivery.key == key, Delivery.channel == channel,
        Delivery.recipient == recipient))
    if exists is not None:
        return None
    delivery = Delivery(tenant_id=tenant_id, key=key, channel=channel, recipient=recipient, user_id=user_id,
                        subject=subject[:200], body=body, payload=payload or {})
    session.add(delivery)
    session.flush()
    outbox.emit(session, tenant_id=tenant_id, queue="notifications", handler=DELIVER, delivery_id=delivery.id)
    return delivery


def deliver(session: Session, tenant_id: int, *, delivery_id: int) -> str:
    """Outbox handler: send one delivery. A failure is recorded on the delivery and retried later
    (a new outbox message with backoff), up to MAX_DELIVERY_ATTEMPTS; then it is `failed`."""
    from servicehub.notifications import channels

    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.pending:
        return "skipped"
    settings = current_app.config["SERVICEHUB"]
    delivery.attempts += 1
    try:
        if delivery.channel == Channel.email:
            channels.email_backend(settings).send(to=delivery.recipient, subject=delivery.subject, body=delivery.body)
        elif delivery.channel == Channel.sms:
            channels.sms_backend(settings).send(phone=delivery.recipient, text=f"{delivery.subject} {delivery.body}"[:300])
        else:
            from servicehub.settings.service import settings_for

            channels.post_webhook(url=delivery.recipient, secret=settings_for(session, tenant_id).webhook_secret,
                                  payload=delivery.payload, delivery_id=delivery.id,
                                  allow_private=settings.webhook_allow_private)
    except Exception as exc:  # noqa: BLE001 - recorded on the delivery, retried with backoff
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= MAX_DELIVERY_ATTEMPTS:
            delivery.status = DeliveryStatus.failed
            return "failed"
        outbox.emit(session, tenant_id=tenant_id, queue="notifications", handler=DELIVER, delivery_id=delivery.id,
                    available_at=utcnow() + outbox.backoff(delivery.attempts))
        return "retry"
    delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.sent, utcnow(), None
    return "sent"


# --- the inbox ----------------------------------------------------------------------------------------


def list_mine(session: Session, *, actor: Actor, pagination, unread: bool | None = None,
              kind: str | None = None) -> list[Notification]:
    require_tenant(actor)
    stmt = select(Notification).where(Notification.tenant_id == actor.tenant_id, Notification.user_id == actor.id)
    if unread is not None:
        stmt = stmt.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return paginate_query(session, stmt.order_by(Notification.id.desc()), pagination)


def unread_count(session: Session, *, actor: Actor) -> int:
    from sqlalchemy import func

    require_tenant(actor)
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.tenant_id == actor.tenant_id, Notification.user_id == actor.id, Notification.read_at.is_(None)))


def mark_read(session: Session, *, actor: Actor, notification_id: int) -> Notification:
    require_tenant(actor)
    row = session.scalars(select(Notification).where(
        Notification.tenant_id == actor.tenant_id, Notification.user_id == actor.id,
        Notification.id == notification_id)).one_or_none()
    if row is None:
        raise NotFound(f"Notification {notification_id} not found.")
    if row.read_at is None:
        row.read_at = utcnow()
        session.commit()
    return row


def mark_all_read(session: Session, *, actor: Actor) -> int:
    require_tenant(actor)
    result = session.execute(update(Notification).where(
        Notification.tenant_id == actor.tenant_id, Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    session.commit()
    return result.rowcount


def list_deliveries(session: Session, *, actor: Actor, pagination, status=None, channel=None) -> list[Delivery]:
    """For tenant admins: every delivery of the group with its status, attempts and last error."""
    _require_admin(actor)
    stmt = select(Delivery).where(Delivery.tenant_id == actor.tenant_id)
    if status is not None:
        stmt = stmt.where(Delivery.status == status)
    if channel is not None:
        stmt = stmt.where(Delivery.channel == channel)
    return paginate_query(session, stmt.order_by(Delivery.id.desc()), pagination)


def list_jobs(session: Session, *, actor: Actor, pagination, status=None) -> list:
    """For tenant admins: the group's background jobs (outbox messages), failed ones with their error."""
    from servicehub.jobs.outbox import OutboxMessage

    _require_admin(actor)
    stmt = select(OutboxMessage).where(OutboxMessage.tenant_id == actor.tenant_id)
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    return paginate_query(session, stmt.order_by(OutboxMessage.id.desc()), pagination)


def _require_admin(actor: Actor) -> None:
    require_groupwide(actor, Perm.audit_read, "Deliveries and background jobs are for the group's administrators.")
