import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError, type Me } from '@/api/client'
import { useAuthStore } from '@/stores/auth'
import { useTicketStore } from '@/features/tickets/store'
import { useAdminStore, type OrgTreeNode } from '@/features/admin/store'
import { json, scriptFetch, type Answer } from './http'

const page = (meta: Record<string, number>) => ({ 'X-Pagination': JSON.stringify(meta) })

const TREE: OrgTreeNode[] = [
  {
    id: 1, kind: 'hq', name: '集团', code: 'HQ', path: '/1/', is_active: true, children: [
      {
        id: 2, parent_id: 1, kind: 'region', name: '华东区域公司', code: 'EAST', path: '/1/2/', is_active: true, children: [
          { id: 3, parent_id: 2, kind: 'project', name: '上海·滨江壹号', code: 'SH-BJ', path: '/1/2/3/', is_active: true, children: [] },
        ],
      },
      { id: 5, parent_id: 1, kind: 'region', name: '华南区域公司', code: 'SOUTH', path: '/1/5/', is_active: true, children: [] },
    ],
  },
]

describe('admin store', () => {
  let calls: Request[]
  let answers: Answer[]

  beforeEach(() => {
    setActivePinia(createPinia())
    document.cookie = 'csrf_access_token=csrf-1; path=/'
    ;({ calls, answers } = scriptFetch())
  })
  afterEach(() => vi.unstubAllGlobals())

  const call = (i: number) => {
    const url = new URL(calls[i]!.url)
    return `${calls[i]!.method} ${url.pathname}${url.search}`
  }

  it('lists users with the filters as query parameters and reads X-Pagination', async () => {
    answers.push(() => json(200, [{ id: 4, username: 'region_agent' }], page({ total: 41, total_pages: 3, page: 2 })))
    const result = await useAdminStore().listUsers({ q: '王', org_unit_id: 2, role: 'region_agent', is_active: true, page: 2, page_size: 20 })
    const url = new URL(calls[0]!.url)
    expect(url.pathname).toBe('/api/v1/users')
    expect(Object.fromEntries(url.searchParams)).toEqual({ q: '王', org_unit_id: '2', role: 'region_agent', is_active: 'true', page: '2', page_size: '20' })
    expect(result.items).toHaveLength(1)
    expect(result.page?.total).toBe(41)
  })

  it('a refused user creation throws an ApiError whose field errors sit at the fields', async () => {
    answers.push(() => json(422, {
      code: 422, status: 'Unprocessable Entity', message: 'Some fields are not valid: see `errors`.',
      errors: { json: { username: ['Length must be between 3 and 64.'], phone: ['Not a phone number.'] } },
    }))
    const error = await useAdminStore().createUser({ username: 'ab', password: 'Secret@2026', name: '吴芳', phone: 'x' }).catch((e) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).fieldErrors()).toEqual({ username: 'Length must be between 3 and 64.', phone: 'Not a phone number.' })
    expect(calls[0]!.method).toBe('POST')
    expect(calls[0]!.headers.get('X-CSRF-TOKEN')).toBe('csrf-1')
  })

  it('removes a membership by unit and role, and passes on the last-tenant-admin refusal', async () => {
    const store = useAdminStore()
    answers.push(() => new Response(null, { status: 204 }))
    await store.removeMembership(9, 3, 'project_agent')
    expect(call(0)).toBe('DELETE /api/v1/users/9/memberships?org_unit_id=3&role=project_agent')

    answers.push(() => json(409, { code: 409, status: 'Conflict', message: 'This is the last active tenant admin of the group.' }))
    await expect(store.removeMembership(1, 1, 'tenant_admin')).rejects.toMatchObject({ code: 409, message: 'This is the last active tenant admin of the group.' })
  })

  it('after an org-unit change, reloads its tree and the header switcher; a refusal changes nothing', async () => {
    const store = useAdminStore()
    answers.push(
      async (req) => {
        expect(await req.json()).toEqual({ name: '华东大区' })
        return json(200, { id: 2, name: '华东大区' })
      },
      () => json(200, TREE),
      () => json(200, TREE),
    )
    await store.updateOrgUnit(2, { name: '华东大区' })
    expect(calls.map((_, i) => call(i))).toEqual(['PATCH /api/v1/org-units/2', 'GET /api/v1/org-units/tree', 'GET /api/v1/org-units/tree'])
    expect(store.units.map((u) => u.code)).toEqual(['HQ', 'EAST', 'SH-BJ', 'SOUTH'])

    answers.push(() => json(409, {
      code: 409, status: 'Conflict', message: 'Deactivate the units below this one first.',
      errors: { is_active: ['It still has active units below it.'] },
    }))
    const error = (await store.updateOrgUnit(2, { is_active: false }).catch((e) => e)) as ApiError
    expect(error.fieldErrors()).toEqual({ is_active: 'It still has active units below it.' })
    expect(calls).toHaveLength(4) // no reload after a refusal
  })

  it('reads every page of categories', async () => {
    answers.push(
      () => json(200, [{ id: 1 }, { id: 2 }], page({ total: 3, total_pages: 2, page: 1 })),
      () => json(200, [{ id: 3 }], page({ total: 3, total_pages: 2, page: 2 })),
    )
    const rows = await useAdminStore().listCategories()
    expect(rows.map((c) => c.id)).toEqual([1, 2, 3])
    expect(call(0)).toBe('GET /api/v1/categories?page=1&page_size=100')
    expect(call(1)).toBe('GET /api/v1/categories?page=2&page_size=100')
  })

  it('reorders siblings by renumbering sort_order, sending only the rows that move, and drops the intake cache', async () => {
    const tickets = useTicketStore()
    tickets.categories = [{ id: 1, name: 'stale' }]
    const bodies: unknown[] = []
    const echo = (id: number) => async (req: Request) => {
      bodies.push(await req.json())
      return json(200, { id })
    }
    answers.push(echo(12), echo(11))
    await useAdminStore().reorderCategories([
      { id: 10, sort_order: 0 },
      { id: 12, sort_order: 2 },
      { id: 11, sort_order: 1 },
    ])
    expect(calls.map((_, i) => call(i))).toEqual(['PATCH /api/v1/categories/12', 'PATCH /api/v1/categories/11'])
    expect(bodies).toEqual([{ sort_order: 1 }, { sort_order: 2 }])
    expect(tickets.categories).toEqual([])
  })

  it('puts the SLA targets of one org unit', async () => {
    answers.push(async (req) => json(200, { org_unit_id: 3, targets: (await req.json()).targets }))
    const targets = [{ type: 'repair' as const, priority: 'urgent' as const, response_minutes: 15, resolve_minutes: 1440 }]
    const policy = await useAdminStore().putSlaPolicy(3, targets)
    expect(call(0)).toBe('PUT /api/v1/sla-policies')
    expect(policy.targets).toEqual(targets)
  })

  it('reach of a permission: the units of the memberships holding it, and everything below them', async () => {
    const store = useAdminStore()
    answers.push(() => json(200, TREE))
    await store.loadTree()
    useAuthStore().me = {
      id: 3, name: '陈建国', permissions: ['org.read', 'user.manage'],
      scopes: [{ org_unit_id: 2, kind: 'region', roles: ['region_manager'], permissions: ['org.read', 'user.manage'] }],
    } as Me
    expect([...store.reachOf('user.manage')].sort()).toEqual([2, 3])
    expect(store.reachOf('settings.manage').size).toBe(0)
  })
})
