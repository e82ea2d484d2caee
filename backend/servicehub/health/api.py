from flask import current_app
from marshmallow import fields
from sqlalchemy import text

from servicehub.extensions import Blueprint, Schema, db, redis_client

blp = Blueprint("health", __name__, url_prefix="/health", description="Liveness and dependencies.")


class ComponentSchema(Schema):
    ok = fields.Boolean()
    detail = fields.String()


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "ok or degraded"})
    database = fields.Nested(ComponentSchema)
    redis = fields.Nested(ComponentSchema)


@blp.route("")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database is unreachable.")
def health():
    """Database and queue status; no authentication. 503 when the database is down."""
    try:
        db.session.execute(text("SELECT 1"))
        database = {"ok": True, "detail": db.session.get_bind().dialect.name}
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        database = {"ok": False, "detail": type(exc).__name__}
    client = redis_client()
    if client is None:
        queue = {"ok": True, "detail": "not configured: jobs run in-process"}
    else:
        try:
            client.ping()
            queue = {"ok": True, "detail": "redis"}
        except Exception as exc:  # noqa: BLE001
            queue = {"ok": False, "detail": type(exc).__name__}
    status = "ok" if database["ok"] and queue["ok"] else "degraded"
    body = {"status": status, "database": database, "redis": queue}
    if not database["ok"]:
        current_app.logger.error("health: database down: %s", database["detail"])
        return body, 503
    return body
