from marshmallow import fields

from servicehub.extensions import Schema
from servicehub.jobs.outbox import MessageStatus
from servicehub.notifications.models import Channel, DeliveryStatus


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "escalation, escalation_reminder, group_complaint_alert, "
                                                  "sla_breached, sla_digest"})
    title = fields.String()
    body = fields.String()
    ticket_id = fields.Integer(allow_none=True)
    ref_type = fields.String(allow_none=True)
    ref_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationQuerySchema(Schema):
    unread = fields.Boolean()
    kind = fields.String()


class ReadAllSchema(Schema):
    marked = fields.Integer()


class UnreadSchema(Schema):
    unread = fields.Integer()


class DeliverySchema(Schema):
    id = fields.Integer()
    key = fields.String()
    channel = fields.Enum(Channel)
    recipient = fields.String()
    user_id = fields.Integer(allow_none=True)
    subject = fields.String()
    status = fields.Enum(DeliveryStatus)
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class DeliveryQuerySchema(Schema):
    status = fields.Enum(DeliveryStatus)
    channel = fields.Enum(Channel)


class JobSchema(Schema):
    id = fields.Integer()
    queue = fields.String()
    handler = fields.String()
    args = fields.Dict()
    status = fields.Enum(MessageStatus)
    attempts = fields.Integer()
    available_at = fields.DateTime()
    dispatched_at = fields.DateTime(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()


class JobQuerySchema(Schema):
    status = fields.Enum(MessageStatus)
