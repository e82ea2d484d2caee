from flask import Response

from servicehub.access import Perm
from servicehub.contractors import scorecard, service
from servicehub.contractors.schemas import (
    ContractorCreateSchema,
    ContractorQuerySchema,
    ContractorSchema,
    ContractorUpdateSchema,
    ScorecardQuerySchema,
    ScorecardSchema,
)
from servicehub.extensions import Blueprint, current_actor, db

blp = Blueprint("contractors", __name__, url_prefix="/contractors",
                description="Contractors (维修单位): outside repair companies and the regions or projects they serve.")


@blp.route("")
@blp.auth(Perm.contractor_read)
@blp.arguments(ContractorQuerySchema, location="query")
@blp.response(200, ContractorSchema(many=True))
@blp.paginate()
@blp.errors(404)
def list_contractors(args, pagination_parameters):
    """Contractors serving a unit within the caller's reach (or above it), by name."""
    return service.list_contractors(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("", methods=["POST"])
@blp.auth(Perm.contractor_manage)
@blp.arguments(ContractorCreateSchema)
@blp.response(201, ContractorSchema)
def create_contractor(data):
    """Register a contractor for regions or projects where the caller manages contractors."""
    return service.create_contractor(db.session, actor=current_actor(), **data)


@blp.route("/scorecard")
@blp.auth(Perm.contractor_manage)
@blp.arguments(ScorecardQuerySchema, location="query")
@blp.response(200, ScorecardSchema)
@blp.errors(404)
def get_scorecard(args):
    """The contractor scorecard (维修单位考核) of a month, quarter or year.

    One row per region and contractor: jobs (work orders done in the period), on-time rate, average
    satisfaction of the tickets' resolution callbacks, reopen rate, cost, bonus / penalty (奖惩), rank
    within the region and the bottom ones flagged (末位). For the group (hq) or one region, with
    contractor.manage there."""
    return scorecard.scorecard(db.session, actor=current_actor(), **args)


@blp.route("/scorecard/export")
@blp.auth(Perm.contractor_manage)
@blp.arguments(ScorecardQuerySchema, location="query")
@blp.doc(responses={"200": {
    "description": "The scorecard's rows as an XLSX workbook (one sheet, Chinese headers, flagged rows highlighted), "
                   "as an attachment named `scorecard-<period>.xlsx`.",
    "content": {scorecard.XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}}}})
@blp.errors(404)
def export_scorecard(args):
    """The contractor scorecard as an XLSX file (the same rows as `GET /contractors/scorecard`)."""
    result = scorecard.scorecard(db.session, actor=current_actor(), **args)
    return Response(scorecard.to_xlsx(result), mimetype=scorecard.XLSX_MIME, headers={
        "Content-Disposition": f'attachment; filename="{scorecard.export_filename(result)}"',
        "Cache-Control": "private, no-store",
    })


@blp.route("/<id:contractor_id>")
@blp.auth(Perm.contractor_read)
@blp.response(200, ContractorSchema)
@blp.errors(404)
def get_contractor(contractor_id):
    return service.get_contractor(db.session, actor=current_actor(), contractor_id=contractor_id)


@blp.route("/<id:contractor_id>", methods=["PATCH"])
@blp.auth(Perm.contractor_manage)
@blp.arguments(ContractorUpdateSchema)
@blp.response(200, ContractorSchema)
@blp.errors(404, 409)
def update_contractor(data, contractor_id):
    """Edit a contractor (contractor.manage at every unit it serves); `org_unit_ids` replaces its service area.
    Deactivating one with open work orders answers 409 (finish or reject them first)."""
    return service.update_contractor(db.session, actor=current_actor(), contractor_id=contractor_id, changes=data)
