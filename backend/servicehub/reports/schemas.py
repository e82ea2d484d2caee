from datetime import date

from marshmallow import ValidationError, fields

from servicehub.extensions import QueryId, Schema
from servicehub.reports.service import MAX_DAYS, Dimension
from servicehub.tickets.enums import Status, TicketType

FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)


def _plausible(day: date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(f"Must lie between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}.")


# --- query arguments ----------------------------------------------------------------------------------------


class ReportQuerySchema(Schema):
    org_unit_id = QueryId(metadata={
        "description": "This org unit and every unit below it (404 outside the caller's report.read reach); "
                       "the caller's whole reach when omitted."})
    date_from = fields.Date(validate=_plausible, metadata={
        "description": "First day of the period, inclusive, in the group's calendar (Asia/Shanghai). Default: "
                       "the Monday 11 weeks before the Monday of date_to's week (12 weeks in all)."})
    date_to = fields.Date(validate=_plausible, metadata={
        "description": f"Last day of the period, inclusive (default today). At most {MAX_DAYS} days after "
                       "date_from, and not before it (422)."})
    type = fields.List(fields.Enum(TicketType), metadata={
        "description": "Only these ticket types (repeat the parameter); every figure follows it."})


class BreakdownQuerySchema(ReportQuerySchema):
    dimension = fields.Enum(Dimension, required=True, metadata={
        "description": "What to group by. `category`: top-level categories (sub-categories counted in theirs), "
                       "or with category_id that category's direct children; `project` and `region`: org unit "
                       "ids (a region groups the projects under it)."})
    category_id = QueryId(metadata={
        "description": "Only tickets of this category and the categories below it (404 when unknown)."})


# --- the overview ---------------------------------------------------------------------------------------------


class ReportPeriodSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from", metadata={"description": "First day, inclusive."})
    to = fields.Date(metadata={"description": "Last day, inclusive."})


class ReportTotalsSchema(Schema):
    created = fields.Integer(metadata={"description": "Tickets created in the period."})
    resolved = fields.Integer(metadata={
        "description": "Tickets resolved in the period (resolved_at in it; created at any time)."})
    open_now = fields.Integer(metadata={
        "description": "Tickets open now (new, assigned, in_progress), created at any time."})
    overdue_now = fields.Integer(metadata={
        "description": "Tickets open now and past their response due time (not yet responded to) or their "
                       "resolution due time: the tickets list's `overdue=true`."})
    major_open_now = fields.Integer(metadata={"description": "Major complaints (重大投诉) open now."})


class ReportSlaSchema(Schema):
    # Over the tickets created in the period. A target counts once it is decided: met when done in time
    # (as the ticket service sets `sla_breached`), missed when done late or when its due time passed while
    # the ticket was open (as the SLA sweep marks it; a ticket cancelled before its due time counts for neither).

    response_total = fields.Integer(metadata={
        "description": "Tickets whose response target is decided: responded to (first reply to the customer, "
                       "assignment or work started), or past response_due_at while still open (a ticket cancelled "
                       "before its due time is not counted)."})
    response_met = fields.Integer(metadata={
        "description": "Responded to no later than response_due_at (later sets the ticket's sla_breached)."})
    response_rate = fields.Float(allow_none=True, metadata={
        "description": "response_met / response_total, 4 decimal places; null when response_total is 0."})
    resolution_total = fields.Integer(metadata={
        "description": "Tickets whose resolution target is decided: resolved (resolved_at set, also when closed "
                       "since), or past resolve_due_at while still open (a ticket cancelled before its due time is not "
                       "counted)."})
    resolution_met = fields.Integer(metadata={
        "description": "Resolved no later than resolve_due_at (later sets the ticket's sla_breached); for a "
                       "reopened ticket, its last resolution."})
    resolution_rate = fields.Float(allow_none=True, metadata={
        "description": "resolution_met / resolution_total, 4 decimal places; null when resolution_total is 0."})


class ReportSatisfactionSchema(Schema):
    count = fields.Integer(metadata={"description": "Tickets created in the period with a satisfaction score."})
    average = fields.Float(allow_none=True, metadata={
        "description": "Their mean score (1–5), 2 decimal places; null without any."})


class ReportStatusCountSchema(Schema):
    key = fields.Enum(Status)
    count = fields.Integer()


class ReportTypeCountSchema(Schema):
    key = fields.Enum(TicketType)
    count = fields.Integer()


class ReportCategoryCountSchema(Schema):
    key = fields.String(metadata={"description": "A top-level category's id, or `none` for uncategorised tickets."})
    label = fields.String(allow_none=True, metadata={"description": "The category's name (null for `none`)."})
    count = fields.Integer()


class ReportWeekSchema(Schema):
    week_start = fields.Date(metadata={"description": "The Monday starting the week (Asia/Shanghai)."})
    created = fields.Integer(metadata={"description": "Created in this week and in the period."})
    resolved = fields.Integer(metadata={"description": "Resolved in this week and in the period."})


class ReportProjectSchema(Schema):
    org_unit_id = fields.Integer()
    name = fields.String()
    open_complaints = fields.Integer(metadata={"description": "Complaints open now (created at any time)."})


class ReportOverviewSchema(Schema):
    period = fields.Nested(ReportPeriodSchema)
    totals = fields.Nested(ReportTotalsSchema)
    sla = fields.Nested(ReportSlaSchema)
    satisfaction = fields.Nested(ReportSatisfactionSchema)
    by_status = fields.List(fields.Nested(ReportStatusCountSchema), metadata={
        "description": "Tickets created in the period by their status now; every status, in workflow order."})
    by_type = fields.List(fields.Nested(ReportTypeCountSchema), metadata={
        "description": "Tickets created in the period by type; every type."})
    by_category = fields.List(fields.Nested(ReportCategoryCountSchema), metadata={
        "description": "Tickets created in the period by top-level category (sub-categories counted in theirs), "
                       "most first; categories without tickets left out."})
    trend = fields.List(fields.Nested(ReportWeekSchema), metadata={
        "description": "One row per week (Monday first) the period touches, oldest first, zeros included."})
    top_projects = fields.List(fields.Nested(ReportProjectSchema), metadata={
        "description": "The (at most 10) projects with the most complaints open now, then by name; only those "
                       "with any."})


# --- the breakdown ----------------------------------------------------------------------------------------------


class ReportBreakdownRowSchema(Schema):
    key = fields.String(metadata={
        "description": "The group: the enum value (type, status, priority, channel), a category id (or `none`), "
                       "an org unit id (project, region)."})
    label = fields.String(allow_none=True, metadata={
        "description": "The category's or org unit's name; null for enum values and `none`."})
    count = fields.Integer(metadata={"description": "Tickets created in the period."})
    open = fields.Integer(metadata={"description": "Of them, open now."})
    overdue = fields.Integer(metadata={"description": "Of them, open now and overdue (as the tickets list's "
                                                      "`overdue=true`)."})
    resolved = fields.Integer(metadata={"description": "Of them, resolved (resolved_at set; also when closed since)."})
    resolution_rate = fields.Float(allow_none=True, metadata={
        "description": "Of them, resolved in time: the overview's sla.resolution_rate for this group; null when "
                       "no resolution target is decided yet."})
