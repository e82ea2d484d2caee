"""Contractor scorecard (维修单位考核): per region and contractor over a month, quarter or year of the
group's calendar (Asia/Shanghai) — jobs, on-time rate, the customers' satisfaction, reopens, cost,
the bonus or penalty by the seeds' table (奖惩), the rank within the region and the bottom ones
flagged (末位淘汰).

Set-based: one aggregate statement over the period's done work orders (joined to their project,
their ticket, its resolution callback and its last reopen; GROUP BY contractor and region), one for
the contractors, one for the regions' codes — whatever the number of contractors or jobs. Ranks
and flags are given in Python over those few groups (one per contractor and region).

Definitions (the contract in the API description follows them):

* a job: a work order `done` with `finished_at` in [first moment of the period, first moment of the
  next period), in a project of the region (a work order's unit is its ticket's project);
* its satisfaction: the `satisfaction` of its ticket's completed `resolution` callback (回访);
* on time: finished no later than the ticket's `resolve_due_at`;
* reopened: the ticket has a `reopened` event after the job's `finished_at`;
* its bonus / penalty: cost × BONUS_PERCENT[satisfaction] %, rounded half-up to the cent per job
  (jobs without a score or without a cost count nothing);
* rank: by the average satisfaction (2 decimals, as shown) within the region, highest first,
  equal averages sharing a rank (1, 2, 2, 4); contractors without a scored job are not ranked;
* flagged (末位): see FLAG_BOTTOM_PERCENT.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from servicehub.access import Actor, Perm, require_tenant
from servicehub.callbacks.models import Callback, CallbackKind
from servicehub.contractors.models import Contractor, ContractorUnit, Trade
from servicehub.errors import Invalid, NotFound
from servicehub.orgs.models import OrgUnit
from servicehub.reports.service import Period
from servicehub.scoping import scoped_to_unit
from servicehub.tickets.models import Ticket, TicketEvent
from servicehub.work_orders.models import WorkOrder
from servicehub.work_orders.workflow import WorkOrderStatus

PERM = Perm.contractor_manage
REOPENED = "reopened"  # the ticket event of a reopen (tickets.service._move)

# --- the rules (DESIGN §3, the seeds' table) ----------------------------------------------------------------

# Bonus (+) or penalty (−) of a job, in per cent of its cost, by the customer's satisfaction (1–5).
BONUS_PERCENT: dict[int, int] = {5: 2, 4: 1, 3: -1, 2: -2, 1: -5}
# 末位淘汰: in a region with at least FLAG_MIN_RANKED ranked contractors, the bottom
# ceil(FLAG_BOTTOM_PERCENT % of them) positions — at least one — are flagged, and so is everyone
# sharing the rank of a flagged position (a tie at the bottom is flagged as a whole).
FLAG_BOTTOM_PERCENT = 10
FLAG_MIN_RANKED = 2

CENT = Decimal("0.01")
FIRST_YEAR, LAST_YEAR = 1970, 9998
_PERIOD = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>0[1-9]|1[0-2])|-Q(?P<quarter>[1-4]))?")
PERIOD_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"


def job_bonus(cost: Decimal, satisfaction: int) -> Decimal:
    """The bonus (+) or penalty (−) of one job: cost × the table's per cent, half-up to the cent.
    (The statement computes the same in whole cents: `_bonus_cents`.)"""
    return (cost * BONUS_PERCENT[satisfaction] / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def flagged_ranks(ranks: list[int]) -> set[int]:
    """The ranks flagged as the bottom of a region, given every ranked contractor's rank (1, 2, 2, 4)."""
    n = len(ranks)
    if n < FLAG_MIN_RANKED:
        return set()
    bottom = max(1, -(-n * FLAG_BOTTOM_PERCENT // 100))  # ceil without floats
    cut = sorted(ranks)[n - bottom]  # the rank of the highest flagged position
    return {rank for rank in ranks if rank >= cut}


# --- the period -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorecardPeriod(Period):
    """A month (`2026-10`), quarter (`2026-Q4`) or year (`2026`) of the group's calendar."""

    label: str = ""


def parse_period(text: str) -> ScorecardPeriod:
    """`YYYY-MM`, `YYYY-Qn` or `YYYY` → its days; ValueError for anything else."""
    match = _PERIOD.fullmatch(text or "")
    if match is None:
        raise ValueError("A month (2026-10), a quarter (2026-Q4) or a year (2026).")
    year = int(match["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"The year must lie between {FIRST_YEAR} and {LAST_YEAR}.")
    if match["month"]:
        first_month, months = int(match["month"]), 1
    elif match["quarter"]:
        first_month, months = 3 * int(match["quarter"]) - 2, 3
    else:
        first_month, months = 1, 12
    first = date(year, first_month, 1)
    after = first_month + months
    following = date(year + 1, 1, 1) if after > 12 else date(year, after, 1)
    return ScorecardPeriod(first, date.fromordinal(following.toordinal() - 1), text)


# --- the statements ----------------------------------------------------------------------------------------------


def _bonus_cents():
    """The bonus / penalty of a job in whole cents, rounded half-up per job, in exact integer
    arithmetic on every backend (SQLite keeps NUMERIC as floating point): cost in cents (≥ 0, a check
    constraint) × |per cent|, + 50, integer-divided by 100, then signed. NULL without a score or a cost."""
    cents = cast(func.round(WorkOrder.cost * 100), BigInteger)
    whens = []
    for score, percent in BONUS_PERCENT.items():
        magnitude = (cents * abs(percent) + 50) // 100
        whens.append((Callback.satisfaction == score, magnitude if percent > 0 else -magnitude))
    return case(*whens, else_=None)


def _last_reopened():
    """Per ticket, its last `reopened` event (a derived table). The job's ticket was reopened after the
    job finished exactly when its last reopen came after `finished_at`. The partial index
    `ix_ticket_events_reopened` holds only these events, so the table is as small as the reopens."""
    return (select(TicketEvent.ticket_id, func.max(TicketEvent.at).label("at"))
            .where(TicketEvent.kind == REOPENED)
            .group_by(TicketEvent.ticket_id)
            .subquery("last_reopened"))


def _following_callback():
    """The join condition of a job's callback: the ticket's resolution callback (回访) of the round the
    job belongs to. A ticket reopened and resolved again has one per round, and each job is judged by
    the call that followed its own repair (only a completed one has a score)."""
    return and_(Callback.tenant_id == WorkOrder.tenant_id, Callback.ticket_id == WorkOrder.ticket_id,
                Callback.kind == CallbackKind.resolution, Callback.round == WorkOrder.ticket_round)


def _job_groups(session: Session, actor: Actor, unit_id: int, period: ScorecardPeriod):
    """The period's jobs in `unit_id`'s subtree, by contractor and region (the parent of the work
    order's project): one aggregate statement."""
    reopened = _last_reopened()
    project = aliased(OrgUnit, name="project")
    stmt = (
        select(WorkOrder.contractor_id, project.parent_id.label("region_id"),
               func.count().label("jobs"),
               func.sum(case((WorkOrder.finished_at <= Ticket.resolve_due_at, 1), else_=0)).label("on_time"),
               func.count(Callback.satisfaction).label("scored"),
               func.sum(Callback.satisfaction).label("score_sum"),
               func.sum(case((reopened.c.at > WorkOrder.finished_at, 1), else_=0)).label("reopened"),
               func.sum(cast(func.round(WorkOrder.cost * 100), BigInteger)).label("cost_cents"),
               func.sum(_bonus_cents()).label("bonus_cents"))
        .select_from(WorkOrder)
        .join(project, and_(project.tenant_id == WorkOrder.tenant_id, project.id == WorkOrder.org_unit_id))
        .join(Ticket, and_(Ticket.tenant_id == WorkOrder.tenant_id, Ticket.id == WorkOrder.ticket_id))
        .outerjoin(Callback, _following_callback())
        .outerjoin(reopened, reopened.c.ticket_id == WorkOrder.ticket_id)
        .where(WorkOrder.status == WorkOrderStatus.done, period.contains(WorkOrder.finished_at))
        .group_by(WorkOrder.contractor_id, project.parent_id)
    )
    stmt = scoped_to_unit(stmt, WorkOrder, actor, PERM, unit_id, unit_column=WorkOrder.org_unit_id)
    return session.execute(stmt).all()


def _contractors(session: Session, actor: Actor, units: set[int], with_jobs: set[int]):
    """(contractor, a unit of `units` it serves or None) for the contractors serving one of `units`
    or having jobs there (`with_jobs`, possibly no longer serving them): one statement."""
    served = and_(ContractorUnit.tenant_id == Contractor.tenant_id, ContractorUnit.contractor_id == Contractor.id,
                  ContractorUnit.org_unit_id.in_(sorted(units)))
    stmt = (select(Contractor.id, Contractor.name, Contractor.trades, Contractor.is_active, ContractorUnit.org_unit_id)
            .outerjoin(ContractorUnit, served)
            .where(Contractor.tenant_id == actor.tenant_id,
                   or_(ContractorUnit.org_unit_id.is_not(None), Contractor.id.in_(sorted(with_jobs))))
            .order_by(Contractor.id))
    return session.execute(stmt).all()


# --- the scorecard ------------------------------------------------------------------------------------------------


@dataclass
class _Tally:
    jobs: int = 0
    on_time: int = 0
    scored: int = 0
    score_sum: int = 0
    reopened: int = 0
    cost_cents: int = 0
    bonus_cents: int = 0

    def add(self, row) -> None:
        self.jobs += row.jobs
        self.on_time += int(row.on_time or 0)
        self.scored += row.scored
        self.score_sum += int(row.score_sum or 0)
        self.reopened += int(row.reopened or 0)
        self.cost_cents += int(row.cost_cents or 0)
        self.bonus_cents += int(row.bonus_cents or 0)


@dataclass
class _Row:
    region_id: int
    contractor_id: int
    tally: _Tally = field(default_factory=_Tally)
    average: Decimal | None = None
    rank: int | None = None


def default_unit(actor: Actor) -> int:
    """The caller's top unit where they manage contractors: the hq for the CRM centre, the region for
    its manager (the first by position in the tree when several)."""
    reach = actor.reach(PERM)
    tops = [actor.units[u] for u in reach if u in actor.units and actor.units[u].parent_id not in reach]
    if not tops:
        raise NotFound("No org unit where you manage contractors.")
    return min(tops, key=lambda unit: (unit.path.count("/"), unit.path)).id


def _check_unit(actor: Actor, org_unit_id: int | None) -> int:
    if org_unit_id is None:
        return default_unit(actor)
    unit = actor.units.get(org_unit_id)
    if unit is None or org_unit_id not in actor.reach(PERM):
        raise NotFound(f"OrgUnit {org_unit_id} not found.")
    if unit.kind not in ("hq", "region"):
        raise Invalid("The scorecard ranks within a region: pick a region or the group.",
                      errors={"org_unit_id": ["A region or the group (hq), not a project."]})
    return org_unit_id


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def scorecard(session: Session, *, actor: Actor, period: ScorecardPeriod, org_unit_id: int | None = None) -> dict:
    """The scorecard of `org_unit_id` (a region, or the hq: every region; default: the caller's top
    unit where they hold contractor.manage) over `period`: one row per region and contractor. Three
    statements whatever the number of contractors, regions or jobs."""
    require_tenant(actor)
    unit_id = _check_unit(actor, org_unit_id)
    subtree = actor.subtree(unit_id)
    region_of = {}
    for u in subtree:
        unit = actor.units[u]
        if unit.kind == "region":
            region_of[u] = u
        elif unit.kind == "project" and unit.parent_id in actor.units \
                and actor.units[unit.parent_id].kind == "region":
            region_of[u] = unit.parent_id

    rows: dict[tuple[int, int], _Row] = {}
    for group in _job_groups(session, actor, unit_id, period):
        if region_of.get(group.region_id) != group.region_id:  # a unit not under a region: nowhere to rank it
            continue
        row = rows[(group.region_id, group.contractor_id)] = _Row(group.region_id, group.contractor_id)
        row.tally.add(group)

    contractors: dict[int, dict] = {}
    for cid, name, trades, is_active, unit in _contractors(session, actor, set(region_of),
                                                           {c for _r, c in rows}):
        contractors.setdefault(cid, {"name": name, "trades": list(trades or [])})
        if unit is not None and is_active:
            key = (region_of[unit], cid)
            rows.setdefault(key, _Row(*key))
    rows = {key: row for key, row in rows.items() if key[1] in contractors}

    regions = sorted({region for region, _c in rows})
    codes = dict(session.execute(select(OrgUnit.id, OrgUnit.code).where(
        OrgUnit.tenant_id == actor.tenant_id, OrgUnit.id.in_(regions))).all()) if regions else {}

    by_region: dict[int, list[_Row]] = {}
    for row in rows.values():
        by_region.setdefault(row.region_id, []).append(row)
    out = []
    for region_id, members in by_region.items():
        ranked = [r for r in members if r.tally.scored]
        for r in ranked:
            r.average = (Decimal(r.tally.score_sum) / r.tally.scored).quantize(CENT, rounding=ROUND_HALF_UP)
        ranked.sort(key=lambda r: r.average, reverse=True)
        for position, r in enumerate(ranked, start=1):  # equal averages share a rank: 1, 2, 2, 4
            r.rank = ranked[position - 2].rank if position > 1 and ranked[position - 2].average == r.average \
                else position
        flagged = flagged_ranks([r.rank for r in ranked])
        for r in members:
            t, c = r.tally, contractors[r.contractor_id]
            out.append({
                "region_id": region_id, "region_name": actor.units[region_id].name,
                "region_code": codes.get(region_id, ""),
                "contractor_id": r.contractor_id, "contractor_name": c["name"], "trades": c["trades"],
                "jobs": t.jobs, "on_time_jobs": t.on_time, "on_time_rate": _rate(t.on_time, t.jobs),
                "scored_jobs": t.scored, "avg_satisfaction": float(r.average) if r.average is not None else None,
                "reopened_jobs": t.reopened, "reopen_rate": _rate(t.reopened, t.jobs),
                "cost_total": _money(t.cost_cents), "bonus_penalty": _money(t.bonus_cents),
                "rank": r.rank, "ranked_in_region": len(ranked), "flagged": r.rank is not None and r.rank in flagged,
            })
    out.sort(key=lambda row: (row["region_code"], row["region_id"], row["rank"] is None, row["rank"] or 0,
                              row["contractor_name"], row["contractor_id"]))
    return {"period": period.label, "starts_on": period.first, "ends_on": period.last, "org_unit_id": unit_id,
            "rows": out}


# --- the XLSX export -------------------------------------------------------------------------------------------------

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TRADE_NAMES = {Trade.waterproofing.value: "防水", Trade.electrical.value: "电气", Trade.plumbing.value: "给排水",
               Trade.doors_windows.value: "门窗", Trade.decoration.value: "装修", Trade.general.value: "综合维修"}
# (header, row key, number format, column width)
COLUMNS = (
    ("区域", "region_name", None, 14),
    ("维修单位", "contractor_name", None, 30),
    ("工种", "trades", None, 18),
    ("完工单数", "jobs", "0", 10),
    ("及时完工率", "on_time_rate", "0.0%", 11),
    ("已评价", "scored_jobs", "0", 8),
    ("平均满意度", "avg_satisfaction", "0.00", 11),
    ("返修率", "reopen_rate", "0.0%", 9),
    ("维修金额", "cost_total", "#,##0.00", 14),
    ("奖惩金额", "bonus_penalty", "#,##0.00;[Red]-#,##0.00", 14),
    ("排名", "rank", "0", 7),
    ("末位", "flagged", None, 7),
)
FLAGGED_FILL = "FFC7CE"  # Excel's light red of "bad" cells


def export_filename(result: dict) -> str:
    return f"scorecard-{result['period']}.xlsx"


def to_xlsx(result: dict) -> bytes:
    """The scorecard's rows as one sheet with Chinese headers; percentages formatted, flagged rows
    highlighted."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"维修单位考核 {result['period']}"
    sheet.append([header for header, *_rest in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    fill = PatternFill(fill_type="solid", start_color=FLAGGED_FILL, end_color=FLAGGED_FILL)
    for number, row in enumerate(result["rows"], start=2):
        values = []
        for _header, key, _format, _width in COLUMNS:
            value = row[key]
            if key == "trades":
                value = "、".join(TRADE_NAMES.get(t, t) for t in value)
            elif key == "flagged":
                value = "是" if value else ""
            values.append(value)
        sheet.append(values)
        for column, (_header, _key, number_format, _width) in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=number, column=column)
            if number_format:
                cell.number_format = number_format
            if row["flagged"]:
                cell.fill = fill
    for column, (_header, _key, _format, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
