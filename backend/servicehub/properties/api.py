from servicehub.access import Perm
from servicehub.extensions import Blueprint, current_actor, db
from servicehub.properties import service
from servicehub.properties.schemas import (
    BulkResultSchema,
    OwnerCreateSchema,
    OwnershipEndSchema,
    OwnershipSchema,
    PropertyBulkSchema,
    PropertyCreateSchema,
    PropertyQuerySchema,
    PropertySchema,
    PropertyUpdateSchema,
)

blp = Blueprint("properties", __name__, url_prefix="/properties", description="Units (房产) and who owns them.")


@blp.route("")
@blp.auth(Perm.customer_read)
@blp.arguments(PropertyQuerySchema, location="query")
@blp.response(200, PropertySchema(many=True))
@blp.paginate()
def list_properties(args, pagination_parameters):
    return service.list_properties(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("", methods=["POST"])
@blp.auth(Perm.customer_write)
@blp.arguments(PropertyCreateSchema)
@blp.response(201, PropertySchema)
@blp.errors(404, 409)
def create_property(data):
    return service.create_property(db.session, actor=current_actor(), **data)


@blp.route("/bulk", methods=["POST"])
@blp.auth(Perm.customer_write)
@blp.arguments(PropertyBulkSchema)
@blp.response(201, BulkResultSchema)
@blp.errors(404)
def bulk_create(data):
    """Create every unit of a building (units × floors × rooms per floor); existing ones are skipped."""
    return service.bulk_create(db.session, actor=current_actor(), **data)


@blp.route("/<id:property_id>")
@blp.auth(Perm.customer_read)
@blp.response(200, PropertySchema)
@blp.errors(404)
def get_property(property_id):
    return service.get_property(db.session, actor=current_actor(), property_id=property_id)


@blp.route("/<id:property_id>", methods=["PATCH"])
@blp.auth(Perm.customer_write)
@blp.arguments(PropertyUpdateSchema)
@blp.response(200, PropertySchema)
@blp.errors(404)
def update_property(data, property_id):
    """Edit a unit; a new handover date moves its owners' lifecycle stage."""
    return service.update_property(db.session, actor=current_actor(), property_id=property_id, changes=data)


@blp.route("/<id:property_id>/owners")
@blp.auth(Perm.customer_read)
@blp.response(200, OwnershipSchema(many=True))
@blp.errors(404)
def list_owners(property_id):
    return service.list_owners(db.session, actor=current_actor(), property_id=property_id)


@blp.route("/<id:property_id>/owners", methods=["POST"])
@blp.auth(Perm.customer_write)
@blp.arguments(OwnerCreateSchema)
@blp.response(201, OwnershipSchema)
@blp.errors(404, 409)
def add_owner(data, property_id):
    """Link an owner, co-owner or resident (by customer_id, or by phone for a file opened elsewhere)."""
    return service.add_owner(db.session, actor=current_actor(), property_id=property_id, **data)


@blp.route("/<id:property_id>/owners/<id:ownership_id>/end", methods=["POST"])
@blp.auth(Perm.customer_write)
@blp.arguments(OwnershipEndSchema)
@blp.response(200, OwnershipSchema)
@blp.errors(404, 409)
def end_ownership(data, property_id, ownership_id):
    """End a relation (sold, moved out); it stays in the customer's history."""
    return service.end_ownership(db.session, actor=current_actor(), property_id=property_id,
                                 ownership_id=ownership_id, **data)
