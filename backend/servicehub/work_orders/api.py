from flask import current_app
from marshmallow import RAISE

from servicehub.access import Perm
from servicehub.extensions import Blueprint, current_actor, db, etag, etag_doc, if_match_doc, if_match_version
from servicehub.storage import storage
from servicehub.tickets.schemas import AttachmentSchema
from servicehub.work_orders import service
from servicehub.work_orders.schemas import (
    PhotoQuerySchema,
    PhotoUploadSchema,
    WorkOrderCreateSchema,
    WorkOrderQuerySchema,
    WorkOrderSchema,
    WorkOrderTransitionSchema,
    WorkOrderUpdateSchema,
)

blp = Blueprint("work-orders", __name__, url_prefix="/work-orders",
                description="Work orders (维修派工单): repairs dispatched to contractors under a supervisor.")

IF_MATCH = if_match_doc("work order")
ETAG_HEADER = etag_doc("work order")


@blp.route("")
@blp.auth(Perm.workorder_read)
@blp.arguments(WorkOrderQuerySchema, location="query")
@blp.response(200, WorkOrderSchema(many=True))
@blp.paginate()
@blp.errors(404)
def list_work_orders(args, pagination_parameters):
    """Work orders within the caller's reach (an engineer: the ones they supervise), newest first."""
    return service.list_work_orders(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("", methods=["POST"])
@blp.auth(Perm.workorder_dispatch)
@blp.arguments(WorkOrderCreateSchema)
@blp.response(201, WorkOrderSchema, headers=ETAG_HEADER)
@blp.errors(404, 409)
def create_work_order(data):
    """Dispatch a repair ticket to a contractor (派工): decides the warranty, starts a new or assigned
    ticket and writes on its timeline. One open work order per ticket (else 409)."""
    work_order = service.create_work_order(db.session, actor=current_actor(), **data)
    return work_order, etag(work_order)


@blp.route("/<id:work_order_id>")
@blp.auth(Perm.workorder_read)
@blp.response(200, WorkOrderSchema, headers=ETAG_HEADER)
@blp.errors(404)
def get_work_order(work_order_id):
    work_order = service.get_work_order(db.session, actor=current_actor(), work_order_id=work_order_id)
    return work_order, etag(work_order)


@blp.route("/<id:work_order_id>", methods=["PATCH"])
@blp.auth(Perm.workorder_read)
@blp.arguments(WorkOrderUpdateSchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, WorkOrderSchema, headers=ETAG_HEADER)
@blp.errors(404, 409, 412)
def update_work_order(data, work_order_id):
    """Record the visit, materials, cost and result, or the customer's answer to the quote of a paid
    repair. For the dispatcher or the supervisor."""
    work_order = service.update_work_order(db.session, actor=current_actor(), work_order_id=work_order_id,
                                           changes=data, expected_version=if_match_version())
    return work_order, etag(work_order)


@blp.route("/<id:work_order_id>/transitions", methods=["POST"])
@blp.auth(Perm.workorder_read)
@blp.arguments(WorkOrderTransitionSchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, WorkOrderSchema, headers=ETAG_HEADER)
@blp.errors(404, 409, 412)
def transition(data, work_order_id):
    """dispatched → accepted → on_site → done, or rejected (with the contractor's reason) from dispatched
    or accepted. For the dispatcher or the supervisor; illegal moves answer 409."""
    work_order = service.transition(db.session, actor=current_actor(), work_order_id=work_order_id,
                                    expected_version=if_match_version(), **data)
    return work_order, etag(work_order)


@blp.route("/<id:work_order_id>/photos")
@blp.auth(Perm.workorder_read)
@blp.arguments(PhotoQuerySchema, location="query")
@blp.response(200, AttachmentSchema(many=True))
@blp.paginate()
@blp.errors(404)
def list_photos(args, work_order_id, pagination_parameters):
    """The work order's before / after photos (维修前 / 维修后照片), oldest first. They are attachments of
    its ticket too: download one at GET /tickets/{ticket_id}/attachments/{id}."""
    return service.list_photos(db.session, actor=current_actor(), work_order_id=work_order_id,
                               pagination=pagination_parameters, **args)


@blp.route("/<id:work_order_id>/photos", methods=["POST"])
@blp.auth(Perm.workorder_read)
@blp.arguments(PhotoUploadSchema, location="files", unknown=RAISE)
@blp.response(201, AttachmentSchema)
@blp.errors(404, 409, 413)
def add_photo(form, work_order_id):
    """Add a photo taken before or after the repair: an image (else 422), at most ATTACHMENT_MAX_BYTES;
    it becomes an attachment of the ticket. For the dispatcher or the supervisor; not on a rejected
    work order (409)."""
    upload = form["file"]
    return service.add_photo(db.session, actor=current_actor(), work_order_id=work_order_id, stage=form["stage"],
                             filename=upload.filename or "", content=upload.read(), storage=storage(),
                             max_bytes=current_app.config["SERVICEHUB"].attachment_max_bytes)
