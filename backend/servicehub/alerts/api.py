from servicehub.access import Perm
from servicehub.alerts import service
from servicehub.alerts.schemas import AlertQuerySchema, AlertSchema
from servicehub.extensions import Blueprint, current_actor, db

blp = Blueprint("alerts", __name__, url_prefix="/alerts", description="Group-complaint early warnings (群诉预警).")


@blp.route("")
@blp.auth(Perm.ticket_read)
@blp.arguments(AlertQuerySchema, location="query")
@blp.response(200, AlertSchema(many=True))
@blp.paginate()
def list_alerts(args, pagination_parameters):
    return service.list_alerts(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("/<id:alert_id>/acknowledge", methods=["POST"])
@blp.auth(Perm.escalation_handle)
@blp.response(200, AlertSchema)
@blp.errors(404, 409)
def acknowledge(alert_id):
    return service.acknowledge(db.session, actor=current_actor(), alert_id=alert_id)
