"""Platform admins: operators of the SaaS, outside every tenant."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicehub.auth.passwords import hash_password
from servicehub.errors import Conflict
from servicehub.users.models import PlatformAdmin


def create_platform_admin(session: Session, *, username: str, password: str, name: str) -> PlatformAdmin:
    if session.scalar(select(PlatformAdmin.id).where(PlatformAdmin.username == username)) is not None:
        raise Conflict("A platform admin with this username exists.", errors={"username": ["Already in use."]})
    admin = PlatformAdmin(username=username, name=name, password_hash=hash_password(password))
    session.add(admin)
    session.commit()
    return admin
