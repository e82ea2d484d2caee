from servicehub.access import Perm
from servicehub.audit import service
from servicehub.audit.schemas import AuditEntrySchema, AuditQuerySchema
from servicehub.extensions import Blueprint, current_actor, db

blp = Blueprint("audit-log", __name__, url_prefix="/audit-log", description="Security and admin events (append-only).")


@blp.route("")
@blp.auth(Perm.audit_read)
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditEntrySchema(many=True))
@blp.paginate()
def list_audit_log(args, pagination_parameters):
    """Newest first. Filters: action, actor, target, time window."""
    return service.list_entries(db.session, actor=current_actor(), pagination=pagination_parameters, **args)
