"""What the browser tests share: the demo group's rows, and signing in through the form."""

from __future__ import annotations

import re
from contextlib import contextmanager

from playwright.sync_api import expect
from sqlalchemy import select

import servicehub.models  # noqa: F401  (every mapper)
from servicehub.db import bind_tenant
from servicehub.jobs.outbox import new_session
from servicehub.orgs.models import OrgUnit
from servicehub.seed import DEMO_PASSWORD, DEMO_SLUG
from servicehub.tenants.models import Tenant

@contextmanager
def demo_session(app):
    """A session of its own bound to the demo group (row-level security applies on PostgreSQL)."""
    session = new_session(app)
    try:
        tenant_id = session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_SLUG)).one()
        bind_tenant(session, tenant_id)
        yield session
    finally:
        session.close()


def unit_id(app, code: str) -> int:
    with demo_session(app) as session:
        return session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one()


def project_ids(app, region: str) -> list[int]:
    with demo_session(app) as session:
        parent = select(OrgUnit.id).where(OrgUnit.code == region).scalar_subquery()
        return list(session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == parent)))


def sign_in(page, username: str, screenshot=None) -> None:
    page.goto("/login")
    page.fill("input[name=tenant]", DEMO_SLUG)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    if screenshot:
        screenshot(page, "login")
    page.click("[data-test=login-submit]")
    # Home is the first screen of the menu the user may open: the dashboard for managers and hq,
    # the ticket list for a front desk.
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login"))


def csrf(page) -> dict:
    """The header a write through `page.request` needs (the SPA sends the same)."""
    return {"X-CSRF-TOKEN": next(c["value"] for c in page.context.cookies() if c["name"] == "csrf_access_token")}
