"""Staff accounts and their memberships (任职)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from servicehub.access import ROLE_PERMISSIONS, Actor, Perm, Role, require, require_tenant, role_fits_kind
from servicehub.audit.service import record
from servicehub.auth.passwords import hash_password
from servicehub.errors import Conflict, Forbidden, Invalid, NotFound
from servicehub.extensions import paginate_query
from servicehub.orgs.models import OrgUnit, OrgUnitKind
from servicehub.scoping import get_scoped, reachable_unit, select_scoped
from servicehub.users.models import Function, Membership, User

_WITH_MEMBERSHIPS = (selectinload(User.memberships),)


def new_user(session: Session, *, tenant_id: int, org_unit_id: int, username: str, password: str, name: str,
             email: str | None = None, phone: str | None = None,
             memberships: list[tuple[int, Role, Function | None]] = ()) -> User:
    """Insert a user (and memberships) without permission checks: for tenant creation and seeding."""
    if session.scalar(select(User.id).where(User.tenant_id == tenant_id, User.username == username)) is not None:
        raise Conflict("This username is already taken in this group.", errors={"username": ["Already in use."]})
    user = User(tenant_id=tenant_id, org_unit_id=org_unit_id, username=username, name=name, email=email,
                phone=phone, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    for unit_id, role, function in memberships:
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, org_unit_id=unit_id, role=role, function=function))
    session.flush()
    return user


def list_users(session: Session, *, actor: Actor, pagination, q=None, org_unit_id=None, role=None,
               is_active=None) -> list[User]:
    stmt = select_scoped(User, actor, Perm.user_read)
    if q:
        stmt = stmt.where(User.username.contains(q, autoescape=True) | User.name.contains(q, autoescape=True))
    if org_unit_id is not None:
        # The unit and everything below it, inside the reach (a unit out of reach finds nobody).
        units = actor.subtree(org_unit_id) & actor.reach(Perm.user_read)
        stmt = stmt.where(User.org_unit_id.in_(sorted(units)))
    if role is not None:
        stmt = stmt.where(User.id.in_(select(Membership.user_id).where(Membership.role == role)))
    if is_active is not None:
        stmt = stmt.where(User.is_active == is_active)
    return _show(actor, paginate_query(session, stmt.order_by(User.id).options(*_WITH_MEMBERSHIPS), pagination))


def get_user(session: Session, *, actor: Actor, user_id: int) -> User:
    return _show(actor, [get_scoped(session, User, user_id, actor, Perm.user_read, options=_WITH_MEMBERSHIPS)])[0]


def _show(actor: Actor, users: list[User]) -> list[User]:
    """Only memberships at units the caller may see are shown (others would reveal those units)."""
    for user in users:
        user.shown_memberships = [m for m in user.memberships if m.org_unit_id in actor.visible_units]
    return users


def _default_unit(actor: Actor) -> int:
    """Where an account lands when none is named: the caller's single top unit of user management."""
    reach = actor.reach(Perm.user_manage)
    tops = [uid for uid in reach if actor.units[uid].parent_id not in reach]
    if len(tops) != 1:
        raise Invalid("Name the org unit the account belongs to.", errors={"org_unit_id": ["Required here."]})
    return tops[0]


def _unit_in_reach(session: Session, actor: Actor, org_unit_id: int) -> OrgUnit:
    return reachable_unit(session, actor, org_unit_id, Perm.user_manage)


def _home_unit(session: Session, actor: Actor, org_unit_id: int) -> OrgUnit:
    """The unit an account belongs to: in the caller's reach and active."""
    unit = _unit_in_reach(session, actor, org_unit_id)
    if not unit.is_active:
        raise Conflict("This org unit is deactivated.", errors={"org_unit_id": ["Deactivated."]})
    return unit


def create_user(session: Session, *, actor: Actor, username: str, password: str, name: str,
                email: str | None = None, phone: str | None = None, org_unit_id: int | None = None) -> User:
    unit = _home_unit(session, actor, org_unit_id if org_unit_id is not None else _default_unit(actor))
    user = new_user(session, tenant_id=actor.tenant_id, org_unit_id=unit.id, username=username,
                    password=password, name=name, email=email, phone=phone)
    record(session, tenant_id=actor.tenant_id, actor=actor, action="user.created", target_type="user",
           target_id=user.id, org_unit_id=unit.id, details={"username": username, "name": name})
    session.commit()
    return get_user(session, actor=actor, user_id=user.id)


