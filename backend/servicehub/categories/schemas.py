from marshmallow import fields, validate

from servicehub.extensions import Flag, Id, Pattern, QueryId, Schema, Text
from servicehub.users.models import Function

CODE = Pattern(r"^[a-z0-9_]+$", error="Lower-case letters, digits and '_' only.")


class CategorySchema(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    code = fields.String()
    name = fields.String()
    default_function = fields.Enum(Function, allow_none=True,
                                   metadata={"description": "Where a new ticket of this category is routed."})
    sort_order = fields.Integer()
    is_active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CategoryCreateSchema(Schema):
    code = Text(required=True, min_length=1, max_length=40, validate=CODE)
    name = Text(required=True, min_length=1, max_length=60)
    parent_id = Id(allow_none=True)
    default_function = fields.Enum(Function, allow_none=True)
    sort_order = fields.Integer(strict=True, validate=validate.Range(0, 9999))
    is_active = Flag()


class CategoryUpdateSchema(Schema):
    name = Text(min_length=1, max_length=60)
    parent_id = Id(allow_none=True)
    default_function = fields.Enum(Function, allow_none=True)
    sort_order = fields.Integer(strict=True, validate=validate.Range(0, 9999))
    is_active = Flag()


class CategoryQuerySchema(Schema):
    parent_id = QueryId()
    is_active = fields.Boolean()
