from flask import request
from marshmallow import fields, pre_load, validate

from servicehub.contractors.models import Trade
from servicehub.extensions import FileUpload, Id, QueryId, Schema, Text, Timestamp
from servicehub.properties.warranty import Component, Reason
from servicehub.tickets.enums import PhotoStage
from servicehub.work_orders.models import QuoteStatus
from servicehub.work_orders.workflow import WorkOrderStatus

MONEY = {"places": 2, "validate": validate.Range(0, 9_999_999_999),
         "metadata": {"description": "Yuan, at most 2 decimals (e.g. 350.5); answered as a string (\"350.50\")."}}


class WorkOrderSchema(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    ticket_number = fields.String()
    org_unit_id = fields.Integer(metadata={"description": "The ticket's project."})
    contractor_id = fields.Integer()
    contractor_name = fields.String()
    supervisor_id = fields.Integer()
    supervisor_name = fields.String()
    dispatched_by_id = fields.Integer()
    status = fields.Enum(WorkOrderStatus)
    trade = fields.Enum(Trade)
    component = fields.Enum(Component)
    scheduled_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    arrived_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    materials = fields.String(allow_none=True)
    cost = fields.Decimal(allow_none=True, as_string=True, metadata={"type": "string", "format": "decimal"})
    result = fields.String(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    in_warranty = fields.Boolean(metadata={"description": "Decided at creation from the handover date and the component."})
    warranty_until = fields.Date(allow_none=True, metadata={"description": "The last covered day (null: not handed over)."})
    warranty_reason = fields.Enum(Reason)
    is_paid = fields.Boolean(metadata={"description": "Out of warranty: a paid repair (有偿维修) with a quote."})
    quote_amount = fields.Decimal(allow_none=True, as_string=True, metadata={"type": "string", "format": "decimal"})
    quote_status = fields.Enum(QuoteStatus, allow_none=True)
    photo_count_before = fields.Integer(metadata={"description": "Photos taken before the repair (维修前照片)."})
    photo_count_after = fields.Integer(metadata={"description": "Photos taken after the repair (维修后照片)."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer(metadata={"description": "Also the ETag; send it as If-Match to update."})


class WorkOrderCreateSchema(Schema):
    ticket_id = Id(required=True, metadata={"description": "A repair ticket (报修), open."})
    contractor_id = Id(required=True, metadata={
        "description": "Active, within its contract period, serving the ticket's project."})
    supervisor_id = Id(required=True, metadata={"description": "An engineer or project manager of the project."})
    component = fields.Enum(Component, metadata={"description": "Defaults to the one of the ticket's category."})
    trade = fields.Enum(Trade, metadata={"description": "Defaults to the component's trade."})
    scheduled_at = Timestamp(allow_none=True)
    materials = Text(allow_none=True, max_length=2000)
    quote_amount = fields.Decimal(allow_none=True, **MONEY)


class WorkOrderUpdateSchema(Schema):
    supervisor_id = Id()
    scheduled_at = Timestamp(allow_none=True)
    arrived_at = Timestamp(allow_none=True)
    finished_at = Timestamp(allow_none=True)
    materials = Text(allow_none=True, max_length=2000)
    cost = fields.Decimal(allow_none=True, **MONEY)
    result = Text(allow_none=True, max_length=5000)
    quote_amount = fields.Decimal(allow_none=True, **{**MONEY, "metadata": {
        "description": "Paid repairs only, while the quote is pending (yuan, at most 2 decimals)."}})
    quote_status = fields.Enum(QuoteStatus, metadata={
        "description": "The customer's answer (accepted / declined), paid repairs only, once there is an amount."})


class WorkOrderTransitionSchema(Schema):
    to = fields.Enum(WorkOrderStatus, required=True)
    reason = Text(min_length=1, max_length=1000, metadata={"description": "Required to reject (the contractor's reason)."})
    result = Text(min_length=1, max_length=5000, metadata={"description": "What was done: required for done unless set."})
    finished_at = Timestamp(metadata={"description": "When the work finished (default: now, or as set)."})


class WorkOrderQuerySchema(Schema):
    status = fields.List(fields.Enum(WorkOrderStatus))
    contractor_id = QueryId()
    ticket_id = QueryId()
    supervisor_id = QueryId()
    org_unit_id = QueryId(metadata={"description": "This org unit and every unit below it."})


class PhotoUploadSchema(Schema):
    """One multipart/form-data body: the photo and its stage."""

    file = FileUpload(required=True, metadata={"description": "A photo: JPEG, PNG, WebP, GIF or HEIC (read from the bytes)."})
    stage = fields.Enum(PhotoStage, required=True, metadata={"description": "before (维修前) or after (维修后) the repair."})

    @pre_load
    def _with_form_fields(self, data, **kwargs):
        """webargs reads the `files` part of the body only; its text fields sit in `request.form`."""
        return {**request.form.to_dict(), **{key: data[key] for key in data}}


class PhotoQuerySchema(Schema):
    stage = fields.Enum(PhotoStage)
