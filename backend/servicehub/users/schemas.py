from marshmallow import fields

from servicehub.access import Perm, Role
from servicehub.extensions import Email, Flag, Id, Pattern, QueryId, Schema, Text
from servicehub.orgs.models import OrgUnitKind
from servicehub.users.models import Function

USERNAME = {"min_length": 3, "max_length": 64,
            "validate": Pattern(r"^[A-Za-z0-9_.-]+$", error="Letters, digits, '_', '-' and '.' only.")}
PASSWORD = {"min_length": 8, "max_length": 128}
PHONE = {"max_length": 32, "validate": Pattern(r"^\+?[0-9][0-9 -]{4,30}$", error="Not a phone number.")}


class MembershipSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    org_unit_id = fields.Integer()
    role = fields.Enum(Role)
    function = fields.Enum(Function, allow_none=True)
    created_at = fields.DateTime()


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    org_unit_id = fields.Integer()
    is_active = fields.Boolean()
    locked_until = fields.DateTime(allow_none=True)
    last_login_at = fields.DateTime(allow_none=True)
    memberships = fields.List(fields.Nested(MembershipSchema), attribute="shown_memberships",
                              metadata={"description": "Memberships at units the caller can see."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class UserCreateSchema(Schema):
    username = Text(required=True, **USERNAME)
    password = Text(required=True, load_only=True, **PASSWORD)
    name = Text(required=True, min_length=1, max_length=80)
    email = Email(max_length=254)
    phone = Text(**PHONE)
    org_unit_id = Id()


class UserUpdateSchema(Schema):
    name = Text(min_length=1, max_length=80)
    email = Email(allow_none=True, max_length=254)
    phone = Text(allow_none=True, **PHONE)
    password = Text(load_only=True, **PASSWORD)
    org_unit_id = Id()
    is_active = Flag()


class UserQuerySchema(Schema):
    q = Text(max_length=64)
    org_unit_id = QueryId(metadata={"description": "Accounts whose home unit is this org unit or a unit below it."})
    role = fields.Enum(Role)
    is_active = fields.Boolean()


class MembershipCreateSchema(Schema):
    org_unit_id = Id(required=True)
    role = fields.Enum(Role, required=True)
    function = fields.Enum(Function, allow_none=True)


class MembershipDeleteSchema(Schema):
    org_unit_id = QueryId(required=True)
    role = fields.Enum(Role, required=True)


class RoleSchema(Schema):
    role = fields.Enum(Role)
    kinds = fields.List(fields.Enum(OrgUnitKind), metadata={
        "description": "The org-unit kinds at which a membership may carry this role."})
    permissions = fields.List(fields.Enum(Perm, by_value=True), metadata={
        "description": "What the role grants at its unit and at every unit below it."})
