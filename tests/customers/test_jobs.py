"""The nightly lifecycle job and its place in the periodic schedule."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from servicehub.customers.jobs import refresh_all_lifecycle_stages
from servicehub.customers.models import Customer, Stage
from servicehub.db import bind_tenant
from servicehub.extensions import db
from servicehub.jobs.schedule import PERIODIC, _resolve


def test_the_nightly_fan_out_moves_every_tenants_customers(app_factory):
    from tests.factories import build_world

    app = app_factory(redis_url="")  # jobs in-process
    world = build_world(app)
    client = app.test_client()
    ids = {}
    for tenant, user, project in (("alpha", "pa1", "P-EAST-1"), ("beta", "pa_b", "B-PROJECT")):
        headers = world.headers(user, tenant)
        customer = client.post("/api/v1/customers", headers=headers, json={
            "org_unit_id": world.unit(project, tenant), "name": "陈志强", "phone": "13700001111" if tenant == "alpha" else "13700002222"})
        unit = client.post("/api/v1/properties", headers=headers, json={
            "org_unit_id": world.unit(project, tenant), "building": "1", "unit": "1", "room": "101",
            "handover_date": (date.today() - timedelta(days=400)).isoformat()})
        assert client.post(f"/api/v1/properties/{unit.json['id']}/owners", headers=headers,
                           json={"customer_id": customer.json["id"], "relation": "owner"}).status_code == 201
        ids[tenant] = customer.json["id"]
    # Pretend the stage went stale (as it does when a year passes).
    with app.app_context():
        for tenant, customer_id in ids.items():
            bind_tenant(db.session, world.tenants[tenant])
            db.session.execute(update(Customer).where(Customer.id == customer_id).values(stage=Stage.break_in))
            db.session.commit()

    with app.app_context():
        assert refresh_all_lifecycle_stages() == 2

    with app.app_context():
        for tenant, customer_id in ids.items():
            bind_tenant(db.session, world.tenants[tenant])
            assert db.session.scalar(select(Customer.stage).where(Customer.id == customer_id)) == Stage.stable


def test_every_periodic_job_resolves_to_a_function():
    assert any(p.func.endswith("refresh_all_lifecycle_stages") for p in PERIODIC)
    for periodic in PERIODIC:
        assert callable(_resolve(periodic.func))
