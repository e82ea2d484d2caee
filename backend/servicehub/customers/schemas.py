from marshmallow import ValidationError, fields, validate, validates_schema

from servicehub.customers.identity import id_number_error, mask_id_number, mask_phone, normalise_phone, phone_error
from servicehub.customers.models import CustomerKind, SourceChannel, Stage, Tier
from servicehub.extensions import Flag, Id, QueryId, Schema, Text
from servicehub.properties.schemas import OwnershipSchema, PropertySchema


class Phone(Text):
    """A mainland China phone: spaces, dashes and +86 are dropped, then it must be a mobile or landline."""

    def __init__(self, **kwargs):
        super().__init__(max_length=32, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = normalise_phone(super()._deserialize(value, attr, data, **kwargs))
        error = phone_error(value)
        if error:
            raise ValidationError(error)
        return value


class Masked(fields.String):
    """Shown as stored only in an answer that reveals personal data (`obj.pii_visible`), else masked."""

    def __init__(self, masker, **kwargs):
        super().__init__(dump_only=True, **kwargs)
        self.masker = masker

    def _serialize(self, value, attr, obj, **kwargs):
        return value if getattr(obj, "pii_visible", False) else self.masker(value)


class PhoneSchema(Schema):
    phone = Masked(mask_phone)
    is_primary = fields.Boolean()


class CustomerSchema(Schema):
    id = fields.Integer()
    org_unit_id = fields.Integer(metadata={"description": "The unit that opened the file."})
    kind = fields.Enum(CustomerKind)
    name = fields.String()
    phone = Masked(mask_phone, metadata={
        "description": "Primary phone; masked (138****1234) unless revealed (`GET /customers/{id}?reveal=true`)."})
    phones = fields.List(fields.Nested(PhoneSchema), metadata={"description": "Every phone, primary first; masked likewise."})
    id_number = Masked(mask_id_number, allow_none=True,
                       metadata={"description": "Masked (3101**********1234) likewise."})
    pii_masked = fields.Boolean(metadata={"description": "True when phone and ID number are masked in this answer."})
    pii_revealable = fields.Boolean(metadata={
        "description": "True when the caller may reveal them (customer.pii in one of the customer's units)."})
    email = fields.String(allow_none=True)
    source_channel = fields.Enum(SourceChannel, by_value=fields.String)
    tier = fields.Enum(Tier)
    tags = fields.List(fields.String())
    stage = fields.Enum(Stage)
    is_lost = fields.Boolean()
    notes = fields.String(allow_none=True)
    org_unit_ids = fields.List(fields.Integer(), metadata={"description": "Units where the customer is visible."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


TAGS = fields.List(Text(min_length=1, max_length=20), validate=validate.Length(max=20))


class _CustomerFields(Schema):
    kind = fields.Enum(CustomerKind)
    name = Text(min_length=1, max_length=120)
    id_number = Text(allow_none=True, max_length=18)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    tier = fields.Enum(Tier)
    source_channel = fields.Enum(SourceChannel, by_value=fields.String)
    tags = TAGS
    notes = Text(allow_none=True, max_length=2000)
    phones = fields.List(Phone(), validate=validate.Length(max=5),
                         metadata={"description": "Further phones besides the primary one."})

    @validates_schema
    def _id_number(self, data, **kwargs):
        value = data.get("id_number")
        if value:
            error = id_number_error(value, company=data.get("kind") == CustomerKind.company)
            if error:
                raise ValidationError(error, field_name="id_number")
            data["id_number"] = value.upper()


class CustomerCreateSchema(_CustomerFields):
    org_unit_id = Id(required=True, metadata={"description": "The project or region opening the file."})
    name = Text(required=True, min_length=1, max_length=120)
    phone = Phone(required=True)


class CustomerUpdateSchema(_CustomerFields):
    phone = Phone()
    is_lost = Flag()


class CustomerQuerySchema(Schema):
    q = Text(max_length=64, metadata={"description": "Phone (full or last 4 digits), unit like 3-2-1201, or name."})
    stage = fields.Enum(Stage)
    tier = fields.Enum(Tier)
    kind = fields.Enum(CustomerKind)
    org_unit_id = QueryId(metadata={"description": "Customers visible in this unit or any unit below it."})
    tag = Text(max_length=20)


class CustomerGetQuerySchema(Schema):
    reveal = fields.Boolean(load_default=False, metadata={
        "description": "Answer phone and ID number unmasked (needs customer.pii in one of the customer's units, "
                       "else 403); the read is written to the audit log (`customer.pii_viewed`)."})


class HoldingSchema(Schema):
    """A unit the customer holds or held: the relation, the unit and its project."""

    ownership = fields.Nested(OwnershipSchema)
    property = fields.Nested(PropertySchema)
    project_name = fields.String(metadata={"description": "The name of the unit's project (`property.org_unit_id`)."})


class TimelineEntrySchema(Schema):
    at = fields.DateTime()
    kind = fields.String()
    title = fields.String()
    detail = fields.String(allow_none=True)
    ref_type = fields.String(allow_none=True)
    ref_id = fields.Integer(allow_none=True)
