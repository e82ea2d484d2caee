from servicehub.access import Perm
from servicehub.extensions import Blueprint, current_actor, db
from servicehub.settings import service
from servicehub.settings.schemas import ServiceSettingsSchema, ServiceSettingsUpdateSchema

blp = Blueprint("service-settings", __name__, url_prefix="/service-settings",
                description="The group's service rules: escalation and group-complaint thresholds, reminders, webhook.")


@blp.route("")
@blp.auth(Perm.settings_manage)
@blp.response(200, ServiceSettingsSchema)
def get_settings():
    return service.get_settings(db.session, actor=current_actor())


@blp.route("", methods=["PATCH"])
@blp.auth(Perm.settings_manage)
@blp.arguments(ServiceSettingsUpdateSchema)
@blp.response(200, ServiceSettingsSchema)
def update_settings(data):
    return service.update_settings(db.session, actor=current_actor(), changes=data)
