import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import {
  breakdownQuery,
  clampPeriod,
  filtersFromUrl,
  filtersToUrl,
  overviewQuery,
  period,
  shanghaiToday,
  ticketLinks,
  useDashboardStore,
  type DashboardFilters,
} from '@/features/dashboard/store'

// A Thursday.
const TODAY = '2026-11-26'
const OPEN = ['new', 'assigned', 'in_progress']
const f: DashboardFilters = { from: '2026-09-07', to: '2026-11-26', type: [] }
const PERIOD = { created_from: '2026-09-07T00:00:00+08:00', created_to: '2026-11-27T00:00:00+08:00' }
const RESOLVED_IN_PERIOD = { resolved_from: '2026-09-07T00:00:00+08:00', resolved_to: '2026-11-27T00:00:00+08:00' }

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
}

describe('dashboard period', () => {
  it("takes today's date in Asia/Shanghai, not UTC", () => {
    expect(shanghaiToday(new Date('2026-11-26T15:59:00Z'))).toBe('2026-11-26')
    expect(shanghaiToday(new Date('2026-11-26T16:00:00Z'))).toBe('2026-11-27')
  })

  it('computes the shortcuts; "last N weeks" are whole weeks from Monday', () => {
    expect(period('thisWeek', TODAY)).toEqual({ from: '2026-11-23', to: TODAY })
    expect(period('last4Weeks', TODAY)).toEqual({ from: '2026-11-02', to: TODAY })
    expect(period('last12Weeks', TODAY)).toEqual({ from: '2026-09-07', to: TODAY })
    expect(period('thisMonth', TODAY)).toEqual({ from: '2026-11-01', to: TODAY })
    expect(period('lastMonth', TODAY)).toEqual({ from: '2026-10-01', to: '2026-10-31' })
    expect(period('thisYear', TODAY)).toEqual({ from: '2026-01-01', to: TODAY })
  })

  it('cuts a period to its last 366 days', () => {
    expect(clampPeriod({ from: '2025-01-01', to: '2026-11-26' })).toEqual({ from: '2025-11-26', to: '2026-11-26' })
    expect(clampPeriod({ from: '2026-01-01', to: '2026-11-26' })).toEqual({ from: '2026-01-01', to: '2026-11-26' })
    expect(filtersFromUrl({ from: '2020-01-01', to: '2026-11-26' }, TODAY).from).toBe('2025-11-26')
  })

  it('handles a Monday, a Sunday and January', () => {
    expect(period('thisWeek', '2026-11-23')).toEqual({ from: '2026-11-23', to: '2026-11-23' })
    expect(period('thisWeek', '2026-11-29')).toEqual({ from: '2026-11-23', to: '2026-11-29' })
    expect(period('lastMonth', '2027-01-15')).toEqual({ from: '2026-12-01', to: '2026-12-31' })
    expect(period('lastMonth', '2028-03-10')).toEqual({ from: '2028-02-01', to: '2028-02-29' })
  })
})

describe('dashboard URL state and queries', () => {
  it('reads the period and the types from the URL, and writes them back', () => {
    const filters = filtersFromUrl({ from: '2026-10-01', to: '2026-10-31', type: ['repair', 'bogus', 'complaint'] }, TODAY)
    expect(filters).toEqual({ from: '2026-10-01', to: '2026-10-31', type: ['complaint', 'repair'] })
    expect(filtersToUrl(filters)).toEqual({ from: '2026-10-01', to: '2026-10-31', type: ['complaint', 'repair'] })
    expect(filtersFromUrl({ type: 'praise' }, TODAY).type).toEqual(['praise'])
  })

  it('falls back to the last 12 weeks, all types, when the URL has no valid period', () => {
    const fallback = { from: '2026-09-07', to: TODAY, type: [] }
    expect(filtersFromUrl({}, TODAY)).toEqual(fallback)
    expect(filtersFromUrl({ from: '2026-11-01', to: '2026-10-01' }, TODAY)).toEqual(fallback)
    expect(filtersFromUrl({ from: 'yesterday', to: TODAY }, TODAY)).toEqual(fallback)
    expect(filtersToUrl(fallback)).toEqual({ from: '2026-09-07', to: TODAY })
  })

  it('builds the overview and breakdown queries with the header scope', () => {
    expect(overviewQuery(f, {})).toEqual({ date_from: '2026-09-07', date_to: TODAY })
    expect(overviewQuery({ ...f, type: ['complaint'] }, { org_unit_id: 4 })).toEqual({
      date_from: '2026-09-07', date_to: TODAY, type: ['complaint'], org_unit_id: 4,
    })
    expect(breakdownQuery(f, { org_unit_id: 4 }, 'project')).toEqual({ date_from: '2026-09-07', date_to: TODAY, org_unit_id: 4, dimension: 'project' })
    expect(breakdownQuery(f, {}, 'category', 12)).toEqual({ date_from: '2026-09-07', date_to: TODAY, dimension: 'category', category_id: 12 })
  })
})

