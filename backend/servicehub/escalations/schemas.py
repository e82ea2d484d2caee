from marshmallow import fields

from servicehub.escalations.models import Rule
from servicehub.extensions import QueryId, Schema
from servicehub.tickets.enums import Level


class EscalationSchema(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    ticket_number = fields.String(allow_none=True)
    ticket_title = fields.String(allow_none=True)
    org_unit_id = fields.Integer(metadata={"description": "The ticket's project."})
    from_level = fields.Enum(Level)
    to_level = fields.Enum(Level)
    rule = fields.Enum(Rule)
    reason = fields.String()
    created_by_id = fields.Integer(allow_none=True, metadata={"description": "None: a rule escalated it."})
    created_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by_id = fields.Integer(allow_none=True)
    reminder_count = fields.Integer()


class EscalationQuerySchema(Schema):
    to_level = fields.Enum(Level)
    rule = fields.Enum(Rule)
    acknowledged = fields.Boolean()
    ticket_id = QueryId()
