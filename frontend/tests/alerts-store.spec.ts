import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@/api/client'
import { clusterTicketsQuery, useAlertStore, type Alert } from '@/features/alerts/store'
import { json } from './http'

const alert: Alert = {
  id: 4,
  kind: 'group_complaint',
  org_unit_id: 3,
  category_id: 2,
  building: null,
  ticket_ids: [68, 109, 110],
  ticket_count: 3,
  window_days: 7,
  first_at: '2026-11-24T22:38:10+00:00',
  last_at: '2026-11-26T03:37:55.593+00:00',
  created_at: '2026-11-26T03:37:55+00:00',
  acknowledged_at: null,
  acknowledged_by_id: null,
}

describe('alert store', () => {
  let calls: Request[]
  beforeEach(() => {
    setActivePinia(createPinia())
    calls = []
  })
  afterEach(() => vi.unstubAllGlobals())

  function answer(response: () => Response): void {
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      calls.push(req)
      return response()
    }))
  }

  it('lists pending alerts of a unit, paginated', async () => {
    answer(() => json(200, [alert], { 'X-Pagination': JSON.stringify({ total: 1, total_pages: 1, page: 1 }) }))
    const result = await useAlertStore().list({ acknowledged: false, org_unit_id: 2, page: 1, page_size: 20 })
    const url = new URL(calls[0]!.url)
    expect(url.pathname).toBe('/api/v1/alerts')
    expect(Object.fromEntries(url.searchParams)).toEqual({ acknowledged: 'false', org_unit_id: '2', page: '1', page_size: '20' })
    expect(result.items[0]!.ticket_count).toBe(3)
    expect(result.page?.total).toBe(1)
  })

  it('acknowledges one alert; a second time answers 409', async () => {
    answer(() => json(200, { ...alert, acknowledged_at: '2026-11-26T04:00:00+00:00' }))
    const done = await useAlertStore().acknowledge(4)
    expect(`${calls[0]!.method} ${new URL(calls[0]!.url).pathname}`).toBe('POST /api/v1/alerts/4/acknowledge')
    expect(done.acknowledged_at).toBeTruthy()

    answer(() => json(409, { code: 409, status: 'Conflict', message: 'This alert is acknowledged already.' }))
    await expect(useAlertStore().acknowledge(4)).rejects.toBeInstanceOf(ApiError)
  })

  it('links the cluster to the ticket list: its project, category and complaints of its window', () => {
    expect(clusterTicketsQuery(alert)).toEqual({
      org_unit_id: '3',
      category_id: '2',
      type: 'complaint',
      created_from: '2026-11-24T22:38:10+00:00',
      created_to: '2026-11-26T03:37:56.593Z', // the ticket list's created_to is exclusive
    })
  })
})
