"""The work-order state machine, in one table. The service applies it; nothing else moves a status.

    dispatched ──► accepted ──► on_site ──► done
        │              │
        └──────────────┴──► rejected (by the contractor, with a reason: the ticket goes back to be
                                      dispatched again, on a new work order)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class WorkOrderStatus(str, enum.Enum):
    dispatched = "dispatched"  # 已派工
    accepted = "accepted"  # 已接单
    on_site = "on_site"  # 已到场
    done = "done"  # 已完工
    rejected = "rejected"  # 拒单


S = WorkOrderStatus
OPEN_STATUSES = (S.dispatched, S.accepted, S.on_site)


@dataclass(frozen=True)
class Move:
    """`needs_reason`: the contractor's reason for refusing; `needs_result`: what was done.
    Who: the dispatcher (workorder.dispatch at the project) or the work order's supervisor,
    who records what the contractor says and does."""

    needs_reason: bool = False
    needs_result: bool = False


TRANSITIONS: dict[WorkOrderStatus, dict[WorkOrderStatus, Move]] = {
    S.dispatched: {S.accepted: Move(), S.rejected: Move(needs_reason=True)},
    S.accepted: {S.on_site: Move(), S.rejected: Move(needs_reason=True)},
    S.on_site: {S.done: Move(needs_result=True)},
    S.done: {},
    S.rejected: {},
}


def allowed_moves(status: WorkOrderStatus) -> list[WorkOrderStatus]:
    return list(TRANSITIONS[status])


def move_for(current: WorkOrderStatus, to: WorkOrderStatus) -> Move | None:
    return TRANSITIONS[current].get(to)
