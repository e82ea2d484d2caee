from marshmallow import ValidationError, fields, validate, validates_schema

from servicehub.extensions import Id, QueryId, Schema
from servicehub.tickets.enums import Priority, TicketType

MINUTES = validate.Range(1, 365 * 24 * 60)


class TargetInputSchema(Schema):
    type = fields.Enum(TicketType, required=True)
    priority = fields.Enum(Priority, required=True)
    response_minutes = fields.Integer(strict=True, required=True, validate=MINUTES,
                                      metadata={"description": "First response (dispatch, for a repair) within."})
    resolve_minutes = fields.Integer(strict=True, required=True, validate=MINUTES)

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("resolve_minutes", 0) < data.get("response_minutes", 0):
            raise ValidationError("Must not be shorter than response_minutes.", field_name="resolve_minutes")


class SlaPolicyUpdateSchema(Schema):
    org_unit_id = Id(allow_none=True, metadata={"description": "Where the targets are set; the hq (whole group) when omitted."})
    targets = fields.List(fields.Nested(TargetInputSchema), required=True, validate=validate.Length(max=40),
                          metadata={"description": "Replaces the targets set at this unit; pairs left out inherit."})


class SlaPolicyQuerySchema(Schema):
    org_unit_id = QueryId()


class TargetSchema(Schema):
    type = fields.Enum(TicketType)
    priority = fields.Enum(Priority)
    response_minutes = fields.Integer()
    resolve_minutes = fields.Integer()
    source = fields.String(metadata={"description": "`default` (built in) or `org_unit` (set at source_org_unit_id)."})
    source_org_unit_id = fields.Integer(allow_none=True)
    inherited = fields.Boolean(metadata={"description": "True when set above this unit (or built in)."})
    inherited_response_minutes = fields.Integer(metadata={
        "description": "What would apply without this unit's own setting: the target set nearest above it, or "
                       "the built-in default (equal to response_minutes when inherited)."})
    inherited_resolve_minutes = fields.Integer(metadata={
        "description": "As inherited_response_minutes, for the resolution."})
    inherited_from_org_unit_id = fields.Integer(allow_none=True, metadata={
        "description": "Where the inherited values are set; null for the built-in default."})


class SlaPolicySchema(Schema):
    org_unit_id = fields.Integer()
    intake_minutes = fields.Integer(metadata={"description": "A contact is logged within this (the seeds: 10)."})
    callback_minutes = fields.Integer(metadata={"description": "First callback after resolution within this (24 h)."})
    targets = fields.List(fields.Nested(TargetSchema))
