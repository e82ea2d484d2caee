import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@/api/client'
import {
  blankCallForm,
  completeBody,
  isDissatisfied,
  isOverdue,
  lowestScore,
  outcomeOf,
  useCallbackStore,
  type CallbackDetail,
} from '@/features/callbacks/store'
import { json, stubRoutes } from './http'

describe('callback store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('lists the queue with the statuses, kinds, mine and the scope in the query, and reads X-Pagination', async () => {
    const calls = stubRoutes({
      'GET /api/v1/callbacks': () => json(200, [{ id: 1 }, { id: 2 }], { 'X-Pagination': JSON.stringify({ total: 42, page: 1, total_pages: 3 }) }),
    })
    const result = await useCallbackStore().list({ status: ['pending'], kind: ['handover', 'design'], mine: true, org_unit_id: 7, page: 1, page_size: 20 })
    const params = new URL(calls[0]!.url).searchParams
    expect(params.getAll('status')).toEqual(['pending'])
    expect(params.getAll('kind')).toEqual(['handover', 'design'])
    expect(params.get('mine')).toBe('true')
    expect(params.get('org_unit_id')).toBe('7')
    expect(result.items.map((c) => c.id)).toEqual([1, 2])
    expect(result.page?.total).toBe(42)
  })

  it('posts a call to /complete and answers the callback; a callback no longer pending is a 409 ApiError', async () => {
    const calls = stubRoutes({
      'POST /api/v1/callbacks/9/complete': () => json(200, { id: 9, status: 'completed', satisfaction: 4 }),
      'POST /api/v1/callbacks/10/complete': () =>
        json(409, { code: 409, status: 'Conflict', message: 'This callback is completed: nothing is left to call.', errors: { status: ['completed'] } }),
    })
    const store = useCallbackStore()
    const answer = await store.complete(9, { reached: true, satisfaction: { timeliness: 4, quality: 5, attitude: 4 }, comment: '满意' })
    expect(answer.status).toBe('completed')
    expect(await calls[0]!.json()).toEqual({ reached: true, satisfaction: { timeliness: 4, quality: 5, attitude: 4 }, comment: '满意' })
    const error = await store.complete(10, { reached: false }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe(409)
  })

  it('plans one customer through POST /callbacks and several through /callbacks/bulk', async () => {
    const calls = stubRoutes({
      'POST /api/v1/callbacks': () => json(201, { id: 31, kind: 'handover' }),
      'POST /api/v1/callbacks/bulk': () => json(201, [{ id: 32 }, { id: 33 }]),
    })
    const store = useCallbackStore()
    const one = await store.plan({ org_unit_id: 3, kind: 'handover', customer_ids: [5], due_at: '2026-11-02T02:00:00.000Z', assignee_id: null })
    expect(one.map((c) => c.id)).toEqual([31])
    expect(await calls[0]!.json()).toEqual({ org_unit_id: 3, kind: 'handover', customer_id: 5, due_at: '2026-11-02T02:00:00.000Z' })

    const many = await store.plan({ org_unit_id: 3, kind: 'design', customer_ids: [5, 6], due_at: '2026-11-02T02:00:00.000Z', assignee_id: 12 })
    expect(many.map((c) => c.id)).toEqual([32, 33])
    expect(new URL(calls[1]!.url).pathname).toBe('/api/v1/callbacks/bulk')
    expect(await calls[1]!.json()).toEqual({ org_unit_id: 3, kind: 'design', customer_ids: [5, 6], due_at: '2026-11-02T02:00:00.000Z', assignee_id: 12 })
  })

  it('finds the next pending callback of the last queue, skipping the current one', async () => {
    const calls = stubRoutes({ 'GET /api/v1/callbacks': () => json(200, [{ id: 4 }, { id: 8 }]) })
    const store = useCallbackStore()
    store.queueQuery = { mine: true, status: ['completed'], kind: ['resolution'], org_unit_id: 3 }
    expect((await store.next(4))?.id).toBe(8)
    const params = new URL(calls[0]!.url).searchParams
    expect(params.getAll('status')).toEqual(['pending']) // the next one to call, whatever the list showed
    expect(params.get('mine')).toBe('true')
    expect(params.getAll('kind')).toEqual(['resolution'])
    expect(params.get('org_unit_id')).toBe('3')
    expect(params.get('page_size')).toBe('2')

    stubRoutes({ 'GET /api/v1/callbacks': () => json(200, [{ id: 4 }]) })
    expect(await store.next(4)).toBeNull()
  })

  it('searches customers and colleagues within the project', async () => {
    const calls = stubRoutes({
      'GET /api/v1/customers': () => json(200, [{ id: 5, name: '程雨' }]),
      'GET /api/v1/users': () => json(200, [{ id: 12, name: '李娜' }]),
    })
    const store = useCallbackStore()
    await store.findCustomers(' 1201 ', 3)
    await store.findUsers('', 3)
    expect(Object.fromEntries(new URL(calls[0]!.url).searchParams)).toEqual({ org_unit_id: '3', page_size: '20', q: '1201' })
    expect(Object.fromEntries(new URL(calls[1]!.url).searchParams)).toEqual({ org_unit_id: '3', is_active: 'true', page_size: '20' })
  })
})

