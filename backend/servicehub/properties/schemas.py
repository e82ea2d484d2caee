from marshmallow import ValidationError, fields, validate, validates_schema

from servicehub.extensions import Id, QueryId, Schema, Text
from servicehub.properties.models import PropertyType, Relation

LABEL = {"min_length": 1, "max_length": 20,
         "validate": validate.Regexp(r"^[0-9A-Za-z]+$", error="Letters and digits only (e.g. 3, A, 1201).")}


class WarrantySchema(Schema):
    component = fields.String()
    label = fields.String()
    years = fields.Integer(allow_none=True, metadata={"description": "The period in whole years (null: 18 months, say)."})
    months = fields.Integer(metadata={"description": "The period in months, by the group's terms."})
    expires_on = fields.Date(allow_none=True)
    in_warranty = fields.Boolean()


class PropertySchema(Schema):
    id = fields.Integer()
    org_unit_id = fields.Integer()
    building = fields.String()
    unit = fields.String()
    room = fields.String()
    label = fields.String(metadata={"description": "building-unit-room, as front desks say it (3-2-1201)."})
    floor = fields.Integer(allow_none=True)
    floor_area = fields.Decimal(as_string=True, allow_none=True,
                                metadata={"type": "string", "format": "decimal", "description": "m², e.g. \"89.50\"."})
    type = fields.Enum(PropertyType)
    handover_date = fields.Date(allow_none=True)
    warranty = fields.List(fields.Nested(WarrantySchema), metadata={
        "description": "The warranty clock by component, by the group's warranty terms (GET /warranty-terms)."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class _PropertyFields(Schema):
    floor = fields.Integer(strict=True, allow_none=True, validate=validate.Range(-10, 200))
    floor_area = fields.Decimal(allow_none=True, places=2, validate=validate.Range(0, 100000, min_inclusive=False))
    type = fields.Enum(PropertyType)
    handover_date = fields.Date(allow_none=True)


class PropertyCreateSchema(_PropertyFields):
    org_unit_id = Id(required=True, metadata={"description": "The project."})
    building = Text(required=True, **LABEL)
    unit = Text(required=True, **LABEL)
    room = Text(required=True, **LABEL)


class PropertyUpdateSchema(_PropertyFields):
    pass


class PropertyBulkSchema(Schema):
    org_unit_id = Id(required=True)
    building = Text(required=True, **LABEL)
    units = fields.List(Text(**LABEL), required=True, validate=validate.Length(min=1, max=20))
    floor_from = fields.Integer(strict=True, required=True, validate=validate.Range(-10, 200))
    floor_to = fields.Integer(strict=True, required=True, validate=validate.Range(-10, 200))
    rooms_per_floor = fields.Integer(strict=True, required=True, validate=validate.Range(1, 50))
    floor_area = fields.Decimal(allow_none=True, places=2, validate=validate.Range(0, 100000, min_inclusive=False))
    type = fields.Enum(PropertyType)
    handover_date = fields.Date(allow_none=True)


class BulkResultSchema(Schema):
    created = fields.Integer()
    skipped = fields.List(fields.String())


class PropertyQuerySchema(Schema):
    org_unit_id = QueryId()
    building = Text(max_length=20)
    unit = Text(max_length=20)
    room = Text(max_length=20)
    handed_over = fields.Boolean()


class OwnershipSchema(Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    property_id = fields.Integer()
    org_unit_id = fields.Integer()
    relation = fields.Enum(Relation)
    since = fields.Date(allow_none=True)
    until = fields.Date(allow_none=True)
    created_at = fields.DateTime()


class OwnerCreateSchema(Schema):
    customer_id = Id()
    phone = Text(max_length=32, metadata={"description": "Instead of customer_id: the customer's phone."})
    relation = fields.Enum(Relation, required=True)
    since = fields.Date()

    @validates_schema
    def _one_customer(self, data, **kwargs):
        if ("customer_id" in data) == ("phone" in data):
            raise ValidationError("Give exactly one of customer_id and phone.", field_name="customer_id")
        if "phone" in data:
            from servicehub.customers.identity import normalise_phone

            data["phone"] = normalise_phone(data["phone"])


class OwnershipEndSchema(Schema):
    until = fields.Date()
