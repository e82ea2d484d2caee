from urllib.parse import quote

from flask import Response, current_app, request
from marshmallow import RAISE

from servicehub.access import Perm
from servicehub.escalations.schemas import EscalationSchema
from servicehub.extensions import Blueprint, current_actor, db, etag, etag_doc, if_match_doc, if_match_version
from servicehub.idempotency import HEADER as IDEMPOTENCY_HEADER
from servicehub.storage import storage
from servicehub.tickets import service
from servicehub.tickets.schemas import (
    AssigneeSchema,
    AttachmentSchema,
    AttachmentUploadSchema,
    CommentCreateSchema,
    CommentSchema,
    EscalateSchema,
    EventSchema,
    TicketCreateSchema,
    TicketDetailSchema,
    TicketQuerySchema,
    TicketSchema,
    TicketUpdateSchema,
    TransitionSchema,
)

blp = Blueprint("tickets", __name__, url_prefix="/tickets",
                description="Service tickets (工单): complaints, repairs, inquiries, suggestions and praise.")

IF_MATCH = if_match_doc("ticket")
IDEMPOTENCY = {"name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
               "schema": {"type": "string", "maxLength": 100},
               "description": "Send one per form: the same key again answers the first ticket (a double submit creates one)."}
ETAG_HEADER = etag_doc("ticket")


def _idempotency_key() -> str | None:
    from servicehub.errors import Invalid

    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not (0 < len(key.strip()) <= 100):
        raise Invalid(f"{IDEMPOTENCY_HEADER} must be 1 to 100 characters.",
                      errors={IDEMPOTENCY_HEADER: ["1 to 100 characters."]})
    return key.strip() if key else None


