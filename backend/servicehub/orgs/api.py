from servicehub.access import Perm
from servicehub.extensions import Blueprint, current_actor, db
from servicehub.orgs import service
from servicehub.orgs.schemas import (
    OrgTreeNodeSchema,
    OrgUnitCreateSchema,
    OrgUnitQuerySchema,
    OrgUnitSchema,
    OrgUnitUpdateSchema,
)

blp = Blueprint("org-units", __name__, url_prefix="/org-units", description="The org tree: hq → regions → projects.")


@blp.route("")
@blp.auth(Perm.org_read)
@blp.arguments(OrgUnitQuerySchema, location="query")
@blp.response(200, OrgUnitSchema(many=True))
@blp.paginate()
def list_org_units(args, pagination_parameters):
    """Org units within the caller's reach."""
    return service.list_org_units(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("", methods=["POST"])
@blp.auth(Perm.org_manage)
@blp.arguments(OrgUnitCreateSchema)
@blp.response(201, OrgUnitSchema)
@blp.errors(404, 409)
def create_org_unit(data):
    """Create a region under the hq or a project under a region."""
    return service.create_org_unit(db.session, actor=current_actor(), **data)


@blp.route("/tree")
@blp.auth(Perm.org_read)
@blp.response(200, OrgTreeNodeSchema(many=True))
def org_tree():
    """The caller's part of the tree, nested."""
    return service.tree(db.session, actor=current_actor())


@blp.route("/<id:org_unit_id>")
@blp.auth(Perm.org_read)
@blp.response(200, OrgUnitSchema)
@blp.errors(404)
def get_org_unit(org_unit_id):
    return service.get_org_unit(db.session, actor=current_actor(), org_unit_id=org_unit_id)


@blp.route("/<id:org_unit_id>", methods=["PATCH"])
@blp.auth(Perm.org_manage)
@blp.arguments(OrgUnitUpdateSchema)
@blp.response(200, OrgUnitSchema)
@blp.errors(404, 409)
def update_org_unit(data, org_unit_id):
    """Rename, re-code, move (a project to another region) or (de)activate a unit."""
    return service.update_org_unit(db.session, actor=current_actor(), org_unit_id=org_unit_id, changes=data)
