"""The warranty clock (保修期) that starts at handover, by component (DESIGN §3).

Defaults from the seeds; per-tenant configuration comes with the repairs issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class WarrantyTerm:
    component: str
    label: str
    years: int


DEFAULT_TERMS: tuple[WarrantyTerm, ...] = (
    WarrantyTerm("waterproofing", "屋面、卫生间、外墙防水", 5),
    WarrantyTerm("heating_cooling", "供热与供冷系统（两个采暖期、供冷期）", 2),
    WarrantyTerm("electrical", "电气管线", 2),
    WarrantyTerm("plumbing", "给排水管道", 2),
    WarrantyTerm("doors_windows", "门窗", 2),
    WarrantyTerm("decoration", "装修工程", 2),
    WarrantyTerm("structure", "地基基础和主体结构（设计使用年限）", 50),
)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def warranty_status(handover: date | None, today: date, terms=DEFAULT_TERMS) -> list[dict]:
    """Per component: until when the unit is covered, and whether it is covered today.

    Coverage runs from the handover date up to and including the day before the anniversary."""
    rows = []
    for term in terms:
        expires = add_years(handover, term.years) if handover else None
        rows.append({
            "component": term.component,
            "label": term.label,
            "years": term.years,
            "expires_on": expires,
            "in_warranty": bool(handover and handover <= today < expires),
        })
    return rows
