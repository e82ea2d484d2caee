from servicehub.access import Perm
from servicehub.extensions import Blueprint, current_actor, db
from servicehub.sla import service
from servicehub.sla.schemas import SlaPolicyQuerySchema, SlaPolicySchema, SlaPolicyUpdateSchema

blp = Blueprint("sla-policies", __name__, url_prefix="/sla-policies",
                description="SLA targets per ticket type and priority, overridable per org unit.")


@blp.route("")
@blp.auth()
@blp.arguments(SlaPolicyQuerySchema, location="query")
@blp.response(200, SlaPolicySchema)
@blp.errors(404)
def get_policy(args):
    """The targets in force at an org unit (by default the highest the caller sees: the hq, or their
    region or project), each naming where it is set."""
    return service.get_policy(db.session, actor=current_actor(), **args)


@blp.route("", methods=["PUT"])
@blp.auth(Perm.settings_manage)
@blp.arguments(SlaPolicyUpdateSchema)
@blp.response(200, SlaPolicySchema)
@blp.errors(404)
def put_policy(data):
    """Replace the targets set at one org unit. Due times of open tickets are not moved."""
    return service.put_policy(db.session, actor=current_actor(), **data)
