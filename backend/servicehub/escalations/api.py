from servicehub.access import Perm
from servicehub.escalations import service
from servicehub.escalations.schemas import EscalationQuerySchema, EscalationSchema
from servicehub.extensions import Blueprint, current_actor, db

blp = Blueprint("escalations", __name__, url_prefix="/escalations",
                description="Tickets that climbed to the region or headquarters: the inbox that acknowledges them.")


@blp.route("")
@blp.auth(Perm.escalation_handle)
@blp.arguments(EscalationQuerySchema, location="query")
@blp.response(200, EscalationSchema(many=True))
@blp.paginate()
def list_escalations(args, pagination_parameters):
    """Escalations of the tickets within the caller's reach, newest first (`acknowledged=false`: the inbox)."""
    return service.list_escalations(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("/<id:escalation_id>/acknowledge", methods=["POST"])
@blp.auth(Perm.escalation_handle)
@blp.response(200, EscalationSchema)
@blp.errors(404, 409)
def acknowledge(escalation_id):
    """The level the ticket reached takes it on (hq for hq escalations, the region for the region's)."""
    return service.acknowledge(db.session, actor=current_actor(), escalation_id=escalation_id)