@blp.route("")
@blp.auth(Perm.ticket_read)
@blp.arguments(TicketQuerySchema, location="query")
@blp.response(200, TicketSchema(many=True))
@blp.paginate()
def list_tickets(args, pagination_parameters):
    """Tickets within the caller's reach; newest first unless `sort` says otherwise."""
    return service.list_tickets(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("", methods=["POST"])
@blp.auth(Perm.ticket_write)
@blp.arguments(TicketCreateSchema)
@blp.doc(parameters=[IDEMPOTENCY])
@blp.response(201, TicketDetailSchema, headers=ETAG_HEADER)
@blp.errors(404)
def create_ticket(data):
    """Log a ticket: the caller becomes its first responder (首问责任人); the SLA clock starts."""
    ticket, replayed = service.create_ticket(db.session, actor=current_actor(), idempotency_key=_idempotency_key(),
                                             **data)
    headers = etag(ticket)
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return ticket, headers


@blp.route("/<id:ticket_id>")
@blp.auth(Perm.ticket_read)
@blp.response(200, TicketDetailSchema, headers=ETAG_HEADER)
@blp.errors(404)
def get_ticket(ticket_id):
    ticket = service.get_ticket(db.session, actor=current_actor(), ticket_id=ticket_id)
    return ticket, etag(ticket)


@blp.route("/<id:ticket_id>/assignees")
@blp.auth(Perm.ticket_read)
@blp.response(200, AssigneeSchema(many=True))
@blp.errors(404)
def list_assignees(ticket_id):
    """Who may be assigned this ticket.

    Active colleagues whose membership works tickets (ticket.write) at its project or above it, fewest
    open tickets first (then by name); not paginated. For whoever may route the ticket: ticket.assign
    at the project, or its first responder while it is new (else 403)."""
    return service.list_assignees(db.session, actor=current_actor(), ticket_id=ticket_id)


@blp.route("/<id:ticket_id>", methods=["PATCH"])
@blp.auth(Perm.ticket_write)
@blp.arguments(TicketUpdateSchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, TicketDetailSchema, headers=ETAG_HEADER)
@blp.errors(404, 409, 412)
def update_ticket(data, ticket_id):
    """Edit, re-prioritise (moves the due times), route or (re)assign. Assigning a new ticket makes it assigned."""
    ticket = service.update_ticket(db.session, actor=current_actor(), ticket_id=ticket_id, changes=data,
                                   expected_version=if_match_version())
    return ticket, etag(ticket)


@blp.route("/<id:ticket_id>/transitions", methods=["POST"])
@blp.auth(Perm.ticket_write)
@blp.arguments(TransitionSchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, TicketDetailSchema, headers=ETAG_HEADER)
@blp.errors(404, 409, 412)
def transition(data, ticket_id):
    """Move the ticket on: in_progress, resolved, closed (a manager), cancelled (with a reason), or back
    to in_progress from resolved or closed (reopen, a manager, with a reason). Illegal moves answer 409."""
    ticket = service.transition(db.session, actor=current_actor(), ticket_id=ticket_id,
                                expected_version=if_match_version(), **data)
    return ticket, etag(ticket)


@blp.route("/<id:ticket_id>/escalate", methods=["POST"])
@blp.auth(Perm.ticket_escalate)
@blp.arguments(EscalateSchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(201, EscalationSchema)
@blp.errors(404, 409, 412)
def escalate(data, ticket_id):
    """Move the ticket up one level: project → region → hq."""
    return service.escalate(db.session, actor=current_actor(), ticket_id=ticket_id,
                            expected_version=if_match_version(), **data)


@blp.route("/<id:ticket_id>/events")
@blp.auth(Perm.ticket_read)
@blp.response(200, EventSchema(many=True))
@blp.paginate()
@blp.errors(404)
def list_events(ticket_id, pagination_parameters):
    """The ticket's timeline, oldest first: every change, with who and when."""
    return service.list_events(db.session, actor=current_actor(), ticket_id=ticket_id, pagination=pagination_parameters)


@blp.route("/<id:ticket_id>/comments")
@blp.auth(Perm.ticket_read)
@blp.response(200, CommentSchema(many=True))
@blp.paginate()
@blp.errors(404)
def list_comments(ticket_id, pagination_parameters):
    return service.list_comments(db.session, actor=current_actor(), ticket_id=ticket_id,
                                 pagination=pagination_parameters)


@blp.route("/<id:ticket_id>/comments", methods=["POST"])
@blp.auth(Perm.ticket_write)
@blp.arguments(CommentCreateSchema)
@blp.response(201, CommentSchema)
@blp.errors(404)
def add_comment(data, ticket_id):
    """An internal note, or a reply to the customer (the first reply stops the response clock)."""
    return service.add_comment(db.session, actor=current_actor(), ticket_id=ticket_id, **data)


@blp.route("/<id:ticket_id>/attachments")
@blp.auth(Perm.ticket_read)
@blp.response(200, AttachmentSchema(many=True))
@blp.paginate()
@blp.errors(404)
def list_attachments(ticket_id, pagination_parameters):
    return service.list_attachments(db.session, actor=current_actor(), ticket_id=ticket_id,
                                    pagination=pagination_parameters)


@blp.route("/<id:ticket_id>/attachments", methods=["POST"])
@blp.auth(Perm.ticket_write)
@blp.arguments(AttachmentUploadSchema, location="files", unknown=RAISE)
@blp.response(201, AttachmentSchema)
@blp.errors(404, 413, 415)
def add_attachment(files, ticket_id):
    """Attach a photo of the defect (JPEG, PNG, WebP, GIF, HEIC), a PDF or an MP4; the type is read
    from the file itself. At most ATTACHMENT_MAX_BYTES (10 MB by default)."""
    upload = files["file"]
    return service.add_attachment(db.session, actor=current_actor(), ticket_id=ticket_id,
                                  filename=upload.filename or "", content=upload.read(), storage=storage(),
                                  max_bytes=current_app.config["SERVICEHUB"].attachment_max_bytes)


@blp.route("/<id:ticket_id>/attachments/<id:attachment_id>")
@blp.auth(Perm.ticket_read)
@blp.doc(responses={"200": {"description": "The file, as uploaded, with the type read from its bytes.",
                            "content": {mime: {"schema": {"type": "string", "format": "binary"}}
                                        for mime in service.ALLOWED_TYPES}}})
@blp.errors(404)
def download_attachment(ticket_id, attachment_id):
    attachment, content = service.read_attachment(db.session, actor=current_actor(), ticket_id=ticket_id,
                                                  attachment_id=attachment_id, storage=storage())
    return Response(content, mimetype=attachment.content_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(attachment.filename)}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=3600",
    })
