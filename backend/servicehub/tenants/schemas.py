from marshmallow import fields

from servicehub.extensions import Pattern, Schema, Text
from servicehub.tenants.models import TenantStatus
from servicehub.users.schemas import PASSWORD, USERNAME

SLUG = {"min_length": 2, "max_length": 40,
        "validate": Pattern(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", error="Lower-case letters, digits and '-' only.")}


class TenantSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    status = fields.Enum(TenantStatus)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class TenantCreateSchema(Schema):
    slug = Text(required=True, **SLUG)
    name = Text(required=True, min_length=1, max_length=120)
    admin_username = Text(required=True, **USERNAME)
    admin_password = Text(required=True, load_only=True, **PASSWORD)
    admin_name = Text(min_length=1, max_length=80)
    hq_name = Text(min_length=1, max_length=120)


class TenantUpdateSchema(Schema):
    name = Text(min_length=1, max_length=120)
    status = fields.Enum(TenantStatus)


class TenantQuerySchema(Schema):
    status = fields.Enum(TenantStatus)
    q = Text(max_length=120)
