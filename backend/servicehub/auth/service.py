"""Sign-in, tokens, lock-out, sign-out, and resolving the caller of a request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app, g, request
from flask_jwt_extended import create_access_token, create_refresh_token, get_jwt, verify_jwt_in_request
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from servicehub.access import Actor, Grant, Perm, UnitRef, require
from servicehub.audit.service import record
from servicehub.auth.models import RevokedSession
from servicehub.auth.passwords import burn_time, verify_password
from servicehub.db import bind_tenant, utcnow
from servicehub.errors import DomainError, Forbidden, Locked, TooManyRequests, Unauthorized
from servicehub.extensions import db, limiter
from servicehub.orgs.models import OrgUnit
from servicehub.tenants.models import Tenant, TenantStatus
from servicehub.users.models import Membership, PlatformAdmin, User

BAD_CREDENTIALS = "Wrong group, username or password."


@dataclass
class SignIn:
    account: User | PlatformAdmin
    tenant: Tenant | None
    access_token: str
    refresh_token: str


def _settings():
    return current_app.config["SERVICEHUB"]


def check_login_rate(ip: str | None) -> None:
    """Sign-in attempts per client address, counted in the store all API processes share."""
    allowed, retry_after = limiter.hit(_settings().login_rate_limit, "login", ip or "unknown")
    if not allowed:
        raise TooManyRequests(
            f"Too many sign-in attempts from this address. Try again in {retry_after} second(s).",
            headers={"Retry-After": str(retry_after)},
        )


def login(session: Session, *, tenant_slug: str | None, username: str, password: str, ip: str | None) -> SignIn:
    if tenant_slug is None:
        account = session.scalars(select(PlatformAdmin).where(PlatformAdmin.username == username)).one_or_none()
        tenant = None
    else:
        tenant = session.scalars(select(Tenant).where(Tenant.slug == tenant_slug)).one_or_none()
        if tenant is None:
            burn_time(password)
            raise Unauthorized(BAD_CREDENTIALS)
        bind_tenant(session, tenant.id)
        account = session.scalars(select(User).where(User.username == username)).one_or_none()
    if account is None:
        burn_time(password)
        if tenant is not None:
            record(session, tenant_id=tenant.id, action="auth.login_failed", actor_name=username,
                   details={"reason": "unknown_username"}, ip=ip)
            session.commit()
        raise Unauthorized(BAD_CREDENTIALS)

    now = utcnow()
    if account.locked_until is not None and account.locked_until > now:
        raise _locked(account.locked_until, now)

    if not verify_password(account.password_hash, password):
        _register_failure(session, account=account, tenant=tenant, username=username, ip=ip, now=now)

    if not account.is_active:
        raise Forbidden("This account is disabled. Ask your administrator.")
    if tenant is not None and tenant.status != TenantStatus.active:
        raise Forbidden("This group's subscription is suspended.")

    account.failed_login_count = 0
    account.locked_until = None
    account.last_login_at = now
    if tenant is not None:
        record(session, tenant_id=tenant.id, action="auth.login", actor_id=account.id,
               actor_name=account.name, target_type="user", target_id=account.id, ip=ip,
               details={"username": username})
    session.commit()
    access, refresh = issue_tokens(account, tenant)
    return SignIn(account=account, tenant=tenant, access_token=access, refresh_token=refresh)


def _register_failure(session: Session, *, account, tenant, username: str, ip: str | None, now: datetime):
    """Count a failed password atomically (several API processes may race) and lock when due."""
    settings = _settings()
    model = type(account)
    failures = session.execute(
        update(model)
        .where(model.id == account.id)
        .values(failed_login_count=model.failed_login_count + 1)
        .returning(model.failed_login_count)
    ).scalar_one()
    error: DomainError
    if failures >= settings.login_max_failures:
        until = now + timedelta(minutes=settings.login_lock_minutes)
        session.execute(update(model).where(model.id == account.id).values(locked_until=until, failed_login_count=0))
        action, error = "auth.locked", _locked(until, now)
    else:
        left = settings.login_max_failures - failures
        action = "auth.login_failed"
        error = Unauthorized(f"{BAD_CREDENTIALS} {left} attempt(s) left before the account is locked.")
    if tenant is not None:
        record(session, tenant_id=tenant.id, action=action, actor_name=username, target_type="user",
               target_id=account.id, ip=ip, details={"reason": "wrong_password", "failures": failures})
    session.commit()
    raise error


def _locked(until: datetime, now: datetime) -> Locked:
    seconds = max(1, int((until - now).total_seconds()))
    return Locked(
        f"Too many failed sign-ins: this account is locked until {until.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC. "
        f"Try again in {(seconds + 59) // 60} minute(s) or ask an administrator.",
        headers={"Retry-After": str(seconds)},
    )


def _claims(account, tenant: Tenant | None, sid: str) -> dict:
    if isinstance(account, PlatformAdmin):
        return {"kind": "platform", "sid": sid}
    return {"kind": "user", "tid": tenant.id if tenant else account.tenant_id, "sid": sid}


def issue_tokens(account, tenant: Tenant | None) -> tuple[str, str]:
    sid = uuid.uuid4().hex
    claims = _claims(account, tenant, sid)
    identity = str(account.id)
    return (
        create_access_token(identity=identity, additional_claims=claims),
        create_refresh_token(identity=identity, additional_claims=claims),
    )


def refresh(session: Session) -> str:
    """A new access token for the sign-in of the refresh token in the request."""
    claims = get_jwt()
    _load_account(session, claims)
    return create_access_token(
        identity=claims["sub"],
        additional_claims={k: claims[k] for k in ("kind", "tid", "sid") if k in claims},
    )


def logout(session: Session) -> None:
    """Revoke the whole sign-in (its access and refresh tokens) in every process."""
    claims = get_jwt()
    expires = datetime.now(timezone.utc) + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    if session.get(RevokedSession, claims["sid"]) is None:
        session.add(RevokedSession(sid=claims["sid"], expires_at=expires))
    session.execute(delete(RevokedSession).where(RevokedSession.expires_at < utcnow()))
    actor = getattr(g, "actor", None)
    if actor is not None and actor.tenant_id is not None:
        record(session, tenant_id=actor.tenant_id, action="auth.logout", actor=actor,
               target_type="user", target_id=actor.id)
    session.commit()


def is_revoked(session: Session, claims: dict) -> bool:
    sid = claims.get("sid")
    return sid is None or session.get(RevokedSession, sid) is not None


def _load_account(session: Session, claims: dict):
    try:
        account_id = int(claims["sub"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Unauthorized("The token does not name an account.") from exc
    if claims.get("kind") == "platform":
        account = session.get(PlatformAdmin, account_id)
        tenant = None
    else:
        tenant_id = claims.get("tid")
        if not isinstance(tenant_id, int):
            raise Unauthorized("The token does not name a group.")
        bind_tenant(session, tenant_id)
        tenant = session.get(Tenant, tenant_id)
        account = session.get(User, account_id)
        if tenant is None or account is None or account.tenant_id != tenant_id:
            raise Unauthorized("The account of this token no longer exists.")
        if tenant.status != TenantStatus.active:
            raise Forbidden("This group's subscription is suspended.")
    if account is None or not account.is_active:
        raise Unauthorized("The account of this token is disabled or no longer exists.")
    return account, tenant


def load_actor(session: Session, claims: dict) -> Actor:
    account, tenant = _load_account(session, claims)
    return load_actor_for(session, account=account, tenant=tenant)


def load_actor_for(session: Session, *, account, tenant: Tenant | None) -> Actor:
    """The access view of an account: its memberships and the tenant's org units (two queries)."""
    ip = request.remote_addr if request else None
    if tenant is None:
        return Actor(kind="platform", id=account.id, name=account.name, tenant_id=None, ip=ip)
    memberships = session.execute(
        select(Membership.org_unit_id, Membership.role, Membership.function).where(Membership.user_id == account.id)
    ).all()
    units = session.execute(
        select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.kind, OrgUnit.path, OrgUnit.name, OrgUnit.is_active)
    ).all()
    return Actor(
        kind="user",
        id=account.id,
        name=account.name,
        tenant_id=tenant.id,
        grants=[Grant(m.org_unit_id, m.role, m.function.value if m.function else None) for m in memberships],
        units={u.id: UnitRef(u.id, u.parent_id, u.kind.value, u.path, u.name, u.is_active) for u in units},
        ip=ip,
    )


def authenticate(*, permission: Perm | None = None, platform: bool = False, refresh: bool = False) -> Actor:
    """Resolve the caller of this request once, check the broad permission, keep it on `g`."""
    verify_jwt_in_request(refresh=refresh)
    claims = get_jwt()
    is_platform = claims.get("kind") == "platform"
    if platform and not is_platform:
        raise Forbidden("Only platform administrators may do this.")
    actor = load_actor(db.session, claims)
    g.actor = actor
    if not platform and is_platform and permission is not None:
        raise Forbidden("Platform administrators have no access to a group's data.")
    if permission is not None and not platform:
        require(actor, permission)
    return actor