describe('callback rules on the client', () => {
  it('marks a pending callback past its due time overdue, and nothing that is no longer pending', () => {
    const now = Date.parse('2026-11-01T10:00:00Z')
    expect(isOverdue({ status: 'pending', due_at: '2026-11-01T09:59:00Z' }, now)).toBe(true)
    expect(isOverdue({ status: 'pending', due_at: '2026-11-01T10:01:00Z' }, now)).toBe(false)
    expect(isOverdue({ status: 'completed', due_at: '2026-10-01T10:00:00Z' }, now)).toBe(false)
    expect(isOverdue({ status: 'unreached', due_at: '2026-10-01T10:00:00Z' }, now)).toBe(false)
  })

  it('takes the lowest score once all three are given; 1–2 when reached is dissatisfied', () => {
    expect(lowestScore({ timeliness: 4, quality: 2, attitude: 5 })).toBe(2)
    expect(lowestScore({ timeliness: 4, quality: 0, attitude: 5 })).toBeNull()
    expect(isDissatisfied({ ...blankCallForm(), reached: true, timeliness: 5, quality: 2, attitude: 5 })).toBe(true)
    expect(isDissatisfied({ ...blankCallForm(), reached: true, timeliness: 3, quality: 3, attitude: 5 })).toBe(false)
    expect(isDissatisfied({ ...blankCallForm(), reached: false, timeliness: 1, quality: 1, attitude: 1 })).toBe(false)
  })

  it('builds the complete body: scores only when reached, the comment only when written', () => {
    expect(completeBody({ reached: true, timeliness: 5, quality: 4, attitude: 3, comment: '  维修及时 ' })).toEqual({
      reached: true,
      satisfaction: { timeliness: 5, quality: 4, attitude: 3 },
      comment: '维修及时',
    })
    // Scores set before switching to 未接通 are not sent (the API refuses them when not reached).
    expect(completeBody({ reached: false, timeliness: 5, quality: 4, attitude: 3, comment: '关机' })).toEqual({ reached: false, comment: '关机' })
    expect(completeBody({ reached: false, timeliness: 0, quality: 0, attitude: 0, comment: ' ' })).toEqual({ reached: false })
  })

  it('reads the outcome from the API answer', () => {
    const base: CallbackDetail = { id: 1, ticket_id: 7, ticket_number: 'T-2026-0001' }
    expect(outcomeOf({ ...base, status: 'completed', satisfaction: 4, ticket_status: 'closed' })).toEqual({ kind: 'completed', score: 4 })
    expect(outcomeOf({ ...base, status: 'completed', satisfaction: 2, ticket_status: 'in_progress' })).toEqual({
      kind: 'reopened',
      score: 2,
      ticketNumber: 'T-2026-0001',
    })
    expect(outcomeOf({ id: 2, status: 'completed', satisfaction: 1 })).toEqual({ kind: 'dissatisfied', score: 1 })
    expect(outcomeOf({ ...base, status: 'pending', attempts: 2, due_at: '2026-11-01T12:00:00Z' })).toEqual({
      kind: 'retry',
      attempts: 2,
      dueAt: '2026-11-01T12:00:00Z',
    })
    expect(outcomeOf({ ...base, status: 'unreached', attempts: 3 })).toEqual({ kind: 'unreached' })
  })
})
