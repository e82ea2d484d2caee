import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useNotificationCenterStore } from '@/features/notifications/store'
import { useNotificationStore } from '@/stores/notifications'
import { json } from './http'

describe('notification inbox store', () => {
  let calls: Request[]
  let unread: number
  beforeEach(() => {
    setActivePinia(createPinia())
    calls = []
    unread = 2
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      calls.push(req)
      const path = `${req.method} ${new URL(req.url).pathname}`
      if (path === 'GET /api/v1/notifications') return json(200, [{ id: 7, kind: 'escalation', title: 't', body: 'b', ticket_id: 3, read_at: null }], { 'X-Pagination': JSON.stringify({ total: 21, total_pages: 2, page: 2 }) })
      if (path === 'POST /api/v1/notifications/7/read') {
        unread -= 1
        return json(200, { id: 7, read_at: '2026-11-26T04:00:00+00:00' })
      }
      if (path === 'POST /api/v1/notifications/read-all') {
        const marked = unread
        unread = 0
        return json(200, { marked })
      }
      if (path === 'GET /api/v1/notifications/unread-count') return json(200, { unread })
      throw new Error(`unexpected ${path}`)
    }))
  })
  afterEach(() => vi.unstubAllGlobals())

  const query = (r: Request) => Object.fromEntries(new URL(r.url).searchParams)

  it('lists all or only unread notifications, by page', async () => {
    const store = useNotificationCenterStore()
    const result = await store.list(false, 2)
    expect(query(calls[0]!)).toEqual({ page: '2', page_size: '20' })
    expect(result.page?.total).toBe(21)
    await store.list(true, 1)
    expect(query(calls[1]!)).toEqual({ unread: 'true', page: '1', page_size: '20' })
  })

  it('marks one read and refreshes the bell', async () => {
    const bell = useNotificationStore()
    bell.unread = 2
    const item = await useNotificationCenterStore().markRead(7)
    expect(item.read_at).toBeTruthy()
    expect(calls.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(['POST /api/v1/notifications/7/read', 'GET /api/v1/notifications/unread-count'])
    expect(bell.unread).toBe(1)
  })

  it('marks all read, says how many, and the bell goes to zero', async () => {
    const bell = useNotificationStore()
    bell.unread = 2
    expect(await useNotificationCenterStore().markAllRead()).toBe(2)
    expect(calls[0]!.method).toBe('POST')
    expect(bell.unread).toBe(0)
  })
})
