"""Lifecycle stage (客户阶段) from the handover dates of a customer's units (DESIGN §2)."""

from __future__ import annotations

from datetime import date

from servicehub.customers.models import Stage
from servicehub.properties.warranty import add_years


def compute_stage(*, handovers: list[date | None], holds_units: bool, is_lost: bool, today: date) -> Stage:
    """prospect (no unit) → pending owner (bought, not handed over) → break-in (first year after
    the earliest handover) → stable (years 1–3) → veteran (3+). `lost` is set by staff."""
    if is_lost:
        return Stage.lost
    if not holds_units:
        return Stage.prospect
    delivered = [d for d in handovers if d is not None and d <= today]
    if not delivered:
        return Stage.pending_owner
    first = min(delivered)
    if today < add_years(first, 1):
        return Stage.break_in
    if today < add_years(first, 3):
        return Stage.stable
    return Stage.veteran
