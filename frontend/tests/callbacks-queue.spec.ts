import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createI18n } from 'vue-i18n'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import zhCN from '@/i18n/zh-CN'
import type { Me } from '@/api/client'
import { useAuthStore } from '@/stores/auth'
import { useScopeStore } from '@/stores/scope'
import CallbackQueueView from '@/features/callbacks/views/CallbackQueueView.vue'
import CallbackCreateDialog from '@/features/callbacks/components/CallbackCreateDialog.vue'
import DueTime from '@/features/callbacks/components/DueTime.vue'
import { json } from './http'

const i18n = () => createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN } })
const HOUR = 3600_000

function row(id: number, dueInHours: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    kind: 'resolution',
    status: 'pending',
    due_at: new Date(Date.now() + dueInHours * HOUR).toISOString(),
    org_unit_id: 3,
    org_unit_name: '上海·滨江壹号',
    ticket_id: 100 + id,
    ticket_number: `T-2026-00${100 + id}`,
    customer_id: 5,
    customer_name: `客户${id}`,
    customer_phone: '138****1234',
    attempts: 1,
    assignee_name: '李娜',
    ...extra,
  }
}

describe('DueTime', () => {
  it('shows how far off the due time is, red once a pending callback is overdue', () => {
    const global = { plugins: [i18n()] }
    const late = mount(DueTime, { props: { due: new Date(Date.now() - 2 * HOUR - 10 * 60_000).toISOString(), status: 'pending', tick: 0 }, global })
    expect(late.classes()).toContain('overdue')
    expect(late.text()).toContain('已逾期 2小时 10分钟')
    const soon = mount(DueTime, { props: { due: new Date(Date.now() + 26 * HOUR + 60_000).toISOString(), status: 'pending', tick: 0 }, global })
    expect(soon.classes()).not.toContain('overdue')
    expect(soon.text()).toContain('1天 2小时后')
    const done = mount(DueTime, { props: { due: new Date(Date.now() - 48 * HOUR).toISOString(), status: 'completed', tick: 0 }, global })
    expect(done.classes()).not.toContain('overdue')
    expect(done.text()).not.toContain('逾期')
  })
})

describe('CallbackQueueView', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().me = { id: 6, name: '李娜', permissions: ['callback.work'], scopes: [] } as unknown as Me
  })
  afterEach(() => vi.unstubAllGlobals())

  async function mountQueue(url = '/callbacks') {
    const requests: URL[] = []
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      const at = new URL(req.url)
      requests.push(at)
      const rows = [row(1, -3), row(2, 5, { kind: 'handover', ticket_id: null, ticket_number: null, assignee_name: null, attempts: 0 })]
      return json(200, rows, { 'X-Pagination': JSON.stringify({ total: 2, page: 1, total_pages: 1 }) })
    }))
    const Blank = { template: '<div />' }
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/callbacks', name: 'callbacks', component: CallbackQueueView },
        { path: '/callbacks/:id', name: 'callback', component: Blank },
        { path: '/tickets/:id', name: 'ticket', component: Blank },
      ],
    })
    await router.push(url)
    const wrapper = mount(CallbackQueueView, { global: { plugins: [router, i18n(), ElementPlus] } })
    await flushPromises()
    return { wrapper, requests, router }
  }

  it('asks for my pending callbacks in the header scope, and marks the overdue row red', async () => {
    useScopeStore().unitId = 3
    const { wrapper, requests } = await mountQueue()
    const asked = requests.find((u) => u.pathname === '/api/v1/callbacks')!
    expect(asked.searchParams.get('mine')).toBe('true')
    expect(asked.searchParams.getAll('status')).toEqual(['pending'])
    expect(asked.searchParams.get('org_unit_id')).toBe('3')

    const rows = wrapper.findAll('[data-test=callbacks-row]')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.classes()).toContain('overdue')
    expect(rows[0]!.get('[data-test=callback-due]').classes()).toContain('overdue')
    expect(rows[0]!.text()).toContain('已逾期 3小时')
    expect(rows[0]!.get('[data-test=callback-ticket]').text()).toBe('T-2026-00101')
    expect(rows[0]!.get('[data-test=callback-attempts]').text()).toBe('1/3')
    expect(rows[1]!.classes()).not.toContain('overdue')
    expect(rows[1]!.get('[data-test=callback-due]').classes()).not.toContain('overdue')
    expect(rows[1]!.text()).toContain('交付回访')
    expect(rows[1]!.text()).toContain('未分配')
    expect(rows[1]!.find('[data-test=callback-ticket]').exists()).toBe(false)
  })

  it('全部 drops mine; a status and kinds from the URL go to the query; a row opens the call screen', async () => {
    const { wrapper, requests, router } = await mountQueue('/callbacks?tab=all&status=any&kind=handover&kind=bogus')
    const asked = requests.filter((u) => u.pathname === '/api/v1/callbacks').at(-1)!
    expect(asked.searchParams.has('mine')).toBe(false)
    expect(asked.searchParams.getAll('status')).toEqual(['pending', 'completed', 'unreached', 'cancelled'])
    expect(asked.searchParams.getAll('kind')).toEqual(['handover'])

    await wrapper.findAll('[data-test=callbacks-row]')[1]!.trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/callbacks/2')
  })
})

