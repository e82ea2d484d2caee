from servicehub.access import Perm
from servicehub.customers import service
from servicehub.customers.schemas import (
    CustomerCreateSchema,
    CustomerGetQuerySchema,
    CustomerQuerySchema,
    CustomerSchema,
    CustomerUpdateSchema,
    HoldingSchema,
    TimelineEntrySchema,
)
from servicehub.extensions import Blueprint, current_actor, db

blp = Blueprint("customers", __name__, url_prefix="/customers", description="Customer files (一户一档).")


@blp.route("")
@blp.auth(Perm.customer_read)
@blp.arguments(CustomerQuerySchema, location="query")
@blp.response(200, CustomerSchema(many=True))
@blp.paginate()
def list_customers(args, pagination_parameters):
    """Find customers by phone (full or last 4), unit (3-2-1201) or name; newest first."""
    return service.list_customers(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("", methods=["POST"])
@blp.auth(Perm.customer_write)
@blp.arguments(CustomerCreateSchema)
@blp.response(201, CustomerSchema)
@blp.errors(404, 409)
def create_customer(data):
    """Open a customer file. A phone already on file answers 409 (naming that file if the caller may read it)."""
    return service.create_customer(db.session, actor=current_actor(), **data)


@blp.route("/<id:customer_id>")
@blp.auth(Perm.customer_read)
@blp.arguments(CustomerGetQuerySchema, location="query")
@blp.response(200, CustomerSchema)
@blp.errors(404)
def get_customer(args, customer_id):
    """The customer file, phone and ID number masked; `reveal=true` unmasks them (audited)."""
    return service.get_customer(db.session, actor=current_actor(), customer_id=customer_id, **args)


@blp.route("/<id:customer_id>", methods=["PATCH"])
@blp.auth(Perm.customer_write)
@blp.arguments(CustomerUpdateSchema)
@blp.response(200, CustomerSchema)
@blp.errors(404, 409)
def update_customer(data, customer_id):
    return service.update_customer(db.session, actor=current_actor(), customer_id=customer_id, changes=data)


@blp.route("/<id:customer_id>/properties")
@blp.auth(Perm.customer_read)
@blp.response(200, HoldingSchema(many=True))
@blp.errors(404)
def customer_properties(customer_id):
    """The units the customer holds or held (current relations first) in projects within the caller's reach."""
    return service.list_holdings(db.session, actor=current_actor(), customer_id=customer_id)


@blp.route("/<id:customer_id>/timeline")
@blp.auth(Perm.customer_read)
@blp.response(200, TimelineEntrySchema(many=True))
@blp.paginate()
@blp.errors(404)
def customer_timeline(customer_id, pagination_parameters):
    """Everything that happened with the customer, newest first."""
    return service.timeline(db.session, actor=current_actor(), customer_id=customer_id, pagination=pagination_parameters)
