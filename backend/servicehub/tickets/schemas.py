from marshmallow import ValidationError, fields, validate, validates_schema

from servicehub.access import Role
from servicehub.extensions import FileUpload, Flag, Id, QueryId, Schema, Text, Timestamp
from servicehub.properties.warranty import Component, Reason
from servicehub.tickets.enums import Sensitive, Channel, CommentKind, Level, PhotoStage, Priority, Status, TicketType
from servicehub.users.models import Function

HOUSEHOLDS = validate.Range(1, 100_000)
SENSITIVE = fields.List(fields.Enum(Sensitive), validate=validate.Length(max=3), metadata={
    "description": "Exposure of a complaint (media, lawsuit, government hotline): it goes to headquarters."})
SORTS = ("-created_at", "created_at", "-updated_at", "updated_at", "resolve_due_at", "-resolve_due_at", "number")


class TicketSchema(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"description": "Human readable, unique per group: DEMO-202611-000123."})
    type = fields.Enum(TicketType)
    channel = fields.Enum(Channel)
    category_id = fields.Integer(allow_none=True)
    category_name = fields.String(allow_none=True)
    priority = fields.Enum(Priority)
    status = fields.Enum(Status)
    org_unit_id = fields.Integer(metadata={"description": "The project."})
    org_unit_name = fields.String(allow_none=True)
    customer_id = fields.Integer(allow_none=True)
    customer_name = fields.String(allow_none=True)
    property_id = fields.Integer(allow_none=True)
    title = fields.String()
    description = fields.String()
    is_major = fields.Boolean()
    households_affected = fields.Integer()
    sensitive = fields.List(fields.String(), metadata={"description": "media, lawsuit, government_hotline"})
    first_responder_id = fields.Integer(metadata={"description": "首问责任人: accountable until the ticket closes."})
    first_responder_name = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    function = fields.Enum(Function, allow_none=True)
    escalation_level = fields.Enum(Level)
    contacted_at = fields.DateTime(allow_none=True)
    logged_late = fields.Boolean(metadata={"description": "Logged later than the intake target after the contact."})
    response_due_at = fields.DateTime()
    resolve_due_at = fields.DateTime()
    responded_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    dispatch_due_at = fields.DateTime(allow_none=True, metadata={
        "description": "Repairs: someone is sent (派工) by then — the repair's response target, equal to "
                       "`response_due_at` —; null for other tickets."})
    dispatched_at = fields.DateTime(allow_none=True, metadata={
        "description": "Repairs: when the first work order was dispatched (stops the dispatch clock)."})
    dispatch_breached_at = fields.DateTime(allow_none=True, metadata={
        "description": "Repairs: when the SLA sweep found it not dispatched past `dispatch_due_at` (派工超时)."})
    sla_breached = fields.Boolean()
    is_overdue = fields.Boolean()
    satisfaction = fields.Integer(allow_none=True)
    reopen_count = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer(metadata={"description": "Also the ETag; send it as If-Match to update."})


class TicketWarrantySchema(Schema):
    """The warranty (保修期) of a repair ticket's defect."""

    in_warranty = fields.Boolean(metadata={"description": "Free repair; out of warranty: a paid repair (有偿维修)."})
    component = fields.Enum(Component)
    until = fields.Date(allow_none=True, metadata={"description": "The last covered day (null: not handed over, or no unit)."})
    reason = fields.Enum(Reason)
    source = fields.String(validate=validate.OneOf(("work_order", "estimate")), metadata={
        "description": "`work_order`: the decision of the ticket's latest work order; `estimate`: computed now "
                       "from the unit's handover date and the component of the ticket's category (no work order yet)."})


class TicketDetailSchema(TicketSchema):
    """One ticket, as GET /tickets/{id} and the writes answer it: with its warranty."""

    warranty = fields.Nested(TicketWarrantySchema, allow_none=True, metadata={
        "description": "Repairs only (null otherwise); null too when the category maps to no component and no "
                       "work order was dispatched."})


