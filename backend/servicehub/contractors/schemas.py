from marshmallow import ValidationError, fields, validate, validates_schema

from servicehub.contractors.models import Trade
from servicehub.extensions import Flag, Id, QueryId, Schema, Text



class ContractorSchema(Schema):
    id = fields.Integer()
    name = fields.String(metadata={"description": "The company."})
    trades = fields.List(fields.String(validate=validate.OneOf([t.value for t in Trade])))
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    org_unit_ids = fields.List(fields.Integer(), metadata={"description": "The regions or projects served."})
    contract_start = fields.Date()
    contract_end = fields.Date()
    is_active = fields.Boolean()
    notes = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class _Period(Schema):
    @validates_schema
    def _period(self, data, **kwargs):
        start, end = data.get("contract_start"), data.get("contract_end")
        if start is not None and end is not None and end < start:
            raise ValidationError("The contract ends before it starts.", field_name="contract_end")


class ContractorCreateSchema(_Period):
    name = Text(required=True, min_length=1, max_length=120)
    trades = fields.List(fields.Enum(Trade), required=True, validate=validate.Length(min=1, max=len(Trade)),
                         metadata={"description": "At least one; `general` takes any trade."})
    contact_name = Text(allow_none=True, max_length=80)
    contact_phone = Text(allow_none=True, max_length=30,
                         validate=validate.Regexp(r"^[0-9+\- ]{3,30}$", error="Digits, +, - and spaces."))
    org_unit_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=200),
                               metadata={"description": "The regions or projects served (a region: all its projects)."})
    contract_start = fields.Date(required=True)
    contract_end = fields.Date(required=True)
    is_active = Flag()
    notes = Text(allow_none=True, max_length=2000)


class ContractorUpdateSchema(_Period):
    name = Text(min_length=1, max_length=120)
    trades = fields.List(fields.Enum(Trade), validate=validate.Length(min=1, max=len(Trade)))
    contact_name = Text(allow_none=True, max_length=80)
    contact_phone = Text(allow_none=True, max_length=30,
                         validate=validate.Regexp(r"^[0-9+\- ]{3,30}$", error="Digits, +, - and spaces."))
    org_unit_ids = fields.List(Id(), validate=validate.Length(min=1, max=200),
                               metadata={"description": "Replaces the units served."})
    contract_start = fields.Date()
    contract_end = fields.Date()
    is_active = Flag()
    notes = Text(allow_none=True, max_length=2000)


class ContractorQuerySchema(Schema):
    q = Text(max_length=64, metadata={"description": "Words of the company or contact name, or the phone."})
    trade = fields.Enum(Trade, metadata={"description": "Contractors of this trade (or `general` ones)."})
    active = fields.Boolean()
    org_unit_id = QueryId(metadata={"description": "Contractors whose service area overlaps this unit: serving it, "
                                                   "a unit above it (a region serves its projects) or one below it."})
