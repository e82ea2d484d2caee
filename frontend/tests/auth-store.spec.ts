import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useAuthStore } from '@/stores/auth'
import { json } from './http'

const me = {
  id: 6,
  kind: 'user',
  username: 'project_agent',
  name: '李娜',
  tenant: { id: 1, name: '华夏置地集团', slug: 'demo' },
  permissions: ['customer.read', 'ticket.read', 'ticket.write'],
  scopes: [
    {
      org_unit_id: 3,
      org_unit_name: '上海·滨江壹号',
      kind: 'project',
      roles: ['project_agent'],
      functions: ['customer_service'],
      permissions: ['customer.read', 'ticket.read', 'ticket.write'],
    },
  ],
}

describe('auth store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('signs in and exposes permissions and project scopes', async () => {
    const fetchMock = vi.fn(async (req: Request) => {
      expect(new URL(req.url).pathname).toBe('/api/v1/auth/login')
      expect(await req.json()).toEqual({ tenant: 'demo', username: 'project_agent', password: 'Demo@2026' })
      return json(200, { access_token: 'a', refresh_token: 'r', user: me })
    })
    vi.stubGlobal('fetch', fetchMock)
    const auth = useAuthStore()
    await auth.login('demo', 'project_agent', 'Demo@2026')
    expect(auth.signedIn).toBe(true)
    expect(auth.can('ticket.write')).toBe(true)
    expect(auth.can('escalation.handle')).toBe(false)
    expect(auth.canIn('ticket.read', 3)).toBe(true)
    expect(auth.canIn('ticket.read', 4)).toBe(false)
    expect(auth.projectScopes.map((s) => s.org_unit_id)).toEqual([3])
  })

  it('ensureLoaded: no session (401 on /me and on refresh) leaves the user signed out', async () => {
    const fetchMock = vi.fn(async () => json(401, { code: 401, status: 'Unauthorized', message: 'no token' }))
    vi.stubGlobal('fetch', fetchMock)
    const auth = useAuthStore()
    await auth.ensureLoaded()
    expect(auth.signedIn).toBe(false)
    expect(auth.loaded).toBe(true)
    await auth.ensureLoaded()
    expect(fetchMock).toHaveBeenCalledTimes(2) // /me + one refresh attempt, once per page load
  })

  it('loads /me from an existing cookie session, and sign-out clears it', async () => {
    const fetchMock = vi.fn(async (req: Request) =>
      new URL(req.url).pathname === '/api/v1/auth/me' ? json(200, me) : new Response(null, { status: 204 }),
    )
    vi.stubGlobal('fetch', fetchMock)
    const auth = useAuthStore()
    await auth.ensureLoaded()
    expect(auth.me?.name).toBe('李娜')
    await auth.logout()
    expect(auth.signedIn).toBe(false)
    expect(fetchMock.mock.calls.map(([r]) => `${(r as Request).method} ${new URL((r as Request).url).pathname}`)).toEqual([
      'GET /api/v1/auth/me',
      'POST /api/v1/auth/logout',
    ])
  })
})
