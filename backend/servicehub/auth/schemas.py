from marshmallow import fields

from servicehub.access import Role
from servicehub.extensions import Schema, Text
from servicehub.orgs.models import OrgUnitKind
from servicehub.users.models import Function


class LoginSchema(Schema):
    tenant = Text(max_length=40, metadata={"description": "The group's slug; omitted for a platform admin."})
    username = Text(required=True, min_length=1, max_length=64)
    password = Text(required=True, min_length=1, max_length=128, load_only=True)


class ScopeSchema(Schema):
    """Effective permissions at a unit the caller holds a membership in (and everything below it)."""

    org_unit_id = fields.Integer()
    org_unit_name = fields.String()
    kind = fields.Enum(OrgUnitKind)
    roles = fields.List(fields.Enum(Role))
    functions = fields.List(fields.Enum(Function))
    permissions = fields.List(fields.String())


class MeSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "user or platform"})
    username = fields.String()
    name = fields.String()
    tenant = fields.Dict(allow_none=True)
    scopes = fields.List(fields.Nested(ScopeSchema))
    permissions = fields.List(fields.String(), metadata={"description": "Union over all scopes."})


class LoginResultSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    user = fields.Nested(MeSchema)


class RefreshResultSchema(Schema):
    access_token = fields.String()
