import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@/api/client'
import {
  bonusPenalty,
  byField,
  byRegion,
  canManage,
  defaultUnit,
  dispositionFilename,
  expiry,
  manageReach,
  money,
  percent,
  useContractorStore,
  type ScorecardRow,
} from '@/features/contractors/store'
import { json, stubRoutes } from './http'

const paging = (total: number) => ({ 'X-Pagination': JSON.stringify({ total, page: 1, total_pages: 1 }) })

function row(overrides: Partial<ScorecardRow> = {}): ScorecardRow {
  return {
    region_id: 2, region_name: '华东区域', contractor_id: 7, contractor_name: '沪安防水', trades: ['waterproofing'],
    jobs: 12, on_time_jobs: 10, on_time_rate: 0.8333, scored_jobs: 9, avg_satisfaction: 4.22, reopened_jobs: 1,
    reopen_rate: 0.0833, cost_total: '12500.00', bonus_penalty: '-125.00', rank: 3, ranked_in_region: 14, flagged: false,
    ...overrides,
  }
}

describe('contractor store: calls', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('lists with the search, the trade, the active flag and the scope in the query', async () => {
    const calls = stubRoutes({ 'GET /api/v1/contractors': () => json(200, [{ id: 1, name: '沪安防水' }], paging(1)) })
    const result = await useContractorStore().list({ q: '沪安', trade: 'plumbing', active: false, org_unit_id: 2, page: 1, page_size: 20 })
    expect(Object.fromEntries(new URL(calls[0]!.url).searchParams)).toEqual({ q: '沪安', trade: 'plumbing', active: 'false', org_unit_id: '2', page: '1', page_size: '20' })
    expect(result.items.map((c) => c.name)).toEqual(['沪安防水'])
    expect(result.page?.total).toBe(1)
  })

  it('creates with the body as given and reads 422 field errors', async () => {
    const calls = stubRoutes({
      'POST /api/v1/contractors': () =>
        json(422, { code: 422, status: 'Unprocessable Entity', message: 'Invalid', errors: { json: { contract_end: ['Before contract_start.'], org_unit_ids: { 0: ['Unknown org unit.'] } } } }),
    })
    const body = { name: '沪安防水', trades: ['waterproofing' as const], org_unit_ids: [2], contract_start: '2026-01-01', contract_end: '2025-12-31' }
    const error = await useContractorStore().create(body).catch((e: unknown) => e)
    expect(await calls[0]!.json()).toEqual(body)
    expect(error).toBeInstanceOf(ApiError)
    expect(byField((error as ApiError).fieldErrors())).toEqual({ contract_end: 'Before contract_start.', org_unit_ids: 'Unknown org unit.' })
  })

  it('deactivates with is_active=false; open work orders answer 409 as an ApiError', async () => {
    const calls = stubRoutes({
      'PATCH /api/v1/contractors/7': () => json(409, { code: 409, status: 'Conflict', message: 'The contractor has 2 open work orders.' }),
    })
    const error = await useContractorStore().setActive(7, false).catch((e: unknown) => e)
    expect(calls[0]!.method).toBe('PATCH')
    expect(await calls[0]!.json()).toEqual({ is_active: false })
    expect((error as ApiError).code).toBe(409)
    expect((error as ApiError).message).toBe('The contractor has 2 open work orders.')
  })

  it('reads the scorecard of a period and unit', async () => {
    const card = { period: '2026-Q4', starts_on: '2026-10-01', ends_on: '2026-12-31', org_unit_id: 2, rows: [row()] }
    const calls = stubRoutes({ 'GET /api/v1/contractors/scorecard': () => json(200, card) })
    const result = await useContractorStore().scorecard({ period: '2026-Q4', org_unit_id: 2 })
    expect(Object.fromEntries(new URL(calls[0]!.url).searchParams)).toEqual({ period: '2026-Q4', org_unit_id: '2' })
    expect(calls[0]!.credentials).toBe('include')
    expect(result.rows[0]!.avg_satisfaction).toBe(4.22)
  })

  it('turns a refused scorecard into an ApiError with its field errors', async () => {
    stubRoutes({
      'GET /api/v1/contractors/scorecard': () =>
        json(422, { code: 422, status: 'Unprocessable Entity', message: 'Invalid', errors: { query: { org_unit_id: ['the scorecard ranks within a region: pick a region or the group'] } } }),
    })
    const error = await useContractorStore().scorecard({ period: '2026-10', org_unit_id: 5 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).fieldErrors().org_unit_id).toContain('pick a region')
  })

  it('downloads the export as a file named by Content-Disposition', async () => {
    const calls = stubRoutes({
      'GET /api/v1/contractors/scorecard/export': () =>
        new Response(new TextEncoder().encode('PK'), { status: 200, headers: { 'Content-Disposition': 'attachment; filename=scorecard-2026-10.xlsx' } }),
    })
    const file = await useContractorStore().exportScorecard({ period: '2026-10' })
    expect(Object.fromEntries(new URL(calls[0]!.url).searchParams)).toEqual({ period: '2026-10' })
    expect(calls[0]!.credentials).toBe('include')
    expect(file.filename).toBe('scorecard-2026-10.xlsx')
    expect(await file.blob.text()).toBe('PK')
  })

  it('does not save an error as a file', async () => {
    stubRoutes({ 'GET /api/v1/contractors/scorecard/export': () => json(403, { code: 403, status: 'Forbidden', message: 'Missing permission contractor.manage.' }) })
    await expect(useContractorStore().exportScorecard({ period: '2026' })).rejects.toThrow('Missing permission contractor.manage.')
  })
})

