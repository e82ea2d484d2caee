from marshmallow import ValidationError, fields, validate, validates_schema

from servicehub.extensions import Schema, Text
from servicehub.properties.warranty import Component


class WarrantyTermSchema(Schema):
    component = fields.String(validate=validate.OneOf([c.value for c in Component]))
    label = fields.String()
    years = fields.Integer(allow_none=True, metadata={"description": "The period in whole years (null when it is not)."})
    months = fields.Integer(metadata={"description": "The period in months."})
    source = fields.String(metadata={"description": "`default` (the seeds' table) or `tenant` (set by the group)."})


class WarrantyTermInputSchema(Schema):
    component = fields.Enum(Component, required=True)
    years = fields.Integer(strict=True, validate=validate.Range(1, 100))
    months = fields.Integer(strict=True, validate=validate.Range(1, 1200))
    label = Text(min_length=1, max_length=120, metadata={"description": "Defaults to the default term's label."})

    @validates_schema
    def _one_period(self, data, **kwargs):
        if ("years" in data) == ("months" in data):
            raise ValidationError("Give the period in years or in months (one of them).", field_name="months")


class WarrantyTermsUpdateSchema(Schema):
    terms = fields.List(fields.Nested(WarrantyTermInputSchema), required=True, validate=validate.Length(max=len(Component)),
                        metadata={"description": "The group's overrides, replacing the previous ones; a component "
                                                 "left out falls back to the default."})

    @validates_schema
    def _unique(self, data, **kwargs):
        components = [t["component"] for t in data.get("terms", [])]
        if len(components) != len(set(components)):
            raise ValidationError("Each component at most once.", field_name="terms")
