from marshmallow import fields, validate

from servicehub.extensions import Flag, Schema, Text
from servicehub.settings.models import ClusterScope


class ServiceSettingsSchema(Schema):
    major_households = fields.Integer(metadata={"description": "A complaint of this many households goes to hq."})
    group_complaint_count = fields.Integer(metadata={"description": "群诉预警: complaints of one category ..."})
    group_complaint_days = fields.Integer(metadata={"description": "... within this many days ..."})
    group_complaint_scope = fields.Enum(ClusterScope, metadata={"description": "... in one project or one building."})
    reminder_minutes = fields.Integer(metadata={"description": "An unacknowledged escalation is reminded this often."})
    sla_escalation = fields.Boolean(metadata={"description": "A breached ticket climbs one level."})
    webhook_url = fields.String(allow_none=True)
    webhook_secret_set = fields.Boolean(dump_only=True, metadata={
        "description": "Whether a webhook secret is set; the secret itself is never shown."})
    sms_on_major = fields.Boolean()
    updated_at = fields.DateTime(allow_none=True)


class ServiceSettingsUpdateSchema(Schema):
    major_households = fields.Integer(strict=True, validate=validate.Range(1, 10_000))
    group_complaint_count = fields.Integer(strict=True, validate=validate.Range(2, 1_000))
    group_complaint_days = fields.Integer(strict=True, validate=validate.Range(1, 90))
    group_complaint_scope = fields.Enum(ClusterScope)
    reminder_minutes = fields.Integer(strict=True, validate=validate.Range(5, 7 * 24 * 60))
    sla_escalation = Flag()
    webhook_url = Text(allow_none=True, max_length=500,
                       validate=validate.URL(schemes={"https", "http"}, require_tld=False))
    webhook_secret = Text(allow_none=True, min_length=16, max_length=200, load_only=True)
    sms_on_major = Flag()
