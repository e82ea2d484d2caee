import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@/api/client'
import { useCustomerStore } from '@/features/customers/store'
import { json, stubRoutes } from './http'

const paging = (total: number, page: number, totalPages: number) => ({ 'X-Pagination': JSON.stringify({ total, page, total_pages: totalPages }) })

describe('customer store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('lists with the search, the filters and the scope in the query, and reads X-Pagination', async () => {
    const calls = stubRoutes({ 'GET /api/v1/customers': () => json(200, [{ id: 1, name: '程雨' }], paging(41, 2, 3)) })
    const result = await useCustomerStore().list({ q: '3-2-1201', stage: 'stable', tier: 'key_account', org_unit_id: 3, page: 2, page_size: 20 })
    const params = new URL(calls[0]!.url).searchParams
    expect(Object.fromEntries(params)).toEqual({ q: '3-2-1201', stage: 'stable', tier: 'key_account', org_unit_id: '3', page: '2', page_size: '20' })
    expect(result.items).toHaveLength(1)
    expect(result.page?.total).toBe(41)
  })

  it('opens a file; a phone on file answers 409 naming the existing customer (when the caller may read it)', async () => {
    const calls = stubRoutes({
      'POST /api/v1/customers': () =>
        json(409, { code: 409, status: 'Conflict', message: 'exists', errors: { phone: ['Already belongs to another customer file.'], existing_customer_id: ['77'] } }),
    })
    const error = await useCustomerStore()
      .create({ org_unit_id: 3, name: '王芳', phone: '13800001234' })
      .catch((e: unknown) => e)
    expect(await calls[0]!.json()).toEqual({ org_unit_id: 3, name: '王芳', phone: '13800001234' })
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe(409)
    expect((error as ApiError).errors.existing_customer_id).toEqual(['77'])
    expect((error as ApiError).fieldErrors().phone).toBe('Already belongs to another customer file.')
  })

  it('patches only the changes', async () => {
    const calls = stubRoutes({ 'PATCH /api/v1/customers/5': () => json(200, { id: 5, tier: 'vip' }) })
    await useCustomerStore().update(5, { tier: 'vip', tags: ['业委会'] })
    expect(await calls[0]!.json()).toEqual({ tier: 'vip', tags: ['业委会'] })
  })

  it('reads a file masked, and reveals it on demand with ?reveal=true', async () => {
    const calls = stubRoutes({
      'GET /api/v1/customers/5': (req) =>
        new URL(req.url).searchParams.get('reveal') === 'true'
          ? json(200, { id: 5, phone: '13812341234', pii_masked: false, pii_revealable: true })
          : json(200, { id: 5, phone: '138****1234', pii_masked: true, pii_revealable: true }),
    })
    const store = useCustomerStore()
    expect((await store.get(5)).phone).toBe('138****1234')
    expect(new URL(calls[0]!.url).search).toBe('')
    const revealed = await store.reveal(5)
    expect(new URL(calls[1]!.url).searchParams.get('reveal')).toBe('true')
    expect(revealed.pii_masked).toBe(false)
    expect(revealed.phone).toBe('13812341234')
  })

  it('a reveal the role may not make answers 403 as an ApiError', async () => {
    stubRoutes({ 'GET /api/v1/customers/5': () => json(403, { code: 403, status: 'Forbidden', message: 'Missing permission customer.pii for this customer.' }) })
    const error = await useCustomerStore().reveal(5).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe(403)
  })

  it('reads the units of a customer in one call', async () => {
    const holding = {
      ownership: { id: 1, customer_id: 1, property_id: 25, relation: 'owner', since: '2022-01-10', until: null },
      property: { id: 25, label: '1-2-101', org_unit_id: 11, handover_date: '2023-05-01', warranty: [] },
      project_name: '上海·滨江壹号',
    }
    const calls = stubRoutes({ 'GET /api/v1/customers/1/properties': () => json(200, [holding]) })
    const result = await useCustomerStore().holdings(1)
    expect(calls).toHaveLength(1)
    expect(result.map((h) => [h.property?.label, h.ownership?.relation, h.project_name])).toEqual([['1-2-101', 'owner', '上海·滨江壹号']])
  })

  it('does not hide errors of the units call', async () => {
    stubRoutes({ 'GET /api/v1/customers/1/properties': () => json(404, { code: 404, status: 'Not Found', message: 'Customer 1 not found.' }) })
    await expect(useCustomerStore().holdings(1)).rejects.toThrow('Customer 1 not found.')
  })
})
