from marshmallow import ValidationError, fields, validate, validates_schema

from servicehub.callbacks.models import CallbackKind, CallbackStatus
from servicehub.callbacks.service import MAX_ATTEMPTS, MAX_BULK, RETRY_HOURS
from servicehub.extensions import Flag, Id, QueryId, Schema, Text, Timestamp
from servicehub.tickets.enums import Status

SCORE = validate.Range(1, 5)


class AttemptSchema(Schema):
    number = fields.Integer(metadata={"description": "1, 2, 3: the call's place in the series."})
    at = fields.DateTime()
    by_id = fields.Integer()
    by_name = fields.String()
    reached = fields.Boolean()
    comment = fields.String(allow_none=True)


class CallbackSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(CallbackKind, metadata={"description": (
        "resolution (24 h after the ticket was resolved), major_repair (2 months after a major repair), "
        "handover, property_service, design.")})
    status = fields.Enum(CallbackStatus, metadata={"description": (
        f"pending; completed (reached and scored); unreached (not reached in {MAX_ATTEMPTS} calls); cancelled.")})
    due_at = fields.DateTime(metadata={"description": f"Moves {RETRY_HOURS} h past each call that did not reach."})
    round = fields.Integer(metadata={"description": (
        "Of a ticket's callback: which resolution of the ticket it follows (1, then 2 after a reopen and a new "
        "resolution); pending callbacks of a ticket are cancelled when it is reopened.")})
    org_unit_id = fields.Integer(metadata={"description": "The project."})
    org_unit_name = fields.String(allow_none=True)
    ticket_id = fields.Integer(allow_none=True)
    ticket_number = fields.String(allow_none=True)
    ticket_title = fields.String(allow_none=True)
    ticket_status = fields.Enum(Status, allow_none=True)
    customer_id = fields.Integer(allow_none=True)
    customer_name = fields.String(allow_none=True)
    customer_phone = fields.String(allow_none=True, metadata={
        "description": "Always masked (138****1234); the whole number is on the customer file (reveal)."})
    assignee_id = fields.Integer(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    attempts = fields.Integer(metadata={"description": "Calls made so far, reached or not."})
    satisfaction_timeliness = fields.Integer(allow_none=True)
    satisfaction_quality = fields.Integer(allow_none=True)
    satisfaction_attitude = fields.Integer(allow_none=True)
    satisfaction = fields.Integer(allow_none=True, metadata={
        "description": "The overall score: the lowest of the three (1–2 reopens the ticket)."})
    comment = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by_id = fields.Integer(allow_none=True)
    completed_by_name = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created_by_id = fields.Integer(allow_none=True, metadata={"description": "None: scheduled by the system."})


class CallbackDetailSchema(CallbackSchema):
    attempt_log = fields.List(fields.Nested(AttemptSchema), metadata={"description": "Every call, first first."})


class CallbackQuerySchema(Schema):
    status = fields.List(fields.Enum(CallbackStatus), load_default=lambda: [CallbackStatus.pending],
                         metadata={"description": "Default: pending (the queue)."})
    kind = fields.List(fields.Enum(CallbackKind))
    assignee_id = QueryId()
    mine = fields.Boolean(metadata={"description": (
        "true: assigned to the caller, or unassigned in a project where the caller's own membership works "
        "callbacks (their front desk; a region's or hq's membership does not make a project's unassigned "
        "callbacks theirs). false: the others.")})
    org_unit_id = QueryId(metadata={"description": "This org unit and every unit below it."})
    due_before = Timestamp(metadata={"description": "Due before this moment (exclusive)."})
    ticket_id = QueryId()
    customer_id = QueryId()


class CallbackCreateSchema(Schema):
    org_unit_id = Id(required=True, metadata={"description": "The project."})
    kind = fields.Enum(CallbackKind, required=True, metadata={
        "description": "resolution and major_repair need a resolved or closed `ticket_id` (one per ticket and kind)."})
    due_at = Timestamp(required=True)
    customer_id = Id(allow_none=True, metadata={
        "description": "A customer of the project; defaults to the ticket's customer."})
    ticket_id = Id(allow_none=True, metadata={"description": "A ticket of the project."})
    assignee_id = Id(allow_none=True, metadata={"description": "A colleague who works callbacks of the project."})


class CallbackBulkSchema(Schema):
    org_unit_id = Id(required=True, metadata={"description": "The project."})
    kind = fields.Enum(CallbackKind, required=True, validate=validate.OneOf(
        [CallbackKind.handover, CallbackKind.property_service, CallbackKind.design]),
        metadata={"description": "handover, property_service or design."})
    due_at = Timestamp(required=True)
    customer_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=MAX_BULK), metadata={
        "description": f"1 to {MAX_BULK} customers of the project, each once: one callback each, all or none."})
    assignee_id = Id(allow_none=True)


class ScoresSchema(Schema):
    timeliness = fields.Integer(strict=True, required=True, validate=SCORE, metadata={"description": "及时性 1–5"})
    quality = fields.Integer(strict=True, required=True, validate=SCORE, metadata={"description": "质量 1–5"})
    attitude = fields.Integer(strict=True, required=True, validate=SCORE, metadata={"description": "态度 1–5"})


class CompleteSchema(Schema):
    reached = Flag(required=True, metadata={"description": "Did the customer answer?"})
    satisfaction = fields.Nested(ScoresSchema, allow_none=True, metadata={
        "description": "Required when reached, refused when not."})
    comment = Text(allow_none=True, max_length=1000, metadata={"description": "What the customer said, or why not reached."})

    @validates_schema
    def _scores(self, data, **kwargs):
        if data.get("reached") is True and not data.get("satisfaction"):
            raise ValidationError("Required when reached.", field_name="satisfaction")
        if data.get("reached") is False and data.get("satisfaction"):
            raise ValidationError("Only when reached.", field_name="satisfaction")
