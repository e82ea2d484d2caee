import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import type { Me } from '@/api/client'
import { useAuthStore } from '@/stores/auth'
import RecordDialog from '@/features/work_orders/components/RecordDialog.vue'
import WorkOrderPanel from '@/features/work_orders/components/WorkOrderPanel.vue'
import { actionsFor, type RepairTicket, type WorkOrder } from '@/features/work_orders/store'
import { json } from './http'

const ME = 5
const SUPERVISOR = 7
const base: WorkOrder = {
  id: 9, ticket_id: 42, org_unit_id: 12, contractor_id: 3, contractor_name: '安居防水工程', supervisor_id: SUPERVISOR,
  supervisor_name: '刘强', status: 'dispatched', trade: 'waterproofing', component: 'waterproofing', in_warranty: true,
  warranty_until: '2027-05-31', warranty_reason: 'in_warranty', is_paid: false, quote_status: null,
  created_at: '2026-11-20T02:00:00Z', version: 3,
}
const wo = (extra: Partial<WorkOrder> = {}): WorkOrder => ({ ...base, ...extra })
const ticket = (extra: Partial<RepairTicket> = {}): RepairTicket => ({ id: 42, type: 'repair', status: 'in_progress', org_unit_id: 12, version: 4, ...extra })

describe('actionsFor', () => {
  const dispatcher = { canDispatch: true, userId: ME }
  const supervisor = { canDispatch: false, userId: SUPERVISOR }
  const bystander = { canDispatch: false, userId: 99 }

  it('follows the state machine for the dispatcher and the supervisor alike', () => {
    for (const who of [dispatcher, supervisor]) {
      expect(actionsFor(wo({ status: 'dispatched' }), who)).toEqual(['accept', 'reject', 'record'])
      expect(actionsFor(wo({ status: 'accepted' }), who)).toEqual(['arrive', 'reject', 'record'])
      expect(actionsFor(wo({ status: 'on_site' }), who)).toEqual(['finish', 'record'])
      expect(actionsFor(wo({ status: 'done' }), who)).toEqual(['record'])
      expect(actionsFor(wo({ status: 'rejected' }), who)).toEqual([])
    }
  })

  it('offers nothing to whoever neither dispatches nor supervises', () => {
    expect(actionsFor(wo({ status: 'dispatched' }), bystander)).toEqual([])
    expect(actionsFor(wo({ status: 'on_site' }), { canDispatch: false, userId: null })).toEqual([])
  })

  it('adds the quote while a paid repair waits for the customer', () => {
    expect(actionsFor(wo({ in_warranty: false, quote_status: 'pending' }), supervisor)).toContain('quote')
    expect(actionsFor(wo({ in_warranty: false, quote_status: 'accepted' }), supervisor)).not.toContain('quote')
    expect(actionsFor(wo({ in_warranty: true }), supervisor)).not.toContain('quote')
  })
})

