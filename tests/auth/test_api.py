"""Sign-in, lock-out, tokens in headers and cookies, refresh, sign-out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import select, update

from servicehub.audit.models import AuditEntry
from servicehub.db import bind_tenant, utcnow
from servicehub.extensions import db
from servicehub.tenants.models import Tenant, TenantStatus
from servicehub.users.models import User
from tests.factories import PASSWORD

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


def login(client, username="pa1", password=PASSWORD, tenant="alpha"):
    body = {"username": username, "password": password}
    if tenant is not None:
        body["tenant"] = tenant
    return client.post(LOGIN, json=body)


def audit_actions(app, world, tenant="alpha"):
    with app.app_context():
        bind_tenant(db.session, world.tenants[tenant])
        return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_login_returns_tokens_user_and_httponly_cookies(client, world):
    response = login(client)
    assert response.status_code == 200
    body = response.json
    assert body["access_token"] and body["refresh_token"]
    assert body["user"]["username"] == "pa1"
    assert body["user"]["tenant"]["slug"] == "alpha"
    cookies = response.headers.getlist("Set-Cookie")
    access = next(c for c in cookies if c.startswith("access_token_cookie="))
    csrf = next(c for c in cookies if c.startswith("csrf_access_token="))
    assert "HttpOnly" in access
    assert "HttpOnly" not in csrf  # the SPA reads it to echo it in X-CSRF-TOKEN
    me = client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json["id"] == world.user("pa1")


@pytest.mark.parametrize(
    "tenant, username, password",
    [("alpha", "pa1", "wrong-password"), ("alpha", "nobody", PASSWORD), ("nosuch", "pa1", PASSWORD),
     ("beta", "pa1", PASSWORD)],
)
def test_wrong_credentials_answer_401_without_saying_which_part(client, world, tenant, username, password):
    response = login(client, username=username, password=password, tenant=tenant)
    assert response.status_code == 401
    assert response.json["message"].startswith("Wrong group, username or password.")
    assert "access_token_cookie" not in "".join(response.headers.getlist("Set-Cookie"))


def test_login_and_failed_login_are_audited(client, world, app):
    assert login(client, password="wrong-password").status_code == 401
    assert login(client, username="ghost").status_code == 401
    assert login(client).status_code == 200
    assert audit_actions(app, world)[-3:] == ["auth.login_failed", "auth.login_failed", "auth.login"]


def test_repeated_failures_lock_the_account_with_423_and_retry_after(client, world, app):
    for attempt in range(1, 5):
        response = login(client, password="wrong-password")
        assert response.status_code == 401
        assert f"{5 - attempt} attempt(s) left" in response.json["message"]
    locked = login(client, password="wrong-password")
    assert locked.status_code == 423
    assert "locked" in locked.json["message"]
    assert int(locked.headers["Retry-After"]) > 0
    # Even the right password is refused while locked.
    assert login(client).status_code == 423
    assert "auth.locked" in audit_actions(app, world)
    # When the lock has run out, the right password works again.
    with app.app_context():
        bind_tenant(db.session, world.tenants["alpha"])
        db.session.execute(update(User).where(User.id == world.user("pa1")).values(locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert login(client).status_code == 200


def test_lockout_counts_failures_across_api_processes(app_factory, world):
    """Failures are counted in the database, so two API processes share the count."""
    first, second = app_factory().test_client(), app_factory().test_client()
    statuses = [login(c, password="wrong-password").status_code for c in (first, second, first, second, first)]
    assert statuses == [401, 401, 401, 401, 423]
    assert login(second).status_code == 423


def test_platform_admin_signs_in_without_tenant(client, world):
    response = login(client, username="root", tenant=None)
    assert response.status_code == 200
    assert response.json["user"]["kind"] == "platform"
    token = response.json["access_token"]
    assert client.get("/api/v1/tenants", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_me_lists_effective_permissions_per_org_unit(client, world):
    me = client.get(ME, headers=world.headers("pm1")).json
    (scope,) = me["scopes"]
    assert scope["org_unit_id"] == world.unit("P-EAST-1")
    assert scope["roles"] == ["project_manager"]
    assert {"ticket.close", "customer.pii", "user.manage"} <= set(scope["permissions"])
    viewer = client.get(ME, headers=world.headers("viewer")).json
    assert "customer.pii" not in viewer["permissions"]
    admin = client.get(ME, headers=world.headers("admin")).json
    assert "audit.read" in admin["permissions"] and "ticket.read" not in admin["permissions"]


def test_refresh_with_bearer_refresh_token(client, world):
    tokens = login(client).json
    refreshed = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert refreshed.status_code == 200
    new_access = refreshed.json["access_token"]
    assert client.get(ME, headers={"Authorization": f"Bearer {new_access}"}).status_code == 200
    # An access token is not a refresh token, and the other way round.
    assert client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    assert client.get(ME, headers={"Authorization": f"Bearer {tokens['refresh_token']}"}).status_code == 401


def test_logout_revokes_access_and_refresh_tokens_in_every_process(app_factory, world):
    one, other = app_factory().test_client(), app_factory().test_client()
    tokens = login(one).json
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    assert other.get(ME, headers=access).status_code == 200
    assert one.post("/api/v1/auth/logout", headers=access).status_code == 204
    revoked = other.get(ME, headers=access)
    assert revoked.status_code == 401 and "revoked" in revoked.json["message"]
    assert other.post("/api/v1/auth/refresh", headers=refresh).status_code == 401
    # A new sign-in is a new session and works.
    assert other.get(ME, headers={"Authorization": f"Bearer {login(other).json['access_token']}"}).status_code == 200


def test_spa_cookies_need_the_csrf_header_on_writes(client, world):
    assert login(client).status_code == 200  # the test client keeps the cookies
    assert client.get(ME).status_code == 200  # reads need no CSRF header
    csrf = client.get_cookie("csrf_access_token").value
    refused = client.post("/api/v1/auth/logout")
    assert refused.status_code == 401 and "CSRF" in refused.json["message"]
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-TOKEN": "forged"}).status_code == 401
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-TOKEN": csrf}).status_code == 204
    assert client.get(ME).status_code == 401


def test_spa_refresh_through_the_cookie(client, world):
    assert login(client).status_code == 200
    csrf_refresh = client.get_cookie("csrf_refresh_token").value
    assert client.post("/api/v1/auth/refresh").status_code == 401
    refreshed = client.post("/api/v1/auth/refresh", headers={"X-CSRF-TOKEN": csrf_refresh})
    assert refreshed.status_code == 200
    assert any(c.startswith("access_token_cookie=") for c in refreshed.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Bearer ", "Token abc"],
)
def test_malformed_tokens_answer_401(client, world, header):
    response = client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json["code"] == 401 and response.json["message"]


def test_missing_token_answers_401(client, world):
    response = client.get("/api/v1/users")
    assert response.status_code == 401
    assert response.json["message"].startswith("Not signed in")


def test_expired_token_answers_401(app, client, world):
    with app.test_request_context():
        token = create_access_token(identity=str(world.user("pa1")), expires_delta=timedelta(seconds=-5),
                                    additional_claims={"kind": "user", "tid": world.tenants["alpha"], "sid": "x"})
    response = client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and "expired" in response.json["message"]


def test_token_signed_with_another_key_answers_401(app_factory, world):
    foreign = app_factory(jwt_secret_key="another-secret-key-that-is-long-enough-for-hs256")
    with foreign.test_request_context():
        token = create_access_token(identity=str(world.user("admin")),
                                    additional_claims={"kind": "user", "tid": world.tenants["alpha"], "sid": "x"})
    client = world.app.test_client()
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_claiming_another_tenant_answers_401(app, client, world):
    """A user id of alpha with beta's tenant id never resolves to a user."""
    with app.test_request_context():
        token = create_access_token(identity=str(world.user("admin")),
                                    additional_claims={"kind": "user", "tid": world.tenants["beta"], "sid": "x"})
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_suspended_tenant_cannot_sign_in_and_tokens_stop(app, client, world):
    headers = world.headers("pa1")
    with app.app_context():
        db.session.execute(update(Tenant).where(Tenant.id == world.tenants["alpha"]).values(status=TenantStatus.suspended))
        db.session.commit()
    assert login(client).status_code == 403
    assert client.get(ME, headers=headers).status_code == 403
    assert login(client, username="pa_b", tenant="beta").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"tenant": "alpha", "username": "pa1", "password": PASSWORD, "extra": 1}, "extra"),
        ({"tenant": "alpha", "username": 5, "password": PASSWORD}, "username"),
        ({"tenant": "alpha", "username": "x" * 65, "password": PASSWORD}, "username"),
        ({"tenant": "alpha", "password": PASSWORD}, "username"),
        ({"tenant": "alpha", "username": "pa1\x00", "password": PASSWORD}, "username"),
    ],
)
def test_bad_login_bodies_answer_422_with_field_errors(client, world, body, field):
    response = client.post(LOGIN, json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_malformed_json_answers_400(client, world):
    response = client.post(LOGIN, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json["message"]
