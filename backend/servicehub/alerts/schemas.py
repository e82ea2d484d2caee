from marshmallow import fields

from servicehub.extensions import QueryId, Schema


class AlertSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    org_unit_id = fields.Integer(metadata={"description": "The project."})
    org_unit_name = fields.String(allow_none=True, metadata={"description": "The project's name."})
    category_id = fields.Integer()
    category_name = fields.String(allow_none=True)
    category_parent_name = fields.String(allow_none=True, metadata={
        "description": "The name of the category's parent (工程质量 for 渗漏); null for a top-level category."})
    building = fields.String(allow_none=True)
    ticket_ids = fields.List(fields.Integer())
    ticket_count = fields.Integer()
    households_affected = fields.Integer(metadata={
        "description": "Households affected, added up over the cluster's complaints."})
    window_days = fields.Integer()
    first_at = fields.DateTime()
    last_at = fields.DateTime()
    created_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by_id = fields.Integer(allow_none=True)
    acknowledged_by_name = fields.String(allow_none=True)


class AlertQuerySchema(Schema):
    acknowledged = fields.Boolean()
    org_unit_id = QueryId(metadata={"description": "This unit and every unit below it."})