class TicketCreateSchema(Schema):
    type = fields.Enum(TicketType, required=True)
    channel = fields.Enum(Channel, required=True)
    org_unit_id = Id(required=True, metadata={"description": "The project."})
    title = Text(required=True, min_length=1, max_length=200)
    description = Text(required=True, min_length=1, max_length=5000)
    priority = fields.Enum(Priority)
    category_id = Id(allow_none=True)
    customer_id = Id(allow_none=True)
    property_id = Id(allow_none=True)
    is_major = Flag()
    households_affected = fields.Integer(strict=True, validate=HOUSEHOLDS)
    sensitive = SENSITIVE
    assignee_id = Id(allow_none=True, metadata={"description": "Route at intake: the ticket starts as assigned."})
    function = fields.Enum(Function, allow_none=True,
                           metadata={"description": "Defaults to the category's routing."})
    contacted_at = Timestamp(allow_none=True, metadata={"description": "When the customer got in touch (default: now)."})


class TicketUpdateSchema(Schema):
    title = Text(min_length=1, max_length=200)
    description = Text(min_length=1, max_length=5000)
    priority = fields.Enum(Priority, metadata={"description": "Moves the due times."})
    category_id = Id(allow_none=True)
    customer_id = Id(allow_none=True)
    property_id = Id(allow_none=True)
    is_major = Flag()
    households_affected = fields.Integer(strict=True, validate=HOUSEHOLDS)
    sensitive = SENSITIVE
    assignee_id = Id(metadata={"description": "Assigning a new ticket moves it to assigned."})
    function = fields.Enum(Function, allow_none=True)
    reason = Text(min_length=1, max_length=1000, metadata={"description": "Required to reassign."})


class TransitionSchema(Schema):
    to = fields.Enum(Status, required=True)
    reason = Text(min_length=1, max_length=1000,
                  metadata={"description": "Required to cancel and to reopen; the resolution note when resolving."})
    override_callback = Flag(metadata={"description": (
        "Close although the ticket's first callback (回访, kind resolution) is still pending: a manager's "
        "override, with a `reason`; recorded in the timeline and the audit log. Without it such a close "
        "answers 409.")})


class EscalateSchema(Schema):
    reason = Text(required=True, min_length=1, max_length=1000)


class TicketQuerySchema(Schema):
    q = Text(max_length=64, metadata={"description": "Number, words of title or description, or the customer (name, phone, unit)."})
    type = fields.List(fields.Enum(TicketType))
    status = fields.List(fields.Enum(Status))
    priority = fields.List(fields.Enum(Priority))
    channel = fields.List(fields.Enum(Channel))
    category_id = QueryId(metadata={"description": "This category and every category below it."})
    org_unit_id = QueryId(metadata={"description": "This org unit and every unit below it."})
    assignee_id = QueryId()
    first_responder_id = QueryId()
    customer_id = QueryId()
    property_id = QueryId()
    function = fields.Enum(Function)
    escalation_level = fields.Enum(Level)
    is_major = fields.Boolean()
    overdue = fields.Boolean(metadata={"description": "Open and past its response or resolution due time."})
    mine = fields.Boolean(metadata={"description": "Assigned to the caller or taken first by the caller (我的工单)."})
    created_from = Timestamp(metadata={"description": "Created at or after this moment."})
    created_to = Timestamp(metadata={"description": "Created before this moment (exclusive)."})
    resolved_from = Timestamp(metadata={
        "description": "Resolved at or after this moment (`resolved_at`: a reopened ticket is not resolved)."})
    resolved_to = Timestamp(metadata={"description": "Resolved before this moment (exclusive)."})
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(SORTS))
    after = Text(max_length=200, metadata={
        "description": "Keyset pagination: the `next_cursor` of the previous page (sort by created_at only); "
                       "`page` is then ignored. Deep pages stay as fast as the first."})

    @validates_schema
    def _keyset(self, data, **kwargs):
        if data.get("after") and data.get("sort", "-created_at").lstrip("-") != "created_at":
            raise ValidationError("Only with sort=created_at or -created_at.", field_name="after")


class CommentCreateSchema(Schema):
    kind = fields.Enum(CommentKind, load_default=CommentKind.internal,
                       metadata={"description": "`internal` note, or `reply` to the customer (counts as the response)."})
    body = Text(required=True, min_length=1, max_length=5000)


