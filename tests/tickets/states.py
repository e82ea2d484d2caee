"""Tickets in a given state, built through the service layer (cheaper than the HTTP round trips),
and small readers of the ticket API shared by the workflow and SLA tests."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import update

import servicehub.models  # noqa: F401  (every mapper, before the ticket model is used)
from servicehub.auth.service import load_actor_for
from servicehub.db import bind_tenant
from servicehub.extensions import db
from servicehub.tenants.models import Tenant
from servicehub.tickets import service
from servicehub.tickets.enums import Channel, Status, TicketType
from servicehub.tickets.models import Ticket
from servicehub.users.models import User
from tests.scope_tools import api

TICKETS = api("/tickets")


def ticket_url(ticket_id: int, suffix: str = "") -> str:
    return f"{TICKETS}/{ticket_id}{suffix}"


@contextmanager
def service_context(world, tenant: str = "alpha"):
    """A request context bound to `tenant`; `ctx.actor(username)` resolves a caller as the API does."""
    with world.app.test_request_context():
        session = db.session
        bind_tenant(session, world.tenants[tenant])

        def actor(username):
            t = session.get(Tenant, world.tenants[tenant])
            return load_actor_for(session, account=session.get(User, world.user(username, tenant)), tenant=t)

        yield SimpleNamespace(session=session, actor=actor)


# How to reach each status from `new`: (status, who moves it, reason). `assigned` is reached by a
# manager's assignment instead (see `ticket_in`).
_PATH = {
    Status.new: [],
    Status.in_progress: [(Status.in_progress, "worker", None)],
    Status.resolved: [(Status.in_progress, "worker", None), (Status.resolved, "worker", None)],
    Status.closed: [(Status.in_progress, "worker", None), (Status.resolved, "worker", None),
                    (Status.closed, "pm1", None)],
    Status.cancelled: [(Status.cancelled, "pm1", "客户撤回")],
}


def ticket_in(world, status, *, creator: str = "pa1", assignee: str | None = None, unit: str = "P-EAST-1",
              type: TicketType = TicketType.repair, **fields) -> int:
    """A ticket of `unit` logged by `creator` and moved to `status`; returns its id.

    `assigned` gets `assignee` (default eng1) by pm1's assignment. The other states are worked by
    `assignee` when given (assigned by pm1 first), else by the creator, who picks the ticket up."""
    status = Status(status)
    with service_context(world) as ctx:
        ticket, _ = service.create_ticket(
            ctx.session, actor=ctx.actor(creator), type=type, channel=Channel.phone,
            org_unit_id=world.unit(unit), title="卫生间漏水", description="楼上渗水到卫生间吊顶", **fields)
        ticket_id = ticket.id
        if status == Status.assigned or (assignee and status not in (Status.new, Status.cancelled)):
            service.update_ticket(ctx.session, actor=ctx.actor("pm1"), ticket_id=ticket_id,
                                  changes={"assignee_id": world.user(assignee or "eng1")})
        worker = assignee or creator
        for to, who, reason in _PATH.get(status, []):
            if to == Status.closed:
                _called_back(ctx.session, ticket_id)
            service.transition(ctx.session, actor=ctx.actor(worker if who == "worker" else who),
                               ticket_id=ticket_id, to=to, reason=reason)
        assert service.get_ticket(ctx.session, actor=ctx.actor("pm1"), ticket_id=ticket_id).status == status
    return ticket_id


def _called_back(session, ticket_id: int) -> None:
    from servicehub.callbacks.models import Callback, CallbackStatus
    from servicehub.db import utcnow

    session.execute(update(Callback).where(Callback.ticket_id == ticket_id, Callback.status == CallbackStatus.pending)
                    .values(status=CallbackStatus.completed, completed_at=utcnow()))
    session.commit()


def called_back(world, ticket_id: int, tenant: str = "alpha") -> None:
    """The front desk called the customer back: the ticket's pending callbacks are completed (a
    ticket does not close while its first callback is pending)."""
    with world.app.app_context():
        session = db.session
        bind_tenant(session, world.tenants[tenant])
        _called_back(session, ticket_id)


def set_columns(world, ticket_id: int, **values) -> None:
    """Write ticket columns straight to the database (to move a due time into the past)."""
    with world.app.app_context():
        session = db.session
        bind_tenant(session, world.tenants["alpha"])
        session.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values))
        session.commit()


def read(client, world, ticket_id: int, who: str = "pm1") -> dict:
    response = client.get(ticket_url(ticket_id), headers=world.headers(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def events(client, world, ticket_id: int, who: str = "pm1") -> list[dict]:
    response = client.get(ticket_url(ticket_id, "/events"), query_string={"page_size": 100},
                          headers=world.headers(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def moment(value: str) -> datetime:
    """An API timestamp, which always carries its offset."""
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed
