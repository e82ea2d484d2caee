from servicehub.access import Perm
from servicehub.contractors import service
from servicehub.contractors.schemas import (
    ContractorCreateSchema,
    ContractorQuerySchema,
    ContractorSchema,
    ContractorUpdateSchema,
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
@blp.errors(404)
def update_contractor(data, contractor_id):
    """Edit a contractor (contractor.manage at every unit it serves); `org_unit_ids` replaces its service area."""
    return service.update_contractor(db.session, actor=current_actor(), contractor_id=contractor_id, changes=data)
