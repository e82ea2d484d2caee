from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from servicehub.db import Base, utcnow


class RevokedSession(Base):
    """A signed-out session. Access and refresh tokens of one sign-in share its `sid` claim;
    the row lives in the database, so a logout holds in every API process at once."""

    __tablename__ = "revoked_sessions"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
