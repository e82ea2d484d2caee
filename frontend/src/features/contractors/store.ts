import { defineStore } from 'pinia'
import { api, paged, unwrap, type Paged, type Schemas } from '@/api/client'
import type { paths } from '@/api/schema'

export type Contractor = Schemas['Contractor']
export type ContractorCreate = Schemas['ContractorCreate']
export type ContractorUpdate = Schemas['ContractorUpdate']
export type ContractorQuery = NonNullable<paths['/api/v1/contractors']['get']['parameters']['query']>
export type Trade = ContractorCreate['trades'][number]

/** What a contractor repairs (工种), in the API's order; `general` takes any trade. */
export const TRADES: readonly Trade[] = ['waterproofing', 'electrical', 'plumbing', 'doors_windows', 'decoration', 'general']

// ---- Scorecard (维修单位考评): GET /contractors/scorecard (see the API's description of each field). ----

/**
 * A response schema with every field present: the spec lists no output field as required, but the
 * scorecard always sends every one (null where the contract says so).
 */
type Sent<T> = T extends (infer U)[] ? Sent<U>[] : T extends object ? { [K in keyof T]-?: Sent<T[K]> } : T
/**
 * One contractor in one region: jobs (work orders done in the period), on-time rate, scored jobs and
 * their average satisfaction, reopen rate, cost and 奖惩 (yuan as strings), rank within the region
 * (ties share it; null when unscored), `flagged` = 末位.
 */
export type ScorecardRow = Sent<Schemas['ScorecardRow']>
export type Scorecard = Sent<Schemas['Scorecard']>
export type ScorecardQuery = paths['/api/v1/contractors/scorecard']['get']['parameters']['query']

/** The export's file and its name. */
export interface Download {
  blob: Blob
  filename: string
}

// ---- Days: contract dates and periods are days of the group's calendar (Asia/Shanghai, UTC+8). ----

const DAY_MS = 86_400_000

/** Today's date in Asia/Shanghai, `YYYY-MM-DD`. */
export function shanghaiToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)
}

/** A contract ending within this many days is marked. */
export const EXPIRY_WARNING_DAYS = 30

export type Expiry = { state: 'expired'; days: number } | { state: 'soon'; days: number } | { state: 'ok' } | { state: 'pending'; days: number }

/** Where the contract stands today: not started yet, running, ending within 30 days (days left, 0 = today), or over. */
export function expiry(contract: Pick<Contractor, 'contract_start' | 'contract_end'>, today: string): Expiry {
  if (contract.contract_end && contract.contract_end < today) return { state: 'expired', days: daysBetween(contract.contract_end, today) }
  if (contract.contract_start && contract.contract_start > today) return { state: 'pending', days: daysBetween(today, contract.contract_start) }
  if (contract.contract_end) {
    const left = daysBetween(today, contract.contract_end)
    if (left <= EXPIRY_WARNING_DAYS) return { state: 'soon', days: left }
  }
  return { state: 'ok' }
}

// ---- The list's filters (kept in the URL) → the API's query. ----

export type ActiveFilter = '' | 'active' | 'inactive'

export interface ContractorFilters {
  q: string
  trade: Trade | ''
  active: ActiveFilter
}

export function filtersFromUrl(query: Record<string, unknown>): ContractorFilters {
  const str = (v: unknown) => (typeof v === 'string' ? v : '')
  const trade = str(query.trade) as Trade
  const active = str(query.active) as ActiveFilter
  return {
    q: str(query.q),
    trade: TRADES.includes(trade) ? trade : '',
    active: active === 'active' || active === 'inactive' ? active : '',
  }
}

export function filtersToUrl(f: ContractorFilters): Record<string, string> {
  const out: Record<string, string> = {}
  if (f.q.trim()) out.q = f.q.trim()
  if (f.trade) out.trade = f.trade
  if (f.active) out.active = f.active
  return out
}

/** The list's query: the filters and the header's scope (`scope.filter`), page left to the pager. */
export function listQuery(f: ContractorFilters, scope: { org_unit_id?: number }): ContractorQuery {
  const q: ContractorQuery = { ...scope }
  if (f.q.trim()) q.q = f.q.trim()
  if (f.trade) q.trade = f.trade
  if (f.active) q.active = f.active === 'active'
  return q
}

// ---- Who manages which contractor (the API decides; this only hides what would be refused). ----

