from servicehub.access import Perm
from servicehub.categories import service
from servicehub.categories.schemas import (
    CategoryCreateSchema,
    CategoryQuerySchema,
    CategorySchema,
    CategoryUpdateSchema,
)
from servicehub.extensions import Blueprint, current_actor, db

blp = Blueprint("categories", __name__, url_prefix="/categories",
                description="The group's ticket category tree (工程质量 → 渗漏 …).")


@blp.route("")
@blp.auth()
@blp.arguments(CategoryQuerySchema, location="query")
@blp.response(200, CategorySchema(many=True))
@blp.paginate()
def list_categories(args, pagination_parameters):
    """The whole tree, roots first, each level in its sort order."""
    return service.list_categories(db.session, actor=current_actor(), pagination=pagination_parameters, **args)


@blp.route("", methods=["POST"])
@blp.auth(Perm.settings_manage)
@blp.arguments(CategoryCreateSchema)
@blp.response(201, CategorySchema)
@blp.errors(409)
def create_category(data):
    return service.create_category(db.session, actor=current_actor(), **data)


@blp.route("/<id:category_id>", methods=["PATCH"])
@blp.auth(Perm.settings_manage)
@blp.arguments(CategoryUpdateSchema)
@blp.response(200, CategorySchema)
@blp.errors(404)
def update_category(data, category_id):
    """Rename, move, re-route or deactivate (categories in use are never deleted)."""
    return service.update_category(db.session, actor=current_actor(), category_id=category_id, changes=data)
