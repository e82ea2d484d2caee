from servicehub.access import Perm
from servicehub.extensions import Blueprint, current_actor, db
from servicehub.warranty import service
from servicehub.warranty.schemas import WarrantyTermSchema, WarrantyTermsUpdateSchema

blp = Blueprint("warranty-terms", __name__, url_prefix="/warranty-terms",
                description="Warranty periods (保修期) by component, from handover: the defaults and the group's own.")


@blp.route("")
@blp.auth(Perm.workorder_read)
@blp.response(200, WarrantyTermSchema(many=True))
def get_terms():
    """The periods in force for the group, one per component (not paginated)."""
    return service.get_terms(db.session, actor=current_actor())


@blp.route("", methods=["PUT"])
@blp.auth(Perm.settings_manage)
@blp.arguments(WarrantyTermsUpdateSchema)
@blp.response(200, WarrantyTermSchema(many=True))
def put_terms(data):
    """Replace the group's overrides (at headquarters). Work orders keep the decision made when they were created."""
    return service.put_terms(db.session, actor=current_actor(), **data)