interface UnitLike {
  id?: number
  kind?: 'hq' | 'region' | 'project'
  path?: string
  is_active?: boolean
}
interface ScopeLike {
  org_unit_id?: number
  permissions?: string[]
}

/** The units (of the header's tree) where the caller holds contractor.manage, there or above. */
export function manageReach(scopes: ScopeLike[], units: UnitLike[]): Set<number> {
  const roots = scopes.filter((s) => (s.permissions ?? []).includes('contractor.manage')).map((s) => s.org_unit_id)
  const paths = units.filter((u) => roots.includes(u.id)).map((u) => u.path ?? '')
  return new Set(units.filter((u) => paths.some((p) => p && (u.path ?? '').startsWith(p))).map((u) => u.id as number))
}

/** Managing a contractor needs contractor.manage at every unit it serves. */
export function canManage(contractor: Pick<Contractor, 'org_unit_ids'>, reach: Set<number>): boolean {
  const served = contractor.org_unit_ids ?? []
  return served.length > 0 && served.every((id) => reach.has(id))
}

/** A form's field errors by form field: `org_unit_ids.0` (an item of a list) shows at `org_unit_ids`. */
export function byField(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, message] of Object.entries(errors)) {
    const field = key.split('.')[0] as string
    out[field] = out[field] ? `${out[field]}；${message}` : message
  }
  return out
}

// ---- The scorecard's period: a month (`2026-10`), a quarter (`2026-Q4`) or a year (`2026`). ----

export const PERIOD_KINDS = ['month', 'quarter', 'year'] as const
export type PeriodKind = (typeof PERIOD_KINDS)[number]

export type Period =
  | { kind: 'month'; year: number; month: number }
  | { kind: 'quarter'; year: number; quarter: number }
  | { kind: 'year'; year: number }

/** The API's `period` parameter. */
export function formatPeriod(p: Period): string {
  switch (p.kind) {
    case 'month':
      return `${p.year}-${String(p.month).padStart(2, '0')}`
    case 'quarter':
      return `${p.year}-Q${p.quarter}`
    case 'year':
      return String(p.year)
  }
}

/** `2026-10`, `2026-Q4` or `2026`; anything else is null. */
export function parsePeriod(value: unknown): Period | null {
  if (typeof value !== 'string') return null
  let m = /^(\d{4})-(\d{2})$/.exec(value)
  if (m) {
    const month = Number(m[2])
    return month >= 1 && month <= 12 ? { kind: 'month', year: Number(m[1]), month } : null
  }
  m = /^(\d{4})-Q([1-4])$/.exec(value)
  if (m) return { kind: 'quarter', year: Number(m[1]), quarter: Number(m[2]) }
  m = /^(\d{4})$/.exec(value)
  return m ? { kind: 'year', year: Number(m[1]) } : null
}

/** The period of that kind holding the day (`YYYY-MM-DD`). */
export function periodOf(kind: PeriodKind, day: string): Period {
  const year = Number(day.slice(0, 4))
  const month = Number(day.slice(5, 7))
  if (kind === 'month') return { kind, year, month }
  if (kind === 'quarter') return { kind, year, quarter: Math.ceil(month / 3) }
  return { kind, year }
}

/** The first day of the period. */
export function periodStart(p: Period): string {
  const month = p.kind === 'month' ? p.month : p.kind === 'quarter' ? p.quarter * 3 - 2 : 1
  return `${p.year}-${String(month).padStart(2, '0')}-01`
}

/**
 * Switching month / quarter / year: from the period holding today to the one of the new kind holding
 * today; from a past one, keeping its first day (2025-11 → 2025-Q4 → 2025 → 2025-01).
 */
export function changeKind(p: Period, kind: PeriodKind, today?: string): Period {
  if (today && formatPeriod(periodOf(p.kind, today)) === formatPeriod(p)) return periodOf(kind, today)
  return periodOf(kind, periodStart(p))
}

/** The scorecard opens at the current month. */
export function defaultPeriod(today: string): Period {
  return periodOf('month', today)
}

/** The picker's choice and the chosen unit → the API's query (no unit: the API takes the caller's top unit). */
export function scorecardQuery(p: Period, unitId: number | null): ScorecardQuery {
  return { period: formatPeriod(p), ...(unitId ? { org_unit_id: unitId } : {}) }
}

/**
 * The unit the scorecard opens at: the header's scope when it is the headquarters or a region the
 * caller manages contractors in, a project's region, else none (the API's default).
 */
