from servicehub.access import Perm
from servicehub.customers import service
from servicehub.customers.schemas import (
    CustomerCreateSchema,
    CustomerQuerySchema,
    CustomerSchema,
    CustomerUpdateSchema,
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
    """Open a customer file. A phone already on file answers 409 naming the existing customer."""
    return service.create_customer(db.session, actor=current_actor(), **data)


@blp.route("/<id:customer_id>")
@blp.auth(Perm.customer_read)
@blp.response(200, CustomerSchema)
@blp.errors(404)
def get_customer(customer_id):
    return service.get_customer(db.session, actor=current_actor(), customer_id=customer_id)


@blp.route("/<id:customer_id>", methods=["PATCH"])
@blp.auth(Perm.customer_write)
@blp.arguments(CustomerUpdateSchema)
@blp.response(200, CustomerSchema)
@blp.errors(404, 409)
def update_customer(data, customer_id):
    return service.update_customer(db.session, actor=current_actor(), customer_id=customer_id, changes=data)


@blp.route("/<id:customer_id>/timeline")
@blp.auth(Perm.customer_read)
@blp.response(200, TimelineEntrySchema(many=True))
@blp.paginate()
@blp.errors(404)
def customer_timeline(customer_id, pagination_parameters):
    """Everything that happened with the customer, newest first."""
    return service.timeline(db.session, actor=current_actor(), customer_id=customer_id, pagination=pagination_parameters)
