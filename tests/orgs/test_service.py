"""The org tree's rules at the service layer: shape (hq → regions → projects), codes, moves,
(de)activation, and the database's own guard of one hq per tenant."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from servicehub.audit.models import AuditEntry
from servicehub.auth.service import load_actor_for
from servicehub.db import bind_tenant
from servicehub.errors import Conflict, Forbidden, Invalid, NotFound
from servicehub.extensions import db
from servicehub.orgs import service
from servicehub.orgs.models import OrgUnit, OrgUnitKind
from servicehub.tenants.models import Tenant
from servicehub.users.models import User

REGION, PROJECT, HQ = OrgUnitKind.region, OrgUnitKind.project, OrgUnitKind.hq


@pytest.fixture
def ctx(app, world):
    """A request context bound to alpha; `ctx.actor(username)` resolves a caller as the API does."""

    @contextmanager
    def open_(tenant="alpha"):
        with app.test_request_context():
            session = db.session
            bind_tenant(session, world.tenants[tenant])

            def actor(username):
                t = session.get(Tenant, world.tenants[tenant])
                return load_actor_for(session, account=session.get(User, world.user(username, tenant)), tenant=t)

            yield SimpleNamespace(session=session, actor=actor,
                                  unit=lambda code: session.get(OrgUnit, world.unit(code, tenant)))

    return open_


def test_a_region_hangs_under_the_hq_only(ctx, world):
    with ctx() as c:
        admin = c.actor("admin")
        region = service.create_org_unit(c.session, actor=admin, kind=REGION, parent_id=world.unit("HQ"),
                                         name="华北区域", code="NORTH")
        assert region.parent_id == world.unit("HQ")
        assert region.path == f"/{world.unit('HQ')}/{region.id}/"
        for parent in ("EAST", "P-EAST-1"):
            with pytest.raises(Invalid) as err:
                service.create_org_unit(c.session, actor=admin, kind=REGION, parent_id=world.unit(parent),
                                        name="x", code=f"R-{parent}")
            assert err.value.errors == {"parent_id": ["Must be a hq."]}


def test_a_project_hangs_under_a_region_only(ctx, world):
    with ctx() as c:
        admin = c.actor("admin")
        project = service.create_org_unit(c.session, actor=admin, kind=PROJECT, parent_id=world.unit("SOUTH"),
                                          name="广州·珠江新城", code="P-SOUTH-2")
        assert project.path == f"{c.unit('SOUTH').path}{project.id}/"
        for parent in ("HQ", "P-EAST-1"):
            with pytest.raises(Invalid) as err:
                service.create_org_unit(c.session, actor=admin, kind=PROJECT, parent_id=world.unit(parent),
                                        name="x", code=f"P-{parent}-X")
            assert err.value.errors == {"parent_id": ["Must be a region."]}


def test_a_second_hq_is_refused_by_the_unique_index(ctx, world):
    with ctx() as c:
        c.session.add(OrgUnit(tenant_id=world.tenants["alpha"], kind=HQ, parent_id=None, name="Second HQ",
                              code="HQ2", path="/"))
        with pytest.raises(IntegrityError):
            c.session.flush()
        c.session.rollback()
    with ctx() as c:
        with pytest.raises(IntegrityError):
            service.create_hq(c.session, tenant_id=world.tenants["alpha"], name="Another", code="HQ3")
        c.session.rollback()
        hqs = c.session.scalars(select(OrgUnit.id).where(OrgUnit.kind == HQ)).all()
        assert hqs == [world.unit("HQ")]


def test_each_tenant_has_its_own_hq(ctx, world):
    with ctx("beta") as c:
        hqs = c.session.scalars(select(OrgUnit.id).where(OrgUnit.kind == HQ)).all()
        assert hqs == [world.unit("HQ", "beta")]


def test_duplicate_code_is_a_conflict_within_a_tenant_only(ctx, world):
    with ctx() as c:
        with pytest.raises(Conflict) as err:
            service.create_org_unit(c.session, actor=c.actor("admin"), kind=PROJECT, parent_id=world.unit("EAST"),
                                    name="dup", code="P-SOUTH-1")
        assert err.value.errors == {"code": ["Already in use."]}
        with pytest.raises(Conflict):
            service.update_org_unit(c.session, actor=c.actor("admin"), org_unit_id=world.unit("P-EAST-2"),
                                    changes={"code": "P-EAST-1"})
    with ctx("beta") as c:
        unit = service.create_org_unit(c.session, actor=c.actor("admin"), kind=REGION,
                                       parent_id=world.unit("HQ", "beta"), name="东部", code="EAST")
        assert unit.code == "EAST"


def test_moving_a_project_rewrites_its_path_and_is_audited(ctx, world):
    with ctx() as c:
        admin = c.actor("admin")
        old_path = c.unit("P-EAST-2").path
        unit = service.update_org_unit(c.session, actor=admin, org_unit_id=world.unit("P-EAST-2"),
                                       changes={"parent_id": world.unit("SOUTH")})
        assert unit.parent_id == world.unit("SOUTH")
        assert unit.path == f"{c.unit('SOUTH').path}{unit.id}/"
        entry = c.session.scalars(select(AuditEntry).where(AuditEntry.action == "org_unit.moved")).one()
        assert entry.target_id == unit.id
        assert entry.actor_id == world.user("admin")
        assert entry.details["parent_id"] == {"from": world.unit("EAST"), "to": world.unit("SOUTH")}
        assert entry.details["path"] == {"from": old_path, "to": unit.path}


def test_the_hq_cannot_move_and_kinds_keep_their_level(ctx, world):
    with ctx() as c:
        admin = c.actor("admin")
        with pytest.raises(Invalid):
            service.update_org_unit(c.session, actor=admin, org_unit_id=world.unit("HQ"),
                                    changes={"parent_id": world.unit("EAST")})
        with pytest.raises(Invalid):
            service.update_org_unit(c.session, actor=admin, org_unit_id=world.unit("EAST"),
                                    changes={"parent_id": world.unit("SOUTH")})
        with pytest.raises(Invalid):
            service.update_org_unit(c.session, actor=admin, org_unit_id=world.unit("P-EAST-1"),
                                    changes={"parent_id": world.unit("HQ")})
        with pytest.raises(Invalid):
            service.update_org_unit(c.session, actor=admin, org_unit_id=world.unit("P-EAST-1"),
                                    changes={"parent_id": world.unit("P-EAST-2")})
        c.session.rollback()
        assert c.unit("P-EAST-1").parent_id == world.unit("EAST")


def test_deactivation_goes_bottom_up_and_reactivation_top_down(ctx, world):
    with ctx() as c:
        admin = c.actor("admin")

        def set_active(code, active):
            return service.update_org_unit(c.session, actor=admin, org_unit_id=world.unit(code),
                                           changes={"is_active": active})

        with pytest.raises(Conflict):
            set_active("EAST", False)
        with pytest.raises(Conflict):
            set_active("HQ", False)
        c.session.rollback()
        set_active("P-EAST-1", False)
        set_active("P-EAST-2", False)
        east = set_active("EAST", False)
        assert east.is_active is False and east.deactivated_at is not None
        with pytest.raises(Conflict):
            set_active("P-EAST-1", True)
        c.session.rollback()
        with pytest.raises(Conflict):
            service.create_org_unit(c.session, actor=admin, kind=PROJECT, parent_id=world.unit("EAST"),
                                    name="x", code="P-EAST-3")
        c.session.rollback()
        with pytest.raises(Conflict):
            service.update_org_unit(c.session, actor=admin, org_unit_id=world.unit("P-SOUTH-1"),
                                    changes={"parent_id": world.unit("EAST")})
        c.session.rollback()
        assert set_active("EAST", True).deactivated_at is None
        assert set_active("P-EAST-1", True).is_active is True


def test_managing_the_tree_needs_org_manage_and_reach(ctx, world):
    with ctx() as c:
        with pytest.raises(Forbidden):
            service.create_org_unit(c.session, actor=c.actor("rm_east"), kind=PROJECT, parent_id=world.unit("EAST"),
                                    name="x", code="P-X")
        with pytest.raises(Forbidden):
            service.update_org_unit(c.session, actor=c.actor("pm1"), org_unit_id=world.unit("P-EAST-1"),
                                    changes={"name": "x"})
        with pytest.raises(NotFound):
            service.get_org_unit(c.session, actor=c.actor("pm1"), org_unit_id=world.unit("P-EAST-2"))
        with pytest.raises(NotFound):
            service.create_org_unit(c.session, actor=c.actor("pm1"), kind=PROJECT, parent_id=world.unit("SOUTH"),
                                    name="x", code="P-X")
    with ctx("beta") as c:
        with pytest.raises(NotFound):
            service.get_org_unit(c.session, actor=c.actor("admin"), org_unit_id=world.unit("EAST"))


def _shape(nodes):
    return [(n["code"], _shape(n["children"])) for n in nodes]


def test_tree_roots_are_the_tops_of_the_callers_reach(ctx, world):
    with ctx() as c:
        assert _shape(service.tree(c.session, actor=c.actor("admin"))) == [
            ("HQ", [("EAST", [("P-EAST-1", []), ("P-EAST-2", [])]), ("SOUTH", [("P-SOUTH-1", [])])])
        ]
        assert _shape(service.tree(c.session, actor=c.actor("rm_east"))) == [
            ("EAST", [("P-EAST-1", []), ("P-EAST-2", [])])
        ]
        assert _shape(service.tree(c.session, actor=c.actor("pa1"))) == [("P-EAST-1", [])]
