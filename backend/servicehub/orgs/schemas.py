from marshmallow import fields, validate

from servicehub.extensions import Flag, Id, Pattern, QueryId, Schema, Text
from servicehub.orgs.models import OrgUnitKind

CODE = {"max_length": 40, "min_length": 1, "validate": Pattern(r"^[A-Za-z0-9_.-]+$", error="Letters, digits, '_', '-' and '.' only.")}


class OrgUnitSchema(Schema):
    id = fields.Integer(dump_only=True)
    parent_id = fields.Integer(allow_none=True)
    kind = fields.Enum(OrgUnitKind)
    name = fields.String()
    code = fields.String()
    path = fields.String()
    is_active = fields.Boolean()
    deactivated_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OrgUnitCreateSchema(Schema):
    kind = fields.Enum(OrgUnitKind, required=True, validate=validate.OneOf([OrgUnitKind.region, OrgUnitKind.project]))
    parent_id = Id(required=True)
    name = Text(required=True, min_length=1, max_length=120)
    code = Text(required=True, **CODE)


class OrgUnitUpdateSchema(Schema):
    parent_id = Id()
    name = Text(min_length=1, max_length=120)
    code = Text(**CODE)
    is_active = Flag()


class OrgUnitQuerySchema(Schema):
    kind = fields.Enum(OrgUnitKind)
    parent_id = QueryId()
    is_active = fields.Boolean()
    q = Text(max_length=120)


class OrgTreeNodeSchema(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    kind = fields.Enum(OrgUnitKind)
    name = fields.String()
    code = fields.String()
    path = fields.String()
    is_active = fields.Boolean()
    children = fields.List(fields.Nested(lambda: OrgTreeNodeSchema()))