class CommentSchema(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    kind = fields.Enum(CommentKind)
    body = fields.String()
    author_id = fields.Integer()
    author_name = fields.String()
    created_at = fields.DateTime()


class AttachmentUploadSchema(Schema):
    file = FileUpload(required=True, metadata={"description": "A photo (JPEG, PNG, WebP, GIF, HEIC), a PDF or an MP4 video."})


class AttachmentSchema(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by_id = fields.Integer()
    uploaded_by_name = fields.String()
    created_at = fields.DateTime()
    work_order_id = fields.Integer(allow_none=True, metadata={
        "description": "A before / after photo of this work order (维修前 / 维修后照片); null: a file of the ticket."})
    stage = fields.Enum(PhotoStage, allow_none=True, metadata={"description": "before / after (work order photos only)."})


class EventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    kind = fields.String(metadata={"description": "created, assigned, reassigned, status_changed, reopened, updated, "
                                                  "due_changed, commented, attachment_added, escalated, sla_breached, "
                                                  "escalation_acknowledged, callback_not_reached, callback_completed, "
                                                  "work_order_dispatched, work_order_accepted, work_order_on_site, "
                                                  "work_order_done, work_order_rejected, work_order_quote_accepted, "
                                                  "work_order_quote_declined, work_order_photo, callback_planned"})
    data = fields.Dict(metadata={"description": (
        "What changed, by kind. created: `number`, `type`, `priority`, `channel`, `response_due_at`, "
        "`resolve_due_at`, `dispatch_due_at` (repairs), `sla_source`. assigned: `to` (user id) and `to_name`; reassigned: `from`, `from_name`, `to`, "
        "`to_name` and `reason` (the names as they were at the time; events written before names were kept "
        "carry the ids only). status_changed and reopened: `from`, `to` (statuses), `reason`. updated: "
        "`changes` ({field: {from, to}}). due_changed: `response_due_at`, `resolve_due_at`, `dispatch_due_at` (repairs) ({from, to}). "
        "commented: `comment_id`, `kind`. attachment_added: `attachment_id`, `filename`, `content_type`, `size`. "
        "escalated: `from`, `to` (levels), `rule`, `reason`. sla_breached (by `system`): `which` (response, "
        "resolution, dispatch), `due_at`, `escalated_to`. escalation_acknowledged: `escalation_id`, `level`. "
        "A close over a pending callback adds `override_callback` (the callback's id) to status_changed; a "
        "reopen by a dissatisfied callback is by `system` and adds `callback_id` and `satisfaction`; a reopen that "
        "cancelled the ticket's pending callbacks adds `cancelled_callbacks` (their ids). "
        "callback_not_reached: `callback_id`, `kind`, `attempt`, `comment`, `next_due_at` (null once closed as "
        "unreached), `unreached`. callback_completed: `callback_id`, `kind`, `timeliness`, `quality`, "
        "`attitude`, `satisfaction` (the lowest), `comment`. work_order_dispatched: `work_order_id`, "
        "`contractor_id`, `contractor_name`, `supervisor_id`, `supervisor_name`, `component`, `trade`, "
        "`in_warranty`, `warranty_until`, `warranty_reason`. work_order_accepted / _on_site / _done / _rejected: "
        "`work_order_id`, `from`, `to`, and `result`, `finished_at` (done) or `reason` (rejected). "
        "work_order_quote_accepted / _declined: `work_order_id`, `quote_amount`. work_order_photo: `work_order_id`, "
        "`attachment_id`, `stage`, `filename`, `content_type`, `size`. callback_planned: `callback_id`, `kind`, "
        "`due_at`, `assignee_id`.")})


class AssigneeSchema(Schema):
    id = fields.Integer(metadata={"description": "The user: send it as `assignee_id`."})
    name = fields.String()
    username = fields.String()
    roles = fields.List(fields.Enum(Role), metadata={
        "description": "Their roles that work tickets (ticket.write) at the ticket's project or above it."})
    function = fields.Enum(Function, allow_none=True, metadata={
        "description": "The function of their membership nearest the project."})
    open_tickets = fields.Integer(metadata={
        "description": "Tickets assigned to them that are open now (new, assigned, in progress), in the whole group."})
