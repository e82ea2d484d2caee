"""Reports (报表): the service's figures over a period of the group's calendar, within the caller's
report.read reach (optionally narrowed to one org unit's subtree).

Every figure is a handful of aggregate statements (GROUP BY with conditional sums), whatever the
number of tickets or projects: rows are counted in the database, only the groups come back. The
definitions reuse the ticket model's: "open" is `OPEN_STATUSES`, "overdue" is
`Ticket.overdue_clause` (the tickets list's `overdue=true`), and an SLA target is met as the ticket
service marks `sla_breached` (responded / resolved no later than its due time).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Integer, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from servicehub.access import Actor, Perm, require_tenant
from servicehub.categories.models import Category
from servicehub.categories.service import subtree_ids, tenant_categories
from servicehub.db import utcnow
from servicehub.errors import Invalid, NotFound
from servicehub.scoping import scoped_to_unit
from servicehub.tickets.enums import OPEN_STATUSES, Status, TicketType
from servicehub.tickets.models import Ticket
from servicehub.tickets.service import NUMBER_TZ

# The group's calendar (the groups are in mainland China): days and weeks (Monday first) of reports.
CALENDAR = NUMBER_TZ
MAX_DAYS = 366
DEFAULT_WEEKS = 12
TOP_PROJECTS = 10
NONE_KEY = "none"
PERM = Perm.report_read


# --- the period ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days `first`..`last` of the group's calendar, and the Monday-started weeks they touch."""

    first: date
    last: date

    @staticmethod
    def moment(day: date) -> datetime:
        """Midnight starting `day` in the group's calendar, in UTC."""
        return datetime.combine(day, time(), CALENDAR).astimezone(timezone.utc)

    @property
    def start(self) -> datetime:
        return self.moment(self.first)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return self.moment(self.last + timedelta(days=1))

    @property
    def weeks(self) -> list[date]:
        monday = self.first - timedelta(days=self.first.weekday())
        return [monday + timedelta(weeks=i) for i in range((self.last - monday).days // 7 + 1)]

    def contains(self, column):
        return and_(column >= self.start, column < self.end)

    def week_of(self, column):
        """The index in `weeks` of a moment inside the period: a CASE on the weeks' first moments,
        nested as a binary search (six comparisons for a year of weeks, not fifty)."""
        starts = [self.moment(monday) for monday in self.weeks]

        def search(low: int, high: int):  # the week lies in [low, high)
            if high - low == 1:
                return literal(low, Integer)
            middle = (low + high) // 2
            return case((column < starts[middle], search(low, middle)), else_=search(middle, high))

        return search(0, len(starts))


def resolve_period(date_from: date | None, date_to: date | None, *, today: date) -> Period:
    """The period asked for; by default the last 12 weeks: from the Monday 11 weeks before the
    Monday of `date_to`'s week (today's by default) to `date_to`."""
    last = date_to or today
    first = date_from or last - timedelta(days=last.weekday(), weeks=DEFAULT_WEEKS - 1)
    if first > last:
        field, message = ("date_to", "Must not be before date_from.") if date_to else \
            ("date_from", "Must not be after date_to (today when omitted).")
        raise Invalid("The period ends before it starts.", errors={field: [message]})
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid(f"A report covers at most {MAX_DAYS} days.",
                      errors={"date_from": [f"At most {MAX_DAYS} days before date_to (today when omitted)."]})
    return Period(first, last)


# --- what every figure shares ------------------------------------------------------------------------


def _tickets(actor: Actor, org_unit_id: int | None, types, *columns):
    """SELECT `columns` of the tickets the caller reports on: in their report.read reach, narrowed to
    `org_unit_id`'s subtree (404 outside the reach) and to the ticket types asked for."""
    stmt = scoped_to_unit(select(*columns).select_from(Ticket), Ticket, actor, PERM, org_unit_id,
                          unit_column=Ticket.org_unit_id)
    if types:
        stmt = stmt.where(Ticket.type.in_(sorted(set(types), key=list(TicketType).index)))
    return stmt


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def _sla_columns(now: datetime) -> list:
    """The SLA counts of a group of tickets (see `ReportSlaSchema` for the definitions)."""
    def counted(done, due):
        # Done, or its due time passed while it was still open (a ticket cancelled in time is not).
        return or_(done.is_not(None),
                   and_(due < now, or_(Ticket.cancelled_at.is_(None), Ticket.cancelled_at > due)))

    return [
        _count(counted(Ticket.responded_at, Ticket.response_due_at)).label("response_total"),
        _count(Ticket.responded_at <= Ticket.response_due_at).label("response_met"),
        _count(counted(Ticket.resolved_at, Ticket.resolve_due_at)).label("resolution_total"),
        _count(Ticket.resolved_at <= Ticket.resolve_due_at).label("resolution_met"),
    ]


def _rate(met: int, total: int) -> float | None:
    return round(met / total, 4) if total else None


def _is_open():
    return Ticket.status.in_(OPEN_STATUSES)


def _top_level(categories: dict[int, Category]) -> dict[int, Category]:
    """Each category → its top-level ancestor (itself at the top)."""
    found: dict[int, Category] = {}
    for category in categories.values():
        top, seen = category, set()
        while top.parent_id is not None and top.parent_id in categories and top.id not in seen:
            seen.add(top.id)
            top = categories[top.parent_id]
        found[category.id] = top
    return found


def _category_key(top: dict[int, Category], category_id: int | None) -> tuple[str, str | None]:
    if category_id is None or category_id not in top:
        return NONE_KEY, None
    category = top[category_id]
    return str(category.id), category.name


# --- GET /reports/overview ----------------------------------------------------------------------------------


def overview(session: Session, *, actor: Actor, org_unit_id: int | None = None, date_from: date | None = None,
             date_to: date | None = None, type: list | None = None) -> dict:
    """The dashboard: totals, SLA, satisfaction, by status / type / category, the weekly trend and the
    projects with the most open complaints. Five statements, whatever the volume."""
    require_tenant(actor)
    now = utcnow()
    period = resolve_period(date_from, date_to, today=now.astimezone(CALENDAR).date())
    tickets = lambda *columns: _tickets(actor, org_unit_id, type, *columns)  # noqa: E731

    # 1. Tickets created in the period, by status, type and category, with their SLA and satisfaction.
    created = session.execute(
        tickets(Ticket.status, Ticket.type, Ticket.category_id, func.count().label("n"), *_sla_columns(now),
                func.count(Ticket.satisfaction).label("rated"), func.sum(Ticket.satisfaction).label("score"))
        .where(period.contains(Ticket.created_at))
        .group_by(Ticket.status, Ticket.type, Ticket.category_id)
    ).all()
    # 2, 3. The weekly trend: tickets created, and tickets resolved (created at any time), in each week
    # (index-only scans of (tenant_id, created_at) and (tenant_id, resolved_at) for the whole group).
    trend = [{"week_start": monday, "created": 0, "resolved": 0} for monday in period.weeks]
    for key, column in (("created", Ticket.created_at), ("resolved", Ticket.resolved_at)):
        # A subquery names the week, so that GROUP BY repeats a column, not the CASE.
        weeks = tickets(period.week_of(column).label("week")).where(period.contains(column)).subquery()
        for week, n in session.execute(select(weeks.c.week, func.count()).group_by(weeks.c.week)):
            trend[week][key] = n
    # 4. Open tickets now (any creation date), by project.
    open_now = session.execute(
        tickets(Ticket.org_unit_id, func.count().label("open"), _count(Ticket.overdue_clause(now)).label("overdue"),
                _count(Ticket.is_major.is_(True)).label("major"),
                _count(Ticket.type == TicketType.complaint).label("complaints"))
        .where(_is_open())
        .group_by(Ticket.org_unit_id)
    ).all()
    # 5. The category tree, to roll categories up to the top level.
    top = _top_level(tenant_categories(session, tenant_id=actor.tenant_id))

    sums = lambda rows, name: sum(getattr(row, name) or 0 for row in rows)  # noqa: E731
    by_status = {status: 0 for status in Status}
    by_type = {ticket_type: 0 for ticket_type in TicketType}
    by_category: dict[str, dict] = {}
    for row in created:
        by_status[row.status] += row.n
        by_type[row.type] += row.n
        key, label = _category_key(top, row.category_id)
        by_category.setdefault(key, {"key": key, "label": label, "count": 0})["count"] += row.n
    rated = sums(created, "rated")
    projects = sorted(
        ({"org_unit_id": row.org_unit_id, "name": _unit_name(actor, row.org_unit_id), "open_complaints": row.complaints}
         for row in open_now if row.complaints),
        key=lambda p: (-p["open_complaints"], p["name"], p["org_unit_id"]))
    return {
        "period": {"from": period.first, "to": period.last},
        "totals": {
            "created": sums(created, "n"),
            "resolved": sum(week["resolved"] for week in trend),
            "open_now": sums(open_now, "open"),
            "overdue_now": sums(open_now, "overdue"),
            "major_open_now": sums(open_now, "major"),
        },
        "sla": _sla(created),
        "satisfaction": {"count": rated, "average": round(sums(created, "score") / rated, 2) if rated else None},
        "by_status": [{"key": status, "count": n} for status, n in by_status.items()],
        "by_type": [{"key": ticket_type, "count": n} for ticket_type, n in by_type.items()],
        "by_category": sorted(by_category.values(), key=lambda c: (-c["count"], c["key"] == NONE_KEY, c["key"])),
        "trend": trend,
        "top_projects": projects[:TOP_PROJECTS],
    }


def _sla(rows) -> dict:
    totals = {name: sum(getattr(row, name) or 0 for row in rows)
              for name in ("response_total", "response_met", "resolution_total", "resolution_met")}
    return {
        "response_total": totals["response_total"],
        "response_met": totals["response_met"],
        "response_rate": _rate(totals["response_met"], totals["response_total"]),
        "resolution_total": totals["resolution_total"],
        "resolution_met": totals["resolution_met"],
        "resolution_rate": _rate(totals["resolution_met"], totals["resolution_total"]),
    }


def _unit_name(actor: Actor, unit_id: int) -> str:
    unit = actor.units.get(unit_id)
    return unit.name if unit else str(unit_id)


# --- GET /reports/breakdown ----------------------------------------------------------------------------------



class Dimension(str, enum.Enum):
    type = "type"
    status = "status"
    priority = "priority"
    channel = "channel"
    category = "category"  # top-level categories; with category_id, that category's children
    project = "project"
    region = "region"  # projects grouped under their region


GROUP_COLUMNS = {
    Dimension.type: Ticket.type,
    Dimension.status: Ticket.status,
    Dimension.priority: Ticket.priority,
    Dimension.channel: Ticket.channel,
    Dimension.category: Ticket.category_id,
    Dimension.project: Ticket.org_unit_id,
    Dimension.region: Ticket.org_unit_id,
}


def breakdown(session: Session, *, actor: Actor, dimension: Dimension, org_unit_id: int | None = None,
              date_from: date | None = None, date_to: date | None = None, type: list | None = None,
              category_id: int | None = None) -> list[dict]:
    """Tickets created in the period grouped by one dimension, each group with its open, overdue and
    resolved tickets and its on-time resolution rate; largest first. One statement (two with
    categories), whatever the volume."""
    require_tenant(actor)
    dimension = Dimension(dimension)
    now = utcnow()
    period = resolve_period(date_from, date_to, today=now.astimezone(CALENDAR).date())
    categories = tenant_categories(session, tenant_id=actor.tenant_id) \
        if dimension == Dimension.category or category_id is not None else {}
    if category_id is not None and category_id not in categories:
        raise NotFound(f"Category {category_id} not found.")
    column = GROUP_COLUMNS[dimension]
    stmt = (_tickets(actor, org_unit_id, type, column.label("group"), func.count().label("n"),
                     _count(_is_open()).label("open"), _count(Ticket.overdue_clause(now)).label("overdue"),
                     _count(Ticket.resolved_at.is_not(None)).label("resolved"), *_sla_columns(now))
            .where(period.contains(Ticket.created_at))
            .group_by(column))
    if category_id is not None:
        stmt = stmt.where(Ticket.category_id.in_(sorted(subtree_ids(categories, category_id))))
    key_of = _keys(actor, dimension, categories, category_id)
    groups: dict[str, dict] = {}
    for row in session.execute(stmt):
        key, label = key_of(row.group)
        group = groups.setdefault(key, {"key": key, "label": label, "count": 0, "open": 0, "overdue": 0,
                                        "resolved": 0, "resolution_total": 0, "resolution_met": 0})
        for name, value in (("count", row.n), ("open", row.open), ("overdue", row.overdue), ("resolved", row.resolved),
                            ("resolution_total", row.resolution_total), ("resolution_met", row.resolution_met)):
            group[name] += value or 0
    rows = []
    for group in groups.values():
        met, total = group.pop("resolution_met"), group.pop("resolution_total")
        rows.append({**group, "resolution_rate": _rate(met, total)})
    return sorted(rows, key=lambda g: (-g["count"], g["key"]))


def _keys(actor: Actor, dimension: Dimension, categories: dict[int, Category], category_id: int | None):
    """value of the GROUP BY column → (key, label) of the dimension."""
    if dimension == Dimension.project:
        return lambda unit_id: (str(unit_id), _unit_name(actor, unit_id))
    if dimension == Dimension.region:
        def region(unit_id):
            unit = actor.units.get(unit_id)
            parent = actor.units.get(unit.parent_id) if unit and unit.parent_id else None
            above = parent if parent is not None and parent.kind == "region" else unit
            return (str(above.id), above.name) if above else (str(unit_id), None)
        return region
    if dimension == Dimension.category and category_id is None:
        top = _top_level(categories)
        return lambda value: _category_key(top, value)
    if dimension == Dimension.category:
        # The direct children of `category_id`, each with its subtree; the category itself for its own.
        below = {}
        for child in (c for c in categories.values() if c.parent_id == category_id):
            below.update(dict.fromkeys(subtree_ids(categories, child.id), child))
        below[category_id] = categories[category_id]
        return lambda value: (str(below[value].id), below[value].name) if value in below else (NONE_KEY, None)
    return lambda value: (value.value, None)