def update_user(session: Session, *, actor: Actor, user_id: int, changes: dict) -> User:
    user = get_user(session, actor=actor, user_id=user_id)
    require(actor, Perm.user_manage, user.org_unit_id)
    # Whoever controls an account (its password above all) holds its rights: only accounts no
    # stronger than the caller's own, as for granting roles.
    if not all(_may_hand_on(actor, m.role, m.org_unit_id) for m in user.memberships):
        raise Forbidden("You cannot manage an account with rights you do not hold yourself.")
    details: dict = {}
    if "org_unit_id" in changes and changes["org_unit_id"] != user.org_unit_id:
        _home_unit(session, actor, changes["org_unit_id"])
        details["org_unit_id"] = {"from": user.org_unit_id, "to": changes["org_unit_id"]}
        user.org_unit_id = changes["org_unit_id"]
    for key in ("name", "email", "phone"):
        if key in changes and changes[key] != getattr(user, key):
            details[key] = {"from": getattr(user, key), "to": changes[key]}
            setattr(user, key, changes[key])
    if "is_active" in changes and changes["is_active"] != user.is_active:
        if not changes["is_active"]:
            if user.id == actor.id:
                raise Conflict("You cannot deactivate your own account.", errors={"is_active": ["This is you."]})
            _keep_a_tenant_admin(session, user=user)
        details["is_active"] = {"from": user.is_active, "to": changes["is_active"]}
        user.is_active = changes["is_active"]
    action = "user.updated"
    if "password" in changes:
        user.password_hash = hash_password(changes["password"])
        user.failed_login_count = 0
        user.locked_until = None
        details["password"] = "reset"
        action = "user.password_reset" if len(details) == 1 else action
    if details:
        record(session, tenant_id=user.tenant_id, actor=actor, action=action, target_type="user",
               target_id=user.id, org_unit_id=user.org_unit_id, details=details)
    session.commit()
    return user


def _keep_a_tenant_admin(session: Session, *, user: User, membership: Membership | None = None) -> None:
    """A group always keeps one active tenant admin, or nobody could administer it again."""
    others = select(func.count()).select_from(Membership).join(User, User.id == Membership.user_id).where(
        Membership.tenant_id == user.tenant_id, Membership.role == Role.tenant_admin, User.is_active.is_(True))
    if membership is not None:
        if membership.role != Role.tenant_admin:
            return
        others = others.where(Membership.id != membership.id)
    else:
        if not any(m.role == Role.tenant_admin for m in user.memberships):
            return
        others = others.where(User.id != user.id)
    if session.scalar(others) == 0:
        raise Conflict("This is the last active tenant admin of the group.")


def _may_hand_on(actor: Actor, role: Role, unit_id: int) -> bool:
    """Whether the actor may grant or revoke `role` at the unit.

    Administering memberships is the tenant admin's job (DESIGN §6), so whoever holds the tenant
    admin's rights there hands on every role; anyone else only a role whose rights they hold there
    themselves (a manager cannot create a stronger account than their own)."""
    held = actor.permissions_at(unit_id)
    return ROLE_PERMISSIONS[Role.tenant_admin] <= held or ROLE_PERMISSIONS[role] <= held


def list_memberships(session: Session, *, actor: Actor, user_id: int) -> list[Membership]:
    return get_user(session, actor=actor, user_id=user_id).shown_memberships


def add_membership(session: Session, *, actor: Actor, user_id: int, org_unit_id: int, role: Role,
                   function: Function | None = None) -> Membership:
    user = get_user(session, actor=actor, user_id=user_id)
    require(actor, Perm.user_manage, user.org_unit_id)
    unit = _unit_in_reach(session, actor, org_unit_id)
    if not _may_hand_on(actor, role, unit.id):
        raise Forbidden("You cannot grant a role with rights you do not hold there yourself.")
    if not role_fits_kind(role, unit.kind.value):
        raise Invalid(f"The role {role.value} cannot be held at a {unit.kind.value}.",
                      errors={"role": [f"Not a role of a {unit.kind.value}."]})
    if not unit.is_active:
        raise Conflict("This org unit is deactivated.", errors={"org_unit_id": ["Deactivated."]})
    if any(m.org_unit_id == unit.id and m.role == role for m in user.memberships):
        raise Conflict("The user already holds this role here.", errors={"role": ["Already held."]})
    membership = Membership(tenant_id=user.tenant_id, user_id=user.id, org_unit_id=unit.id, role=role,
                            function=function)
    session.add(membership)
    session.flush()
    record(session, tenant_id=user.tenant_id, actor=actor, action="membership.added", target_type="user",
           target_id=user.id, org_unit_id=unit.id,
           details={"membership_id": membership.id, "role": role.value, "function": function.value if function else None})
    session.commit()
    return membership


def remove_membership(session: Session, *, actor: Actor, user_id: int, org_unit_id: int, role: Role) -> None:
    user = get_user(session, actor=actor, user_id=user_id)
    membership = next((m for m in user.memberships if m.org_unit_id == org_unit_id and m.role == role), None)
    if membership is None or org_unit_id not in actor.visible_units:
        raise NotFound("The user holds no such membership.")
    require(actor, Perm.user_manage, org_unit_id)
    if not _may_hand_on(actor, role, org_unit_id):
        raise Forbidden("You cannot revoke a role with rights you do not hold there yourself.")
    _keep_a_tenant_admin(session, user=user, membership=membership)
    session.delete(membership)
    record(session, tenant_id=user.tenant_id, actor=actor, action="membership.removed", target_type="user",
           target_id=user.id, org_unit_id=org_unit_id,
           details={"membership_id": membership.id, "role": role.value})
    session.commit()


def role_catalogue(*, actor: Actor) -> list[dict]:
    """Every role with the org-unit kinds it may be held at and the permissions it grants, read from
    `access.ROLE_KINDS` and `access.ROLE_PERMISSIONS` (the one table); for any user of a group."""
    require_tenant(actor)
    perms = list(Perm)
    return [
        {"role": role,
         "kinds": [kind for kind in OrgUnitKind if role_fits_kind(role, kind.value)],
         "permissions": sorted(ROLE_PERMISSIONS[role], key=perms.index)}
        for role in Role
    ]
