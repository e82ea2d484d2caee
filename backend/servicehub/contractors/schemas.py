from marshmallow import ValidationError, fields, validate, validates_schema

from servicehub.contractors.models import Trade
from servicehub.contractors.scorecard import PERIOD_PATTERN, parse_period
from servicehub.extensions import Flag, Id, QueryId, Schema, Text



class ContractorSchema(Schema):
    id = fields.Integer()
    name = fields.String(metadata={"description": "The company."})
    trades = fields.List(fields.String(validate=validate.OneOf([t.value for t in Trade])))
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    org_unit_ids = fields.List(fields.Integer(), metadata={"description": "The regions or projects served."})
    contract_start = fields.Date()
    contract_end = fields.Date()
    is_active = fields.Boolean()
    notes = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class _Period(Schema):
    @validates_schema
    def _period(self, data, **kwargs):
        start, end = data.get("contract_start"), data.get("contract_end")
        if start is not None and end is not None and end < start:
            raise ValidationError("The contract ends before it starts.", field_name="contract_end")


class ContractorCreateSchema(_Period):
    name = Text(required=True, min_length=1, max_length=120)
    trades = fields.List(fields.Enum(Trade), required=True, validate=validate.Length(min=1, max=len(Trade)),
                         metadata={"description": "At least one; `general` takes any trade."})
    contact_name = Text(allow_none=True, max_length=80)
    contact_phone = Text(allow_none=True, max_length=30,
                         validate=validate.Regexp(r"^[0-9+\- ]{3,30}$", error="Digits, +, - and spaces."))
    org_unit_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=200),
                               metadata={"description": "The regions or projects served (a region: all its projects)."})
    contract_start = fields.Date(required=True)
    contract_end = fields.Date(required=True)
    is_active = Flag()
    notes = Text(allow_none=True, max_length=2000)


class ContractorUpdateSchema(_Period):
    name = Text(min_length=1, max_length=120)
    trades = fields.List(fields.Enum(Trade), validate=validate.Length(min=1, max=len(Trade)))
    contact_name = Text(allow_none=True, max_length=80)
    contact_phone = Text(allow_none=True, max_length=30,
                         validate=validate.Regexp(r"^[0-9+\- ]{3,30}$", error="Digits, +, - and spaces."))
    org_unit_ids = fields.List(Id(), validate=validate.Length(min=1, max=200),
                               metadata={"description": "Replaces the units served."})
    contract_start = fields.Date()
    contract_end = fields.Date()
    is_active = Flag()
    notes = Text(allow_none=True, max_length=2000)


class ContractorQuerySchema(Schema):
    q = Text(max_length=64, metadata={"description": "Words of the company or contact name, or the phone."})
    trade = fields.Enum(Trade, metadata={"description": "Contractors of this trade (or `general` ones)."})
    active = fields.Boolean()
    org_unit_id = QueryId(metadata={"description": "Contractors whose service area overlaps this unit: serving it, "
                                                   "a unit above it (a region serves its projects) or one below it."})


# --- the scorecard (维修单位考核) -------------------------------------------------------------------------------


class PeriodField(fields.String):
    """`YYYY-MM`, `YYYY-Qn` or `YYYY` of the group's calendar, parsed into its days."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parse_period(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class ScorecardQuerySchema(Schema):
    period = PeriodField(required=True, metadata={
        "description": "A month (`2026-10`), a quarter (`2026-Q4`) or a year (`2026`) of the group's calendar "
                       "(Asia/Shanghai).",
        "pattern": PERIOD_PATTERN, "example": "2026-10"})
    org_unit_id = QueryId(metadata={
        "description": "The group (hq: every region) or one region (404 outside the caller's contractor.manage "
                       "reach; a project answers 422: the scorecard ranks within a region). Default: the caller's "
                       "top unit where they manage contractors."})


class ScorecardRowSchema(Schema):
    region_id = fields.Integer()
    region_name = fields.String()
    contractor_id = fields.Integer()
    contractor_name = fields.String()
    trades = fields.List(fields.String(validate=validate.OneOf([t.value for t in Trade])))
    jobs = fields.Integer(metadata={
        "description": "Work orders done with finished_at in the period, in the region's projects."})
    on_time_jobs = fields.Integer(metadata={"description": "Of them, finished no later than the ticket's resolve_due_at."})
    on_time_rate = fields.Float(allow_none=True, metadata={
        "description": "on_time_jobs / jobs, 4 decimal places; null when jobs is 0."})
    scored_jobs = fields.Integer(metadata={
        "description": "Jobs whose ticket has a completed resolution callback (回访) with a score."})
    avg_satisfaction = fields.Float(allow_none=True, metadata={
        "description": "The mean of those scores (1–5), 2 decimal places (half up); null without any."})
    reopened_jobs = fields.Integer(metadata={"description": "Jobs whose ticket was reopened after the job finished."})
    reopen_rate = fields.Float(allow_none=True, metadata={
        "description": "reopened_jobs / jobs, 4 decimal places; null when jobs is 0."})
    cost_total = fields.Decimal(as_string=True, places=2, metadata={
        "type": "string", "format": "decimal", "description": "The jobs' cost (yuan)."})
    bonus_penalty = fields.Decimal(as_string=True, places=2, metadata={
        "type": "string", "format": "decimal",
        "description": "奖惩: over the scored jobs with a cost, cost × 5 → +2 %, 4 → +1 %, 3 → −1 %, 2 → −2 %, "
                       "1 → −5 %, each job rounded half up to 0.01 (yuan; negative: a penalty)."})
    rank = fields.Integer(allow_none=True, metadata={
        "description": "Within the region by avg_satisfaction (as shown, 2 decimals), highest first; equal "
                       "averages share a rank (1, 2, 2, 4); null without a scored job."})
    ranked_in_region = fields.Integer(metadata={"description": "How many contractors have a rank in the region."})
    flagged = fields.Boolean(metadata={
        "description": "末位: with at least 2 ranked in the region, the bottom ceil(10 %) positions (at least one), "
                       "and everyone sharing the rank of one of them."})


class ScorecardSchema(Schema):
    period = fields.String(metadata={"description": "As asked: `2026-10`, `2026-Q4` or `2026`."})
    starts_on = fields.Date(metadata={"description": "First day of the period, inclusive."})
    ends_on = fields.Date(metadata={"description": "Last day of the period, inclusive."})
    org_unit_id = fields.Integer(metadata={"description": "The group's hq or the region the rows cover."})
    rows = fields.List(fields.Nested(ScorecardRowSchema), metadata={
        "description": "One per region and contractor: every contractor with a job in the region in the period "
                       "(active or not), and the active ones serving the region (or one of its projects) without "
                       "one. By region code, then rank (unranked last), then contractor name."})