export function defaultUnit(current: { id?: number; kind?: string; parent_id?: number | null } | null, allowed: Set<number>): number | null {
  if (!current?.id) return null
  if ((current.kind === 'hq' || current.kind === 'region') && allowed.has(current.id)) return current.id
  if (current.kind === 'project' && current.parent_id && allowed.has(current.parent_id)) return current.parent_id
  return null
}

export interface RegionGroup {
  region_id: number
  region_name: string
  rows: ScorecardRow[]
  /** Contractors with a rank in the region. */
  ranked: number
  flagged: number
}

/** The rows by region, in the API's order (region code, then rank, unranked last). */
export function byRegion(rows: ScorecardRow[]): RegionGroup[] {
  const groups: RegionGroup[] = []
  for (const row of rows) {
    let group = groups.find((g) => g.region_id === row.region_id)
    if (!group) {
      group = { region_id: row.region_id, region_name: row.region_name, rows: [], ranked: 0, flagged: 0 }
      groups.push(group)
    }
    group.rows.push(row)
    if (row.rank !== null) group.ranked += 1
    if (row.flagged) group.flagged += 1
  }
  return groups
}

/** A file name from `Content-Disposition` (`filename*=UTF-8''…` preferred), else the fallback. */
export function dispositionFilename(header: string | null, fallback: string): string {
  if (!header) return fallback
  const star = /filename\*\s*=\s*(?:[\w-]+)?'[^']*'([^;]+)/i.exec(header)
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header)
  const name = (plain?.[2] ?? plain?.[1] ?? '').trim()
  return name || fallback
}

/** Contractors (维修单位) and their scorecard: every call of the feature goes through here. */
export const useContractorStore = defineStore('contractors', () => {
  async function list(query: ContractorQuery): Promise<Paged<Contractor>> {
    return paged<Contractor>(await api.GET('/api/v1/contractors', { params: { query } }))
  }

  async function get(id: number): Promise<Contractor> {
    return unwrap(await api.GET('/api/v1/contractors/{contractor_id}', { params: { path: { contractor_id: id } } })) as Contractor
  }

  async function create(body: ContractorCreate): Promise<Contractor> {
    return unwrap(await api.POST('/api/v1/contractors', { body })) as Contractor
  }

  async function update(id: number, changes: ContractorUpdate): Promise<Contractor> {
    return unwrap(await api.PATCH('/api/v1/contractors/{contractor_id}', { params: { path: { contractor_id: id } }, body: changes })) as Contractor
  }

  /** Deactivating a contractor with open work orders answers 409 (the message says how many). */
  async function setActive(id: number, active: boolean): Promise<Contractor> {
    return update(id, { is_active: active })
  }

  async function scorecard(query: ScorecardQuery): Promise<Scorecard> {
    return unwrap(await api.GET('/api/v1/contractors/scorecard', { params: { query } })) as Scorecard
  }

  /** The same rows as an XLSX file, named by the API's Content-Disposition. */
  async function exportScorecard(query: ScorecardQuery): Promise<Download> {
    const result = await api.GET('/api/v1/contractors/scorecard/export', { params: { query }, parseAs: 'blob' })
    const blob = unwrap(result) as Blob
    return { blob, filename: dispositionFilename(result.response.headers.get('Content-Disposition'), `scorecard-${query.period}.xlsx`) }
  }

  return { list, get, create, update, setActive, scorecard, exportScorecard }
})

// ---- Formatting of the scorecard's figures. ----

/** A 0..1 rate in percent with one decimal; "—" when there is none. */
export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`
}

function grouped(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** Yuan as the API sends them (`"12500.00"`) with thousands separators: `12,500.00`. */
export function money(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '—'
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(amount.trim())
  if (!m) return amount
  return `${m[1] ? '−' : ''}${grouped(m[2] as string)}${m[3] ?? ''}`
}

/** 奖惩: `+125.00` (bonus), `−125.00` (penalty) or `0.00`, and which it is. */
export function bonusPenalty(amount: string | null | undefined): { text: string; sign: 'bonus' | 'penalty' | 'zero' } {
  const value = Number(amount)
  if (!amount || !Number.isFinite(value) || value === 0) return { text: money(amount || '0.00'), sign: 'zero' }
  return value > 0 ? { text: `+${money(amount)}`, sign: 'bonus' } : { text: money(amount), sign: 'penalty' }
}
