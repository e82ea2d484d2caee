from marshmallow import fields

from servicehub.extensions import QueryId, Schema, Text, Timestamp


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    action = fields.String()
    target_type = fields.String(allow_none=True)
    target_id = fields.Integer(allow_none=True)
    org_unit_id = fields.Integer(allow_none=True)
    ip = fields.String(allow_none=True)
    details = fields.Dict()


class AuditQuerySchema(Schema):
    action = Text(max_length=64)
    actor_id = QueryId()
    target_type = Text(max_length=40)
    target_id = QueryId()
    at_from = Timestamp()
    at_to = Timestamp()
