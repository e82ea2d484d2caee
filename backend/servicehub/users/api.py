from servicehub.access import Perm
from servicehub.extensions import Blueprint, current_actor, db
from servicehub.users import service
from servicehub.users.schemas import (
    MembershipCreateSchema,
    MembershipDeleteSchema,
    MembershipSchema,
    RoleSchema,
    UserCreateSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)

blp = Blueprint("users", __name__, url_prefix="/users", description="Staff accounts and their memberships.")
roles = Blueprint("roles", __name__, url_prefix="/roles", description="The role catalogue (DESIGN §6).")


@blp.route("")
@blp.auth(Perm.user_read)
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, UserSchema(many=True))
@blp.paginate()
def list_users(args, pagination_parameters):
    return service.list_users(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("", methods=["POST"])
@blp.auth(Perm.user_manage)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@blp.errors(404, 409)
def create_user(data):
    """Create an account in an org unit of the caller's reach (default: the caller's own)."""
    return service.create_user(db.session, actor=current_actor(), **data)


@blp.route("/<id:user_id>")
@blp.auth(Perm.user_read)
@blp.response(200, UserSchema)
@blp.errors(404)
def get_user(user_id):
    return service.get_user(db.session, actor=current_actor(), user_id=user_id)


@blp.route("/<id:user_id>", methods=["PATCH"])
@blp.auth(Perm.user_manage)
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
@blp.errors(404, 409)
def update_user(data, user_id):
    """Edit, move, (de)activate an account or reset its password (which also unlocks it)."""
    return service.update_user(db.session, actor=current_actor(), user_id=user_id, changes=data)


@blp.route("/<id:user_id>/memberships")
@blp.auth(Perm.user_read)
@blp.response(200, MembershipSchema(many=True))
@blp.errors(404)
def list_memberships(user_id):
    return service.list_memberships(db.session, actor=current_actor(), user_id=user_id)


@blp.route("/<id:user_id>/memberships", methods=["POST"])
@blp.auth(Perm.user_manage)
@blp.arguments(MembershipCreateSchema)
@blp.response(201, MembershipSchema)
@blp.errors(404, 409)
def add_membership(data, user_id):
    """Grant a role at an org unit (it reaches the unit and everything below)."""
    return service.add_membership(db.session, actor=current_actor(), user_id=user_id, **data)


@blp.route("/<id:user_id>/memberships", methods=["DELETE"])
@blp.auth(Perm.user_manage)
@blp.arguments(MembershipDeleteSchema, location="query")
@blp.response(204)
@blp.errors(404, 409)
def remove_membership(args, user_id):
    """Revoke a role at an org unit (`?org_unit_id=&role=`)."""
    service.remove_membership(db.session, actor=current_actor(), user_id=user_id, **args)


@roles.route("")
@roles.auth()
@roles.response(200, RoleSchema(many=True))
def list_roles():
    """Every role, the org-unit kinds it may be held at and the permissions it grants there (and below).

    The same for every signed-in user of a group (no group data); a fixed list of eight, not paginated."""
    return service.role_catalogue(actor=current_actor())