describe('CallbackCreateDialog', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().me = {
      id: 6,
      name: '李娜',
      permissions: ['callback.work', 'customer.read'],
      scopes: [{ org_unit_id: 3, org_unit_name: '上海·滨江壹号', kind: 'project', roles: ['project_agent'], permissions: ['callback.work', 'customer.read'] }],
    } as unknown as Me
    useScopeStore().tree = [
      {
        id: 2, name: '华东区域', kind: 'region', path: '/1/2/',
        children: [
          { id: 3, name: '上海·滨江壹号', kind: 'project', path: '/1/2/3/', children: [] },
          { id: 4, name: '杭州·西溪里', kind: 'project', path: '/1/2/4/', children: [] },
        ],
      },
    ] as never
  })
  afterEach(() => vi.unstubAllGlobals())

  it('offers only the projects in reach, plans several customers in bulk and names a refused one at the field', async () => {
    const calls: Request[] = []
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      calls.push(req.clone())
      const path = new URL(req.url).pathname
      if (path === '/api/v1/customers') return json(200, [{ id: 5, name: '程雨', phone: '138****1234' }, { id: 8, name: '王芳', phone: '139****5678' }])
      if (path === '/api/v1/callbacks/bulk') {
        return json(422, { code: 422, status: 'Unprocessable Entity', message: '1 of the customers cannot be called back here: nothing was planned.', errors: { json: { customer_ids: { 1: ['Not a customer of this project.'] } } } })
      }
      throw new Error(`unexpected ${req.method} ${path}`)
    }))
    const wrapper = mount(CallbackCreateDialog, { props: { modelValue: false }, global: { plugins: [i18n(), ElementPlus] }, attachTo: document.body })
    await wrapper.setProps({ modelValue: true })
    await flushPromises()
    const vm = wrapper.vm as unknown as {
      projectOptions: { value: number; disabled: boolean; children?: { value: number; disabled: boolean }[] }[]
      form: { org_unit_id: number | null; customer_ids: number[]; kind: string }
      searchCustomers: (q: string) => Promise<void>
    }
    // The region groups; only the project where callback.work is held can be picked.
    expect(vm.projectOptions).toEqual([
      expect.objectContaining({ value: 2, disabled: true, children: [expect.objectContaining({ value: 3, disabled: false })] }),
    ])
    expect(vm.form.org_unit_id).toBe(3) // the only one
    await vm.searchCustomers('1201')
    expect(new URL(calls[0]!.url).searchParams.get('org_unit_id')).toBe('3')
    vm.form.customer_ids = [5, 8]
    vm.form.kind = 'design'
    await flushPromises()
    document.querySelector<HTMLElement>('[data-test=create-submit]')!.click()
    await flushPromises()

    const bulk = calls.find((r) => new URL(r.url).pathname === '/api/v1/callbacks/bulk')!
    expect(await bulk.json()).toEqual(expect.objectContaining({ org_unit_id: 3, kind: 'design', customer_ids: [5, 8] }))
    expect(wrapper.emitted('created')).toBeUndefined()
    const errors = (wrapper.vm as unknown as { errors: Record<string, string> }).errors
    expect(errors.customers).toBe('王芳：Not a customer of this project.')
    wrapper.unmount()
  })
})
