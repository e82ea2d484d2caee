"""The warranty clock (保修期) that starts at handover, by component (DESIGN §3).

`DEFAULT_TERMS` are the seeds' periods; a group overrides them per component (`warranty/`,
`GET/PUT /warranty-terms`). `warranty_status` is the one rule of coverage, `decide` applies it to one
defect of a work order.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date


class Component(str, enum.Enum):
    """What a defect is in: the warranty period depends on it."""

    waterproofing = "waterproofing"  # 防水
    heating_cooling = "heating_cooling"  # 供热与供冷
    electrical = "electrical"  # 电气管线
    plumbing = "plumbing"  # 给排水
    doors_windows = "doors_windows"  # 门窗
    decoration = "decoration"  # 装修
    structure = "structure"  # 地基基础和主体结构


@dataclass(frozen=True)
class WarrantyTerm:
    component: str
    label: str
    years: int = 0
    months: int = 0  # added to `years`: a group may set 18 months

    @property
    def period_months(self) -> int:
        return self.years * 12 + self.months


DEFAULT_TERMS: tuple[WarrantyTerm, ...] = (
    WarrantyTerm("waterproofing", "屋面、卫生间、外墙防水", 5),
    WarrantyTerm("heating_cooling", "供热与供冷系统（两个采暖期、供冷期）", 2),
    WarrantyTerm("electrical", "电气管线", 2),
    WarrantyTerm("plumbing", "给排水管道", 2),
    WarrantyTerm("doors_windows", "门窗", 2),
    WarrantyTerm("decoration", "装修工程", 2),
    WarrantyTerm("structure", "地基基础和主体结构（设计使用年限）", 50),
)

# The default category tree's construction-quality children (categories/defaults.py) → the component
# of the defect. A work order may name another component explicitly. `plumbing_electrical` (水电)
# counts as plumbing (both have 2 years by default); `cracks` (开裂空鼓: plaster) as decoration.
CATEGORY_COMPONENTS: dict[str, Component] = {
    "leakage": Component.waterproofing,
    "plumbing_electrical": Component.plumbing,
    "doors_windows": Component.doors_windows,
    "decoration": Component.decoration,
    "cracks": Component.decoration,
    "heating_cooling": Component.heating_cooling,
    "structure": Component.structure,
}


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the last day of the month when it has fewer days (29 Feb → 28 Feb)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, years * 12)


def warranty_status(handover: date | None, today: date, terms=DEFAULT_TERMS) -> list[dict]:
    """Per component: until when the unit is covered, and whether it is covered today.

    Coverage runs from the handover date up to and including the day before the anniversary."""
    rows = []
    for term in terms:
        expires = add_months(handover, term.period_months) if handover else None
        rows.append({
            "component": term.component,
            "label": term.label,
            "years": term.period_months // 12 if term.period_months % 12 == 0 else None,
            "months": term.period_months,
            "expires_on": expires,
            "in_warranty": bool(handover and handover <= today < expires),
        })
    return rows


class Reason(str, enum.Enum):
    in_warranty = "in_warranty"  # handed over, inside the component's period
    expired = "expired"  # the period ended: a paid repair (有偿维修)
    not_handed_over = "not_handed_over"  # no handover (yet): the developer's responsibility, free
    no_unit = "no_unit"  # the ticket names no unit (common parts): not billed to an owner


def decide(handover_date: date | None, component: str, on_date: date, terms=DEFAULT_TERMS) -> dict:
    """In or out of warranty for a defect of `component` reported on `on_date`.

    A unit without a handover date (or reported before it) is not handed over yet: the developer
    still answers for it, so the repair is free (in warranty, `until` None)."""
    term = next((t for t in terms if t.component == component), None)
    if term is None:
        raise ValueError(f"no warranty term for component {component!r}")
    if handover_date is None or on_date < handover_date:
        return {"in_warranty": True, "component": component, "until": None, "reason": Reason.not_handed_over}
    (row,) = warranty_status(handover_date, on_date, (term,))
    # `until` is the last covered day: the day before the anniversary.
    until = date.fromordinal(row["expires_on"].toordinal() - 1)
    return {"in_warranty": row["in_warranty"], "component": component, "until": until,
            "reason": Reason.in_warranty if row["in_warranty"] else Reason.expired}
