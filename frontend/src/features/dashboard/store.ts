import { defineStore } from 'pinia'
import type { LocationQuery } from 'vue-router'
import { api, unwrap, type Schemas, type Ticket } from '@/api/client'
import type { paths } from '@/api/schema'
import { OPEN_STATUSES, TICKET_TYPES } from '@/features/tickets/store'

/**
 * A response schema with every field present: the spec lists no output field as required, but the
 * reports always send every one (null where the contract says so).
 */
type Sent<T> = T extends (infer U)[] ? Sent<U>[] : T extends object ? { [K in keyof T]-?: Sent<T[K]> } : T
export type Overview = Sent<Schemas['ReportOverview']>
export type BreakdownRow = Sent<Schemas['ReportBreakdownRow']>
export type OverviewQuery = NonNullable<paths['/api/v1/reports/overview']['get']['parameters']['query']>
export type BreakdownQuery = paths['/api/v1/reports/breakdown']['get']['parameters']['query']
export type Dimension = BreakdownQuery['dimension']
type TicketType = NonNullable<Ticket['type']>
type TicketStatus = NonNullable<Ticket['status']>

/** The dimensions the breakdown table switches between. */
export const TABLE_DIMENSIONS = ['project', 'region', 'priority', 'channel'] as const
export type TableDimension = (typeof TABLE_DIMENSIONS)[number]

// ---- The period: calendar days in Asia/Shanghai (UTC+8 all year, no daylight saving). ----

const OFFSET = '+08:00'
const DAY_MS = 86_400_000
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/

/** Today's date in Asia/Shanghai, `YYYY-MM-DD`. */
export function shanghaiToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10)
}

/** Monday of the day's week. */
function monday(day: string): string {
  return addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7))
}

export const PERIODS = ['thisWeek', 'last4Weeks', 'last12Weeks', 'thisMonth', 'lastMonth', 'thisYear'] as const
export type PeriodName = (typeof PERIODS)[number]
export interface Period { from: string; to: string }

/** A shortcut's days (both ends included). "Last N weeks" are N whole weeks from Monday, as the trend counts them. */
export function period(name: PeriodName, today: string): Period {
  const firstOfMonth = `${today.slice(0, 8)}01`
  switch (name) {
    case 'thisWeek':
      return { from: monday(today), to: today }
    case 'last4Weeks':
      return { from: addDays(monday(today), -21), to: today }
    case 'last12Weeks':
      return { from: addDays(monday(today), -77), to: today }
    case 'thisMonth':
      return { from: firstOfMonth, to: today }
    case 'lastMonth': {
      const last = addDays(firstOfMonth, -1)
      return { from: `${last.slice(0, 8)}01`, to: last }
    }
    case 'thisYear':
      return { from: `${today.slice(0, 4)}-01-01`, to: today }
  }
}

/** The longest period a report covers (the API answers 422 beyond). */
export const MAX_DAYS = 366

/** The period cut to its last MAX_DAYS days. */
export function clampPeriod(p: Period): Period {
  const earliest = addDays(p.to, 1 - MAX_DAYS)
  return p.from < earliest ? { from: earliest, to: p.to } : p
}

// ---- The dashboard's state, kept in the URL. ----

export interface DashboardFilters extends Period {
  /** Only these ticket types; none: all. */
  type: TicketType[]
}

/** Filters from the URL (`from`, `to`, `type` repeated); a missing or malformed period is the last 12 weeks, a too long one is cut. */
export function filtersFromUrl(query: LocationQuery, today: string): DashboardFilters {
  const { from, to } = query
  const valid = typeof from === 'string' && typeof to === 'string' && DAY_RE.test(from) && DAY_RE.test(to) && from <= to
  const types = ([] as unknown[]).concat(query.type ?? [])
  return {
    ...(valid ? clampPeriod({ from, to }) : period('last12Weeks', today)),
    type: TICKET_TYPES.filter((type) => types.includes(type)),
  }
}

export function filtersToUrl(f: DashboardFilters): Record<string, string | string[]> {
  return { from: f.from, to: f.to, ...(f.type.length ? { type: f.type } : {}) }
}

/** The overview's query: the period, the types and the header's scope (`scope.filter`). */
export function overviewQuery(f: DashboardFilters, scope: { org_unit_id?: number }): OverviewQuery {
  return { date_from: f.from, date_to: f.to, ...(f.type.length ? { type: [...f.type] } : {}), ...scope }
}

export function breakdownQuery(f: DashboardFilters, scope: { org_unit_id?: number }, dimension: Dimension, categoryId?: number | null): BreakdownQuery {
  return { ...overviewQuery(f, scope), dimension, ...(categoryId ? { category_id: categoryId } : {}) }
}

