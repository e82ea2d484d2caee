from servicehub.access import Perm
from servicehub.extensions import Blueprint, current_actor, db
from servicehub.notifications import service
from servicehub.notifications.schemas import (
    DeliveryQuerySchema,
    DeliverySchema,
    JobQuerySchema,
    JobSchema,
    NotificationQuerySchema,
    NotificationSchema,
    ReadAllSchema,
    UnreadSchema,
)

blp = Blueprint("notifications", __name__, url_prefix="/notifications", description="The caller's inbox.")
admin = Blueprint("deliveries", __name__, url_prefix="", description="Deliveries and background jobs, for administrators.")


@blp.route("")
@blp.auth()
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, NotificationSchema(many=True))
@blp.paginate()
def list_notifications(args, pagination_parameters):
    """The caller's notifications, newest first."""
    return service.list_mine(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("/unread-count")
@blp.auth()
@blp.response(200, UnreadSchema)
def unread_count():
    """For the bell."""
    return {"unread": service.unread_count(db.session, actor=current_actor())}


@blp.route("/<id:notification_id>/read", methods=["POST"])
@blp.auth()
@blp.response(200, NotificationSchema)
@blp.errors(404)
def mark_read(notification_id):
    return service.mark_read(db.session, actor=current_actor(), notification_id=notification_id)


@blp.route("/read-all", methods=["POST"])
@blp.auth()
@blp.response(200, ReadAllSchema)
def mark_all_read():
    return {"marked": service.mark_all_read(db.session, actor=current_actor())}


@admin.route("/deliveries")
@admin.auth(Perm.audit_read)
@admin.arguments(DeliveryQuerySchema, location="query")
@admin.response(200, DeliverySchema(many=True))
@admin.paginate()
def list_deliveries(args, pagination_parameters):
    """Every email, SMS and webhook delivery of the group with its status, attempts and last error."""
    return service.list_deliveries(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@admin.route("/background-jobs")
@admin.auth(Perm.audit_read)
@admin.arguments(JobQuerySchema, location="query")
@admin.response(200, JobSchema(many=True))
@admin.paginate()
def list_jobs(args, pagination_parameters):
    """The group's background jobs; `status=failed` lists those that gave up, with their error."""
    return service.list_jobs(db.session, actor=current_actor(), pagination=pagination_parameters, **args)
