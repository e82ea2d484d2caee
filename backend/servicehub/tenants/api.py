from servicehub.extensions import Blueprint, current_actor, db
from servicehub.tenants import service
from servicehub.tenants.schemas import TenantCreateSchema, TenantQuerySchema, TenantSchema, TenantUpdateSchema

blp = Blueprint("tenants", __name__, url_prefix="/tenants", description="Groups (tenants); platform admins only.")


@blp.route("")
@blp.auth(platform=True)
@blp.arguments(TenantQuerySchema, location="query")
@blp.response(200, TenantSchema(many=True))
@blp.paginate()
def list_tenants(args, pagination_parameters):
    return service.list_tenants(db.session, pagination=pagination_parameters, **args)


@blp.route("", methods=["POST"])
@blp.auth(platform=True)
@blp.arguments(TenantCreateSchema)
@blp.response(201, TenantSchema)
@blp.errors(409)
def create_tenant(data):
    """Create a group with its hq and its first tenant admin."""
    return service.create_tenant(db.session, actor=current_actor(), **data)


@blp.route("/<id:tenant_id>")
@blp.auth(platform=True)
@blp.response(200, TenantSchema)
@blp.errors(404)
def get_tenant(tenant_id):
    return service.get_tenant(db.session, tenant_id=tenant_id)


@blp.route("/<id:tenant_id>", methods=["PATCH"])
@blp.auth(platform=True)
@blp.arguments(TenantUpdateSchema)
@blp.response(200, TenantSchema)
@blp.errors(404)
def update_tenant(data, tenant_id):
    """Rename, suspend or reactivate a group."""
    return service.update_tenant(db.session, actor=current_actor(), tenant_id=tenant_id, changes=data)
