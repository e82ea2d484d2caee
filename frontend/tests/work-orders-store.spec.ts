import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { File as NodeFile } from 'node:buffer'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@/api/client'
import { etagOf, isStale, nextStatuses, photoUrl, useWorkOrderStore, type WorkOrder } from '@/features/work_orders/store'
import { json, scriptFetch, type Answer } from './http'

const workOrder: WorkOrder = { id: 9, ticket_id: 42, status: 'dispatched', supervisor_id: 7, in_warranty: true, version: 3 }

describe('work order store', () => {
  let calls: Request[]
  function mockFetch(...answers: Answer[]): void {
    ;({ calls } = scriptFetch(...answers))
  }

  beforeEach(() => {
    setActivePinia(createPinia())
    document.cookie = 'csrf_access_token=csrf-1; path=/'
  })
  afterEach(() => vi.unstubAllGlobals())

  it("lists a ticket's work orders and keeps them by ticket", async () => {
    mockFetch(() => json(200, [workOrder]))
    const store = useWorkOrderStore()
    const items = await store.ofTicket(42)

    const url = new URL(calls[0]!.url)
    expect(url.pathname).toBe('/api/v1/work-orders')
    expect(url.searchParams.get('ticket_id')).toBe('42')
    expect(url.searchParams.get('page_size')).toBe('100')
    expect(items).toEqual([workOrder])
    expect(store.byTicket[42]).toEqual([workOrder])
  })

  it('dispatches with POST and the CSRF header; answers the work order and its ETag', async () => {
    mockFetch(() => json(201, { ...workOrder, version: 1 }, { ETag: '"1"' }))
    const body = { ticket_id: 42, contractor_id: 3, supervisor_id: 7, component: 'waterproofing' as const }
    const { workOrder: created, etag } = await useWorkOrderStore().dispatch(body)

    const req = calls[0]!
    expect(req.method).toBe('POST')
    expect(new URL(req.url).pathname).toBe('/api/v1/work-orders')
    expect(req.headers.get('X-CSRF-TOKEN')).toBe('csrf-1')
    expect(await req.json()).toEqual(body)
    expect(created.id).toBe(9)
    expect(etag).toBe('"1"')
  })

  it('moves a work order with If-Match (the version it was loaded at)', async () => {
    mockFetch(() => json(200, { ...workOrder, status: 'done', version: 4 }, { ETag: '"4"' }))
    const { workOrder: moved, etag } = await useWorkOrderStore().transition(9, etagOf(workOrder), { to: 'done', result: '更换止水阀' })

    const req = calls[0]!
    expect(req.method).toBe('POST')
    expect(new URL(req.url).pathname).toBe('/api/v1/work-orders/9/transitions')
    expect(req.headers.get('If-Match')).toBe('"3"')
    expect(await req.json()).toEqual({ to: 'done', result: '更换止水阀' })
    expect(moved.status).toBe('done')
    expect(etag).toBe('"4"')
  })

  it('records with PATCH and If-Match; a stale version answers 412', async () => {
    mockFetch(() => json(412, { code: 412, status: 'Precondition Failed', message: 'Work order 9 changed since you loaded it.' }))
    const error = await useWorkOrderStore().update(9, '"3"', { cost: 350.5, materials: '止水阀 1 个' }).catch((e) => e)

    const req = calls[0]!
    expect(req.method).toBe('PATCH')
    expect(new URL(req.url).pathname).toBe('/api/v1/work-orders/9')
    expect(req.headers.get('If-Match')).toBe('"3"')
    expect(await req.json()).toEqual({ cost: 350.5, materials: '止水阀 1 个' })
    expect(error).toBeInstanceOf(ApiError)
    expect(isStale(error)).toBe(true)
    expect(isStale(new ApiError(409, 'Conflict', 'no'))).toBe(false)
  })

  it('asks for the active contractors of the project', async () => {
    mockFetch(() => json(200, [{ id: 3, name: '安居防水' }]))
    const found = await useWorkOrderStore().contractors(12)

    const url = new URL(calls[0]!.url)
    expect(url.pathname).toBe('/api/v1/contractors')
    expect(url.searchParams.get('org_unit_id')).toBe('12')
    expect(url.searchParams.get('active')).toBe('true')
    expect(found.map((c) => c.name)).toEqual(['安居防水'])
  })

  it("offers as supervisors the project's engineers and project managers, once each", async () => {
    mockFetch(
      () =>
        json(200, [
          { id: 7, name: '刘强', username: 'engineer', memberships: [{ org_unit_id: 12, role: 'engineer' }] },
          // An engineer somewhere else, a project agent here: not a supervisor of project 12.
          { id: 8, name: '王芳', memberships: [{ org_unit_id: 13, role: 'engineer' }, { org_unit_id: 12, role: 'project_agent' }] },
        ]),
      () =>
        json(200, [
          { id: 5, name: '张伟', memberships: [{ org_unit_id: 12, role: 'project_manager' }] },
          { id: 7, name: '刘强', memberships: [{ org_unit_id: 12, role: 'engineer' }] },
        ]),
    )
    const people = await useWorkOrderStore().supervisors(12)

    const queries = calls.map((c) => new URL(c.url).searchParams)
    expect(queries.map((q) => q.get('role'))).toEqual(['engineer', 'project_manager'])
    expect(queries.every((q) => q.get('org_unit_id') === '12' && q.get('is_active') === 'true')).toBe(true)
    expect(people).toEqual([
      { id: 7, name: '刘强', username: 'engineer', roles: ['engineer'] },
      { id: 5, name: '张伟', username: undefined, roles: ['project_manager'] },
    ])
  })

  it('uploads a photo of a stage as multipart/form-data with the CSRF header', async () => {
    const NodeFormData = (await new Response('', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }).formData()).constructor
    vi.stubGlobal('FormData', NodeFormData)
    mockFetch(() => json(201, { id: 31, ticket_id: 42, work_order_id: 9, stage: 'before', filename: '渗水.png' }))
    const file = new NodeFile(['\x89PNG'], '渗水.png', { type: 'image/png' }) as unknown as File
    const photo = await useWorkOrderStore().uploadPhoto(9, 'before', file)

    const req = calls[0]!
    expect(req.method).toBe('POST')
    expect(new URL(req.url).pathname).toBe('/api/v1/work-orders/9/photos')
    expect(req.headers.get('X-CSRF-TOKEN')).toBe('csrf-1')
    expect(req.headers.get('Content-Type')).toMatch(/^multipart\/form-data; boundary=/)
    const form = await req.formData()
    expect(form.get('stage')).toBe('before')
    expect(((form.get('file') as unknown) as File).name).toBe('渗水.png')
    expect(photoUrl(photo)).toBe('/api/v1/tickets/42/attachments/31')
  })

  it('lists the photos of a work order', async () => {
    mockFetch(() => json(200, [{ id: 31, ticket_id: 42, stage: 'after' }]))
    const photos = await useWorkOrderStore().photos(9)
    expect(new URL(calls[0]!.url).pathname).toBe('/api/v1/work-orders/9/photos')
    expect(photos[0]!.stage).toBe('after')
  })

  it('knows the moves of the state machine', () => {
    expect(nextStatuses('dispatched')).toEqual(['accepted', 'rejected'])
    expect(nextStatuses('accepted')).toEqual(['on_site', 'rejected'])
    expect(nextStatuses('on_site')).toEqual(['done'])
    expect(nextStatuses('done')).toEqual([])
    expect(nextStatuses('rejected')).toEqual([])
  })
})
