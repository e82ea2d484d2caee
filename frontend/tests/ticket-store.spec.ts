import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { File as NodeFile } from 'node:buffer'
import { createPinia, setActivePinia } from 'pinia'
import { isConflict, useTicketStore } from '@/features/tickets/store'
import { json, scriptFetch, type Answer } from './http'

function setCookie(name: string, value: string): void {
  document.cookie = `${name}=${value}; path=/`
}

describe('ticket store', () => {
  let calls: Request[]

  function mockFetch(...responses: Answer[]): void {
    ;({ calls } = scriptFetch(...responses))
  }

  beforeEach(async () => {
    setActivePinia(createPinia())
    calls = []
    setCookie('csrf_access_token', 'csrf-access-1')
    setCookie('csrf_refresh_token', 'csrf-refresh-1')
    // jsdom's FormData and File do not survive Node's Request (the file's bytes and name get lost);
    // a browser's do. Node's own FormData (the class behind Response#formData) stands in for it.
    const NodeFormData = (await new Response('', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }).formData()).constructor
    vi.stubGlobal('FormData', NodeFormData)
  })
  afterEach(() => vi.unstubAllGlobals())

  function photo(): File {
    return new NodeFile(['\x89PNG fake photo'], '外墙渗水.png', { type: 'image/png' }) as unknown as File
  }

  it('uploads an attachment as multipart/form-data with the CSRF header', async () => {
    mockFetch(() => json(201, { id: 3, filename: '外墙渗水.png', content_type: 'image/png', size: 15 }))
    const attachment = await useTicketStore().upload(7, photo())

    expect(attachment.id).toBe(3)
    const req = calls[0]!
    expect(req.method).toBe('POST')
    expect(new URL(req.url).pathname).toBe('/api/v1/tickets/7/attachments')
    expect(req.credentials).toBe('include')
    expect(req.headers.get('X-CSRF-TOKEN')).toBe('csrf-access-1')
    expect(req.headers.get('Content-Type')).toMatch(/^multipart\/form-data; boundary=/)
    const sent = (await req.formData()).get('file') as unknown as File
    expect(sent.name).toBe('外墙渗水.png')
    expect(await sent.text()).toBe('\x89PNG fake photo')
  })

  it('sends the same file again after one refresh on 401', async () => {
    mockFetch(
      () => json(401, { code: 401, status: 'Unauthorized', message: 'expired' }),
      () => {
        setCookie('csrf_access_token', 'csrf-access-2')
        return json(200, {})
      },
      () => json(201, { id: 4 }),
    )
    await useTicketStore().upload(7, photo())

    expect(calls.map((c) => new URL(c.url).pathname)).toEqual([
      '/api/v1/tickets/7/attachments',
      '/api/v1/auth/refresh',
      '/api/v1/tickets/7/attachments',
    ])
    expect(calls[2]!.headers.get('X-CSRF-TOKEN')).toBe('csrf-access-2')
    const sent = (await calls[2]!.formData()).get('file') as unknown as File
    expect(await sent.text()).toBe('\x89PNG fake photo')
  })

  it('reports the API refusing a file (413 / 415) as an ApiError with its message', async () => {
    mockFetch(() => json(415, { code: 415, status: 'Unsupported Media Type', message: 'Attach photos, PDF documents or MP4 videos.', errors: { files: { file: ['Not accepted: text/plain.'] } } }))
    await expect(useTicketStore().upload(7, photo())).rejects.toMatchObject({ code: 415, message: 'Attach photos, PDF documents or MP4 videos.' })
  })

  it('assigns with PATCH, If-Match and the reason of a reassignment; answers the new ETag', async () => {
    mockFetch(() => json(200, { id: 7, status: 'assigned', assignee_id: 12, version: 5 }, { ETag: '"5"' }))
    const { ticket, etag } = await useTicketStore().assign(7, '"4"', 12, '工程部接手')

    const req = calls[0]!
    expect(req.method).toBe('PATCH')
    expect(new URL(req.url).pathname).toBe('/api/v1/tickets/7')
    expect(req.headers.get('If-Match')).toBe('"4"')
    expect(req.headers.get('X-CSRF-TOKEN')).toBe('csrf-access-1')
    expect(await req.json()).toEqual({ assignee_id: 12, reason: '工程部接手' })
    expect(ticket.assignee_id).toBe(12)
    expect(etag).toBe('"5"')
  })

  it('a first assignment sends no reason', async () => {
    mockFetch(() => json(200, { id: 7, status: 'assigned', assignee_id: 12, version: 2 }, { ETag: '"2"' }))
    await useTicketStore().assign(7, '"1"', 12)
    expect(await calls[0]!.json()).toEqual({ assignee_id: 12 })
  })

  it('a stale ticket (412) is a conflict', async () => {
    mockFetch(() => json(412, { code: 412, status: 'Precondition Failed', message: 'Ticket changed since you loaded it.' }))
    const error = await useTicketStore().update(7, '"3"', { priority: 'urgent' }).catch((e: unknown) => e)
    expect(isConflict(error)).toBe(true)
    expect(calls[0]!.headers.get('If-Match')).toBe('"3"')
  })

  it('lists the attachments of a ticket', async () => {
    mockFetch(() => json(200, [{ id: 1, filename: 'a.pdf', content_type: 'application/pdf' }]))
    const items = await useTicketStore().attachments(7)
    expect(items).toHaveLength(1)
    expect(new URL(calls[0]!.url).search).toBe('?page_size=100')
  })
})