describe('WorkOrderPanel', () => {
  let calls: Request[]
  let list: WorkOrder[]
  let wrapper: VueWrapper | null = null
  /** Extra answers for writes, by method and path. */
  let writes: Record<string, (req: Request) => Response>

  beforeEach(() => {
    setActivePinia(createPinia())
    i18n.global.locale.value = 'zh-CN'
    document.cookie = 'csrf_access_token=csrf-1; path=/'
    calls = []
    writes = {}
    list = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (req: Request) => {
        calls.push(req)
        const path = new URL(req.url).pathname
        const write = writes[`${req.method} ${path}`]
        if (write) return write(req)
        if (req.method === 'GET' && path === '/api/v1/work-orders') return json(200, list)
        if (req.method === 'GET' && /^\/api\/v1\/work-orders\/\d+\/photos$/.test(path)) return json(200, [])
        throw new Error(`unexpected call ${req.method} ${req.url}`)
      }),
    )
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })

  async function mountPanel(opts: { items: WorkOrder[]; canDispatch: boolean; me?: number; ticket?: RepairTicket }) {
    list = opts.items
    useAuthStore().me = { id: opts.me ?? ME, name: '张伟', permissions: [], scopes: [] } as unknown as Me
    wrapper = mount(WorkOrderPanel, {
      props: { ticket: opts.ticket ?? ticket(), canDispatch: opts.canDispatch },
      global: { plugins: [i18n, ElementPlus] },
      attachTo: document.body,
    })
    await flushPromises()
    return wrapper
  }
  const buttons = (w: VueWrapper) =>
    ['dispatch-open', 'wo-accept', 'wo-arrive', 'wo-finish', 'wo-record', 'wo-reject'].filter((t) => w.find(`[data-test=${t}]`).exists())

  it("shows the ticket's current work order with its status, and the dispatcher's moves", async () => {
    const w = await mountPanel({ items: [wo()], canDispatch: true })

    expect(new URL(calls[0]!.url).searchParams.get('ticket_id')).toBe('42')
    expect(w.find('[data-test=wo-status]').text()).toBe('已派工')
    expect(w.find('[data-test=wo-contractor]').text()).toBe('安居防水工程')
    expect(w.text()).toContain('刘强')
    expect(w.find('[data-test=wo-warranty]').text()).toBe('保修期内（至 2027-05-31）')
    // An open work order: no second dispatch.
    expect(buttons(w)).toEqual(['wo-accept', 'wo-record', 'wo-reject'])
  })

  it('lets the supervisor move it on, and nobody else', async () => {
    const w = await mountPanel({ items: [wo({ status: 'accepted', accepted_at: '2026-11-20T03:00:00Z' })], canDispatch: false, me: SUPERVISOR })
    expect(w.find('[data-test=wo-status]').text()).toBe('已接单')
    expect(buttons(w)).toEqual(['wo-arrive', 'wo-record', 'wo-reject'])
    wrapper!.unmount()

    const other = await mountPanel({ items: [wo({ status: 'accepted' })], canDispatch: false, me: 99 })
    expect(buttons(other)).toEqual([])
  })

  it('finishes with the result (required) and If-Match, then tells the page', async () => {
    const w = await mountPanel({ items: [wo({ status: 'on_site', arrived_at: '2026-11-20T04:00:00Z' })], canDispatch: true })
    expect(buttons(w)).toEqual(['wo-finish', 'wo-record'])

    await w.find('[data-test=wo-finish]').trigger('click')
    await flushPromises()
    await w.find('[data-test=wo-finish-submit]').trigger('click')
    await flushPromises()
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)

    writes['POST /api/v1/work-orders/9/transitions'] = () =>
      json(200, wo({ status: 'done', result: '更换卫生间止水阀', finished_at: '2026-11-20T05:00:00Z', version: 4 }), { ETag: '"4"' })
    await w.find('textarea[data-test=wo-finish-result]').setValue('更换卫生间止水阀')
    await w.find('[data-test=wo-finish-submit]').trigger('click')
    await flushPromises()

    const post = calls.find((c) => c.method === 'POST')!
    expect(post.headers.get('If-Match')).toBe('"3"')
    expect(await post.json()).toEqual({ to: 'done', result: '更换卫生间止水阀' })
    expect(w.emitted('changed')).toHaveLength(1)
    expect(w.find('[data-test=wo-status]').text()).toBe('已完工')
    expect(w.find('[data-test=wo-result]').text()).toBe('更换卫生间止水阀')
    // A repair that does not hold (the ticket reopened) can take a new work order.
    expect(w.find('[data-test=dispatch-open]').text()).toBe('再次派工')
  })

  it('rejects with the reason; a rejected work order offers 重新派工', async () => {
    const w = await mountPanel({
      items: [wo({ status: 'rejected', reject_reason: '人手不足' }), wo({ id: 8, status: 'rejected', reject_reason: '不做此工种' })],
      canDispatch: true,
    })
    expect(w.find('[data-test=wo-status]').text()).toBe('拒单')
    expect(w.text()).toContain('人手不足')
    expect(buttons(w)).toEqual(['dispatch-open'])
    expect(w.find('[data-test=dispatch-open]').text()).toBe('重新派工')
    expect(w.find('[data-test=wo-history]').text()).toContain('派工单 #8')
  })

  it('a work order changed meanwhile (412) is reloaded and the page told', async () => {
    const w = await mountPanel({ items: [wo()], canDispatch: true })
    writes['POST /api/v1/work-orders/9/transitions'] = () => json(412, { code: 412, status: 'Precondition Failed', message: 'changed' })
    list = [wo({ status: 'accepted', version: 4 })]
    await w.find('[data-test=wo-accept]').trigger('click')
    await flushPromises()

    expect(calls.filter((c) => c.method === 'GET' && new URL(c.url).pathname === '/api/v1/work-orders')).toHaveLength(2)
    expect(w.emitted('changed')).toHaveLength(1)
    expect(w.find('[data-test=wo-status]').text()).toBe('已接单')
  })

  it('holds a paid repair until the customer accepts the quote, recorded with If-Match', async () => {
    const paid = wo({ status: 'accepted', in_warranty: false, is_paid: true, warranty_reason: 'expired', quote_amount: '280.00', quote_status: 'pending' })
    const w = await mountPanel({ items: [paid], canDispatch: false, me: SUPERVISOR })

    expect(w.find('[data-test=wo-warranty]').text()).toBe('有偿维修')
    expect(w.find('[data-test=wo-quote]').text()).toBe('¥280.00')
    expect(w.find('[data-test=wo-quote-status]').text()).toBe('待客户确认')
    expect(w.find('[data-test=wo-arrive]').attributes('disabled')).toBeDefined()

    writes['PATCH /api/v1/work-orders/9'] = () => json(200, { ...paid, quote_status: 'accepted', version: 4 }, { ETag: '"4"' })
    await w.find('[data-test=wo-quote-accept]').trigger('click')
    await flushPromises()

    const patch = calls.find((c) => c.method === 'PATCH')!
    expect(patch.headers.get('If-Match')).toBe('"3"')
    expect(await patch.json()).toEqual({ quote_status: 'accepted' })
    expect(w.find('[data-test=wo-quote-status]').text()).toBe('客户已接受')
    expect(w.find('[data-test=wo-arrive]').attributes('disabled')).toBeUndefined()
  })

  it('runs the dispatch clock while nobody is sent; only a dispatcher may dispatch', async () => {
    const due = new Date(Date.now() + 3 * 3600 * 1000).toISOString()
    const w = await mountPanel({ items: [], canDispatch: true, ticket: ticket({ status: 'assigned', dispatch_due_at: due }) })
    expect(w.find('[data-test=dispatch-clock]').text()).toContain('剩余')
    expect(w.text()).toContain('尚未派工')
    expect(w.find('[data-test=dispatch-open]').text()).toBe('派工')
    wrapper!.unmount()

    const agent = await mountPanel({ items: [], canDispatch: false, ticket: ticket({ status: 'assigned', dispatch_due_at: due }) })
    expect(agent.find('[data-test=dispatch-open]').exists()).toBe(false)
    wrapper!.unmount()

    // Dispatched (even if that work order was rejected since): the clock stopped; a late dispatch is flagged.
    const late = await mountPanel({
      items: [wo({ status: 'rejected', reject_reason: '人手不足' })], canDispatch: true,
      ticket: ticket({ dispatch_due_at: due, dispatched_at: due, dispatch_breached_at: due }),
    })
    expect(late.find('[data-test=dispatch-clock]').exists()).toBe(false)
    expect(late.find('[data-test=dispatch-breached]').text()).toBe('派工超时')
    wrapper!.unmount()

    const closed = await mountPanel({ items: [], canDispatch: true, ticket: ticket({ status: 'closed' }) })
    expect(closed.find('[data-test=dispatch-open]').exists()).toBe(false)
    expect(closed.find('[data-test=dispatch-clock]').exists()).toBe(false)
  })
})

