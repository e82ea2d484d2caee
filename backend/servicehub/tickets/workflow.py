"""The ticket state machine, in one table. The service applies it; nothing else moves a status.

    new ──assign──► assigned ──► in_progress ──► resolved ──► closed
     │                 │             │              │            │
     └──► cancelled ◄──┴─────────────┘              └──reopen────┴──► in_progress
"""

from __future__ import annotations

from dataclasses import dataclass

from servicehub.tickets.enums import Status

S = Status


@dataclass(frozen=True)
class Move:
    """Who may make a move: `worker` (the assignee, or whoever picks up an unassigned ticket),
    `manager` (ticket.assign at the project), `closer` (ticket.close at the project), and whether
    the first responder may while the ticket is still new."""

    who: str
    needs_reason: bool = False
    first_responder_while_new: bool = False


TRANSITIONS: dict[Status, dict[Status, Move]] = {
    S.new: {S.in_progress: Move("worker"), S.cancelled: Move("closer", needs_reason=True, first_responder_while_new=True)},
    S.assigned: {S.in_progress: Move("worker"), S.cancelled: Move("closer", needs_reason=True)},
    S.in_progress: {S.resolved: Move("worker"), S.cancelled: Move("closer", needs_reason=True)},
    S.resolved: {S.closed: Move("closer"), S.in_progress: Move("closer", needs_reason=True)},
    S.closed: {S.in_progress: Move("closer", needs_reason=True)},
    S.cancelled: {},
}

REOPEN_FROM = (S.resolved, S.closed)


def allowed_moves(status: Status) -> list[Status]:
    return list(TRANSITIONS[status])


def move_for(current: Status, to: Status) -> Move | None:
    return TRANSITIONS[current].get(to)