// ---- Click-through: the ticket list's URL query (route `tickets`) for what was clicked. ----
// The header's scope is not repeated: the ticket list applies the same scope switcher itself.

export type TicketListQuery = Record<string, string | string[]>
const RESOLVED: TicketStatus[] = ['resolved', 'closed']
const OPEN: TicketStatus[] = [...OPEN_STATUSES]

/** The start of a Shanghai day as an ISO date-time with its offset. */
function dayStart(day: string): string {
  return `${day}T00:00:00${OFFSET}`
}

/** Tickets created from `from` to `to` (both days included; the list's `created_to` is exclusive). */
function createdBetween(from: string, to: string): TicketListQuery {
  return { created_from: dayStart(from), created_to: dayStart(addDays(to, 1)) }
}

/** Tickets resolved from `from` to `to` (both days included), created at any time: the reports' "resolved". */
function resolvedBetween(from: string, to: string): TicketListQuery {
  return { resolved_from: dayStart(from), resolved_to: dayStart(addDays(to, 1)) }
}

/** A week of the trend, cut to the period. */
function weekIn(f: DashboardFilters, weekStart: string): Period {
  const to = addDays(weekStart, 6)
  return { from: weekStart > f.from ? weekStart : f.from, to: to < f.to ? to : f.to }
}

function ofType(f: DashboardFilters): TicketListQuery {
  return f.type.length ? { type: [...f.type] } : {}
}

export const ticketLinks = {
  created: (f: DashboardFilters): TicketListQuery => ({ ...ofType(f), ...createdBetween(f.from, f.to) }),
  /** Resolved in the period (by resolution time, whenever created), as the 已解决 card counts them. */
  resolved: (f: DashboardFilters): TicketListQuery => ({ ...ofType(f), ...resolvedBetween(f.from, f.to) }),
  openNow: (f: DashboardFilters): TicketListQuery => ({ ...ofType(f), status: OPEN }),
  overdueNow: (f: DashboardFilters): TicketListQuery => ({ ...ofType(f), overdue: 'true' }),
  majorOpen: (): TicketListQuery => ({ view: 'major', status: OPEN }),
  type: (f: DashboardFilters, type: string): TicketListQuery => ({ ...createdBetween(f.from, f.to), type }),
  status: (f: DashboardFilters, status: string): TicketListQuery => ({ ...ticketLinks.created(f), status }),
  category: (f: DashboardFilters, categoryId: number): TicketListQuery => ({ ...ticketLinks.created(f), category_id: String(categoryId) }),
  /** The tickets created in one week of the trend, cut to the period. */
  week: (f: DashboardFilters, weekStart: string): TicketListQuery => {
    const { from, to } = weekIn(f, weekStart)
    return { ...ofType(f), ...createdBetween(from, to) }
  },
  /** The tickets resolved in one week of the trend (its resolved line), cut to the period. */
  resolvedWeek: (f: DashboardFilters, weekStart: string): TicketListQuery => {
    const { from, to } = weekIn(f, weekStart)
    return { ...ofType(f), ...resolvedBetween(from, to) }
  },
  /** A project's open complaints (now, whatever the period). */
  projectComplaints: (orgUnitId: number): TicketListQuery => ({ org_unit_id: String(orgUnitId), type: 'complaint', status: OPEN }),
  /**
   * A number of the breakdown table: the row's tickets created in the period, narrowed to the
   * column ("resolved" there: created in the period and resolved since, whenever).
   */
  breakdown: (f: DashboardFilters, dimension: TableDimension, key: string, column: 'count' | 'open' | 'overdue' | 'resolved'): TicketListQuery => {
    const rows: Record<TableDimension, TicketListQuery> = {
      project: { org_unit_id: key }, region: { org_unit_id: key }, priority: { priority: key }, channel: { channel: key },
    }
    const row = rows[dimension]
    const narrowed: Record<typeof column, TicketListQuery> = { count: {}, open: { status: OPEN }, overdue: { overdue: 'true' }, resolved: { status: RESOLVED } }
    return { ...ticketLinks.created(f), ...row, ...narrowed[column] }
  },
}

/** Reports: every call of the dashboard goes through here (components never fetch). */
export const useDashboardStore = defineStore('dashboard', () => {
  async function overview(query: OverviewQuery): Promise<Overview> {
    return unwrap(await api.GET('/api/v1/reports/overview', { params: { query } })) as Overview
  }

  async function breakdown(query: BreakdownQuery): Promise<BreakdownRow[]> {
    return unwrap(await api.GET('/api/v1/reports/breakdown', { params: { query } })) as BreakdownRow[]
  }

  return { overview, breakdown }
})