describe('RecordDialog', () => {
  let calls: Request[]
  let answer: (req: Request) => Response
  let wrapper: VueWrapper | null = null

  beforeEach(() => {
    setActivePinia(createPinia())
    i18n.global.locale.value = 'zh-CN'
    document.cookie = 'csrf_access_token=csrf-1; path=/'
    calls = []
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      calls.push(req)
      return answer(req)
    }))
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })

  async function openRecord(workOrder: WorkOrder) {
    wrapper = mount(RecordDialog, {
      props: { workOrder, modelValue: true },
      global: { plugins: [i18n, ElementPlus] },
      attachTo: document.body,
    })
    await flushPromises()
    return wrapper
  }
  async function fill(w: VueWrapper) {
    await w.find('textarea[data-test=wo-record-materials]').setValue('止水阀 1 个')
    const cost = w.findAllComponents({ name: 'ElInputNumber' }).find((c) => c.attributes('data-test') === 'wo-record-cost')!
    cost.vm.$emit('update:modelValue', 350.5)
    await flushPromises()
    await w.find('[data-test=wo-record-submit]').trigger('click')
    await flushPromises()
  }

  it('sends only what changed, with If-Match', async () => {
    answer = () => json(200, wo({ status: 'on_site', materials: '止水阀 1 个', cost: '350.50', version: 4 }), { ETag: '"4"' })
    const w = await openRecord(wo({ status: 'on_site', arrived_at: '2026-11-20T04:00:00Z', result: '已关闭总阀' }))
    await fill(w)

    expect(calls).toHaveLength(1)
    expect(calls[0]!.method).toBe('PATCH')
    expect(calls[0]!.headers.get('If-Match')).toBe('"3"')
    expect(await calls[0]!.json()).toEqual({ materials: '止水阀 1 个', cost: 350.5 })
    expect(w.emitted('recorded')![0]).toEqual([expect.objectContaining({ cost: '350.50' })])
  })

  it('a work order changed meanwhile (412) closes the dialog and has it reloaded', async () => {
    answer = () => json(412, { code: 412, status: 'Precondition Failed', message: 'changed' })
    const w = await openRecord(wo({ status: 'accepted' }))
    await fill(w)

    expect(w.emitted('stale')).toHaveLength(1)
    expect(w.emitted('recorded')).toBeUndefined()
    expect(w.emitted('update:modelValue')![0]).toEqual([false])
  })
})
