from marshmallow import fields

from servicehub.extensions import QueryId, Schema


class AlertSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    org_unit_id = fields.Integer(metadata={"description": "The project."})
    category_id = fields.Integer()
    building = fields.String(allow_none=True)
    ticket_ids = fields.List(fields.Integer())
    ticket_count = fields.Integer()
    window_days = fields.Integer()
    first_at = fields.DateTime()
    last_at = fields.DateTime()
    created_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by_id = fields.Integer(allow_none=True)


class AlertQuerySchema(Schema):
    acknowledged = fields.Boolean()
    org_unit_id = QueryId(metadata={"description": "This unit and every unit below it."})
