from servicehub.access import Perm
from servicehub.callbacks import service
from servicehub.callbacks.schemas import (
    CallbackBulkSchema,
    CallbackCreateSchema,
    CallbackDetailSchema,
    CallbackQuerySchema,
    CallbackSchema,
    CompleteSchema,
)
from servicehub.extensions import Blueprint, current_actor, db

blp = Blueprint("callbacks", __name__, url_prefix="/callbacks",
                description="Callbacks (回访): the front desk's follow-up calls after a ticket, a repair, a handover.")


@blp.route("")
@blp.auth(Perm.callback_work)
@blp.arguments(CallbackQuerySchema, location="query")
@blp.response(200, CallbackSchema(many=True))
@blp.paginate()
@blp.errors(404)
def list_callbacks(args, pagination_parameters):
    """The callback queue of the caller's projects (a region's or hq's: their subtree), soonest due first.

    Pending ones unless `status` says otherwise. Phones are masked."""
    return service.list_callbacks(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("", methods=["POST"])
@blp.auth(Perm.callback_work)
@blp.arguments(CallbackCreateSchema)
@blp.response(201, CallbackDetailSchema)
@blp.errors(404, 409)
def create_callback(data):
    """Plan a callback by hand: handover, property service or design for a customer of the project, or a
    ticket's missing callback (resolution, major_repair)."""
    return service.create_callback(db.session, actor=current_actor(), **data)


@blp.route("/bulk", methods=["POST"])
@blp.auth(Perm.callback_work)
@blp.arguments(CallbackBulkSchema)
@blp.response(201, CallbackSchema(many=True))
@blp.errors(404)
def create_bulk(data):
    """One callback per listed customer (at most 500), all or none: a customer out of reach, of another
    project or listed twice answers 422 with the errors by position (`errors.customer_ids.<index>`)."""
    return service.create_bulk(db.session, actor=current_actor(), **data)


@blp.route("/<id:callback_id>")
@blp.auth(Perm.callback_work)
@blp.response(200, CallbackDetailSchema)
@blp.errors(404)
def get_callback(callback_id):
    """One callback, with every call made."""
    return service.get_callback(db.session, actor=current_actor(), callback_id=callback_id)


@blp.route("/<id:callback_id>/complete", methods=["POST"])
@blp.auth(Perm.callback_work)
@blp.arguments(CompleteSchema)
@blp.response(200, CallbackDetailSchema)
@blp.errors(404, 409)
def complete(data, callback_id):
    """Record a call. Not reached: called again 2 h later, and `unreached` after the 3rd call. Reached:
    the three scores (1–5); the lowest is the overall score and the ticket's satisfaction, and 1 or 2
    reopens the ticket and notifies the project's managers. A callback no longer pending answers 409."""
    return service.complete(db.session, actor=current_actor(), callback_id=callback_id, **data)
