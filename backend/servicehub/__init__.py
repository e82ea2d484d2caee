"""ServiceHub: customer service for property-development groups."""

from __future__ import annotations

import logging

from flask import Flask

from servicehub.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    from servicehub import auth_tokens, errors, models  # noqa: F401 - models register the tables
    from servicehub.auth.passwords import configure as configure_passwords
    from servicehub.extensions import Api, db, jwt, limiter
    from servicehub.jobs import init_jobs, outbox
    from servicehub.storage import storage_from_url

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(settings.flask_config())
    if settings.trusted_proxies:
        # Behind nginx / an ingress: the client address (rate limits, audit log) comes from
        # X-Forwarded-For, trusted for exactly this many hops.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    logging.basicConfig(level=settings.log_level)

    configure_passwords(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_cost)
    db.init_app(app, settings.database_url)
    jwt.init_app(app)
    auth_tokens.register(jwt)
    limiter.init_app(app, settings.redis_url or "memory://", settings.rate_limit_prefix)
    init_jobs(app, settings)
    app.extensions["servicehub.storage"] = storage_from_url(settings.storage_url)
    outbox.init_app(app)

    api = Api(app, spec_kwargs={"info": {"description": API_DESCRIPTION}})
    errors.register_error_handlers(app)
    for blueprint in _blueprints():
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix}")
    app.extensions["servicehub.api"] = api
    return app


def _blueprints():
    import servicehub.customers.import_api  # noqa: F401 - adds the import routes to the customers blueprint
    from servicehub.audit.api import blp as audit
    from servicehub.auth.api import blp as auth
    from servicehub.customers.api import blp as customers
    from servicehub.health.api import blp as health
    from servicehub.orgs.api import blp as orgs
    from servicehub.properties.api import blp as properties
    from servicehub.tenants.api import blp as tenants
    from servicehub.users.api import blp as users
    from servicehub.users.api import roles
    from servicehub.categories.api import blp as categories
    from servicehub.sla.api import blp as sla
    from servicehub.tickets.api import blp as tickets
    from servicehub.escalations.api import blp as escalations
    from servicehub.alerts.api import blp as alerts
    from servicehub.notifications.api import admin as deliveries
    from servicehub.notifications.api import blp as notifications
    from servicehub.settings.api import blp as service_settings
    from servicehub.reports.api import blp as reports
    from servicehub.contractors.api import blp as contractors
    from servicehub.warranty.api import blp as warranty_terms
    from servicehub.work_orders.api import blp as work_orders
    from servicehub.callbacks.api import blp as callbacks

    return [health, auth, tenants, orgs, users, roles, audit, customers, properties, categories, sla, tickets,
            escalations, alerts, callbacks, notifications, deliveries, service_settings, reports,
            contractors, warranty_terms, work_orders]


API_DESCRIPTION = """\
ServiceHub: one front desk for the customer service of a property-development group
(集团 → 区域 → 项目).

Errors always have the shape `{"code", "status", "message", "errors"}`. Lists take `page` and
`page_size` (at most 100) and return the total in the `X-Pagination` header. Ids outside the
caller's scope answer 404, missing permissions 403.

Authentication: `POST /api/v1/auth/login`, then either `Authorization: Bearer <access_token>`
(API clients) or the HttpOnly cookies set by the login plus the `X-CSRF-TOKEN` header carrying the
`csrf_access_token` cookie on writes (the SPA).
"""