describe('contractor store: rules', () => {
  it('names the file from Content-Disposition (RFC 5987 first), else the fallback', () => {
    expect(dispositionFilename('attachment; filename="scorecard-2026-Q4.xlsx"', 'x.xlsx')).toBe('scorecard-2026-Q4.xlsx')
    expect(dispositionFilename("attachment; filename=a.xlsx; filename*=UTF-8''%E8%80%83%E8%AF%84-2026.xlsx", 'x.xlsx')).toBe('考评-2026.xlsx')
    expect(dispositionFilename(null, 'scorecard-2026.xlsx')).toBe('scorecard-2026.xlsx')
    expect(dispositionFilename('attachment', 'scorecard-2026.xlsx')).toBe('scorecard-2026.xlsx')
  })

  it('marks a contract ending within 30 days, an ended one and one not started', () => {
    const today = '2026-10-15'
    expect(expiry({ contract_start: '2025-01-01', contract_end: '2026-11-14' }, today)).toEqual({ state: 'soon', days: 30 })
    expect(expiry({ contract_start: '2025-01-01', contract_end: '2026-11-15' }, today)).toEqual({ state: 'ok' })
    expect(expiry({ contract_start: '2025-01-01', contract_end: '2026-10-15' }, today)).toEqual({ state: 'soon', days: 0 })
    expect(expiry({ contract_start: '2025-01-01', contract_end: '2026-10-14' }, today)).toEqual({ state: 'expired', days: 1 })
    expect(expiry({ contract_start: '2026-10-20', contract_end: '2027-10-19' }, today)).toEqual({ state: 'pending', days: 5 })
  })

  it('manages a contractor only when it reaches every unit it serves', () => {
    const units = [
      { id: 1, kind: 'hq' as const, path: '/1/' },
      { id: 2, kind: 'region' as const, path: '/1/2/' },
      { id: 3, kind: 'project' as const, path: '/1/2/3/' },
      { id: 4, kind: 'region' as const, path: '/1/4/' },
      { id: 5, kind: 'project' as const, path: '/1/4/5/' },
    ]
    const regionManager = manageReach([{ org_unit_id: 2, permissions: ['contractor.read', 'contractor.manage'] }, { org_unit_id: 5, permissions: ['contractor.read'] }], units)
    expect([...regionManager].sort()).toEqual([2, 3])
    expect(canManage({ org_unit_ids: [2] }, regionManager)).toBe(true)
    expect(canManage({ org_unit_ids: [3, 5] }, regionManager)).toBe(false)
    expect(canManage({ org_unit_ids: [] }, regionManager)).toBe(false)
    const hq = manageReach([{ org_unit_id: 1, permissions: ['contractor.manage'] }], units)
    expect(canManage({ org_unit_ids: [3, 5] }, hq)).toBe(true)
  })

  it('opens the scorecard at the header scope when it is the group or a region, at a project’s region, else at the API default', () => {
    const allowed = new Set([1, 2, 4])
    expect(defaultUnit({ id: 2, kind: 'region', parent_id: 1 }, allowed)).toBe(2)
    expect(defaultUnit({ id: 1, kind: 'hq', parent_id: null }, allowed)).toBe(1)
    expect(defaultUnit({ id: 3, kind: 'project', parent_id: 2 }, allowed)).toBe(2)
    expect(defaultUnit({ id: 6, kind: 'region', parent_id: 1 }, allowed)).toBeNull()
    expect(defaultUnit(null, allowed)).toBeNull()
  })

  it('groups rows by region in the API order and counts ranked and flagged', () => {
    const groups = byRegion([
      row({ contractor_id: 1, rank: 1 }),
      row({ contractor_id: 2, rank: 2, flagged: true }),
      row({ contractor_id: 3, rank: null, avg_satisfaction: null }),
      row({ region_id: 4, region_name: '华南区域', contractor_id: 1, rank: 1 }),
    ])
    expect(groups.map((g) => [g.region_name, g.rows.map((r) => r.contractor_id), g.ranked, g.flagged])).toEqual([
      ['华东区域', [1, 2, 3], 2, 1],
      ['华南区域', [1], 1, 0],
    ])
  })

  it('formats rates, money and bonus / penalty', () => {
    expect(percent(0.8333)).toBe('83.3%')
    expect(percent(null)).toBe('—')
    expect(money('1234567.50')).toBe('1,234,567.50')
    expect(money('-125.00')).toBe('−125.00')
    expect(bonusPenalty('250.25')).toEqual({ text: '+250.25', sign: 'bonus' })
    expect(bonusPenalty('-1125.00')).toEqual({ text: '−1,125.00', sign: 'penalty' })
    expect(bonusPenalty('0.00')).toEqual({ text: '0.00', sign: 'zero' })
  })
})