describe('dashboard click-through to the ticket list', () => {
  it('maps the cards', () => {
    expect(ticketLinks.created(f)).toEqual(PERIOD)
    // 已解决 counts by resolution time, whenever the ticket was created.
    expect(ticketLinks.resolved(f)).toEqual(RESOLVED_IN_PERIOD)
    expect(ticketLinks.resolved({ ...f, type: ['repair'] })).toEqual({ type: ['repair'], ...RESOLVED_IN_PERIOD })
    expect(ticketLinks.openNow({ ...f, type: ['repair'] })).toEqual({ type: ['repair'], status: OPEN })
    expect(ticketLinks.overdueNow(f)).toEqual({ overdue: 'true' })
    expect(ticketLinks.majorOpen()).toEqual({ view: 'major', status: OPEN })
  })

  it('maps slices and bars to the period plus what was clicked', () => {
    expect(ticketLinks.type(f, 'repair')).toEqual({ ...PERIOD, type: 'repair' })
    expect(ticketLinks.status({ ...f, type: ['complaint'] }, 'assigned')).toEqual({ ...PERIOD, type: ['complaint'], status: 'assigned' })
    expect(ticketLinks.category(f, 7)).toEqual({ ...PERIOD, category_id: '7' })
    expect(ticketLinks.projectComplaints(3)).toEqual({ org_unit_id: '3', type: 'complaint', status: OPEN })
  })

  it('cuts a week of the trend to the period, for both lines', () => {
    const mid = { ...f, from: '2026-09-09', to: '2026-11-25' }
    expect(ticketLinks.week(mid, '2026-09-07')).toEqual({ created_from: '2026-09-09T00:00:00+08:00', created_to: '2026-09-14T00:00:00+08:00' })
    expect(ticketLinks.week(mid, '2026-10-05')).toEqual({ created_from: '2026-10-05T00:00:00+08:00', created_to: '2026-10-12T00:00:00+08:00' })
    expect(ticketLinks.week(mid, '2026-11-23')).toEqual({ created_from: '2026-11-23T00:00:00+08:00', created_to: '2026-11-26T00:00:00+08:00' })
    // The resolved line counts by resolution time: the same week, on resolved_at.
    expect(ticketLinks.resolvedWeek(mid, '2026-09-07')).toEqual({ resolved_from: '2026-09-09T00:00:00+08:00', resolved_to: '2026-09-14T00:00:00+08:00' })
    expect(ticketLinks.resolvedWeek({ ...mid, type: ['complaint'] }, '2026-11-23')).toEqual({
      type: ['complaint'], resolved_from: '2026-11-23T00:00:00+08:00', resolved_to: '2026-11-26T00:00:00+08:00',
    })
  })

  it('maps the numbers of the breakdown table, channels included', () => {
    expect(ticketLinks.breakdown(f, 'project', '3', 'count')).toEqual({ ...PERIOD, org_unit_id: '3' })
    expect(ticketLinks.breakdown(f, 'region', '2', 'open')).toEqual({ ...PERIOD, org_unit_id: '2', status: OPEN })
    expect(ticketLinks.breakdown(f, 'priority', 'urgent', 'overdue')).toEqual({ ...PERIOD, priority: 'urgent', overdue: 'true' })
    expect(ticketLinks.breakdown(f, 'project', '3', 'resolved')).toEqual({ ...PERIOD, org_unit_id: '3', status: ['resolved', 'closed'] })
    expect(ticketLinks.breakdown(f, 'channel', 'phone', 'count')).toEqual({ ...PERIOD, channel: 'phone' })
    expect(ticketLinks.breakdown({ ...f, type: ['repair'] }, 'channel', 'wechat', 'open')).toEqual({
      type: ['repair'], ...PERIOD, channel: 'wechat', status: OPEN,
    })
  })
})

describe('dashboard store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('asks the reports API with the period, the repeated types and the scope', async () => {
    const urls: URL[] = []
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      urls.push(new URL(req.url))
      return json(urls.length === 1 ? { totals: { created: 3 } } : [{ key: '3', label: '上海·滨江壹号', count: 3 }])
    }))
    const store = useDashboardStore()
    const overview = await store.overview(overviewQuery({ ...f, type: ['complaint', 'repair'] }, { org_unit_id: 4 }))
    expect(overview.totals.created).toBe(3)
    const rows = await store.breakdown(breakdownQuery(f, {}, 'category', 12))
    expect(rows[0].label).toBe('上海·滨江壹号')

    expect(urls[0].pathname).toBe('/api/v1/reports/overview')
    expect(urls[0].searchParams.get('date_from')).toBe('2026-09-07')
    expect(urls[0].searchParams.get('date_to')).toBe(TODAY)
    expect(urls[0].searchParams.getAll('type')).toEqual(['complaint', 'repair'])
    expect(urls[0].searchParams.get('org_unit_id')).toBe('4')
    expect(urls[1].pathname).toBe('/api/v1/reports/breakdown')
    expect(urls[1].searchParams.get('dimension')).toBe('category')
    expect(urls[1].searchParams.get('category_id')).toBe('12')
    expect(urls[1].searchParams.has('org_unit_id')).toBe(false)
  })
})
