import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import DispatchDialog from '@/features/work_orders/components/DispatchDialog.vue'
import type { RepairTicket } from '@/features/work_orders/store'
import { json } from './http'

type Route = (req: Request) => Response | Promise<Response> | undefined

/** Answers by method and path; the requests are kept in `calls`. */
function routeFetch(routes: Route[]) {
  const calls: Request[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (req: Request) => {
      calls.push(req)
      for (const route of routes) {
        const answer = await route(req)
        if (answer) return answer
      }
      throw new Error(`unexpected call ${req.method} ${req.url}`)
    }),
  )
  return calls
}
const on = (method: string, path: string, answer: (req: Request) => Response): Route => (req) =>
  req.method === method && new URL(req.url).pathname === path ? answer(req) : undefined

const contractors = [
  { id: 6, name: '水电安装', trades: ['plumbing'], contract_start: '2020-01-01', contract_end: '2099-12-31' },
  { id: 3, name: '安居防水工程', trades: ['waterproofing'], contact_name: '周工', contact_phone: '13800001111', contract_start: '2020-01-01', contract_end: '2099-12-31' },
  { id: 4, name: '过期维修', trades: ['general'], contract_start: '2020-01-01', contract_end: '2021-01-01' },
]
const engineers = [{ id: 7, name: '刘强', memberships: [{ org_unit_id: 12, role: 'engineer' }] }]
const managers = [{ id: 5, name: '张伟', memberships: [{ org_unit_id: 12, role: 'project_manager' }] }]
const lists: Route[] = [
  on('GET', '/api/v1/contractors', () => json(200, contractors)),
  (req) => {
    const url = new URL(req.url)
    if (url.pathname !== '/api/v1/users') return undefined
    return json(200, url.searchParams.get('role') === 'engineer' ? engineers : managers)
  },
]

const ticket = (extra: Partial<RepairTicket> = {}): RepairTicket => ({
  id: 42, type: 'repair', status: 'assigned', org_unit_id: 12, version: 2,
  warranty: { in_warranty: true, component: 'waterproofing', until: '2027-05-31', reason: 'in_warranty', source: 'estimate' },
  ...extra,
})

describe('DispatchDialog', () => {
  let wrapper: VueWrapper | null = null

  beforeEach(() => {
    setActivePinia(createPinia())
    i18n.global.locale.value = 'zh-CN'
    document.cookie = 'csrf_access_token=csrf-1; path=/'
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })

  async function open(t: RepairTicket) {
    wrapper = mount(DispatchDialog, {
      props: { ticket: t, modelValue: true },
      global: { plugins: [i18n, ElementPlus] },
      attachTo: document.body,
    })
    await flushPromises()
    return wrapper
  }
  /** Picks an option of an Element Plus select through its component (the dropdown lives elsewhere). */
  async function choose(w: VueWrapper, test: string, value: unknown) {
    const select = w.findAllComponents({ name: 'ElSelect' }).find((s) => s.attributes('data-test') === test)!
    select.vm.$emit('update:modelValue', value)
    await flushPromises()
  }
  async function submit(w: VueWrapper) {
    await w.find('[data-test=dispatch-submit]').trigger('click')
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 150)) // Element Plus shows a field error after 100 ms
  }
  /** The options of a select (rendered in its dropdown, outside the dialog's element). */
  const optionsOf = (w: VueWrapper, test: string) =>
    w.findAllComponents({ name: 'ElOption' }).filter((o) => o.attributes('data-test') === test)
  const fieldError = (w: VueWrapper, text: string) =>
    w.findAll('.el-form-item.is-error').map((item) => item.text()).find((t) => t.includes(text))

  it('offers the contractors and supervisors of the project, shows the estimate and defaults the component', async () => {
    const calls = routeFetch(lists)
    const w = await open(ticket())

    const contractorQuery = new URL(calls.find((c) => c.url.includes('/contractors'))!.url).searchParams
    expect(contractorQuery.get('org_unit_id')).toBe('12')
    expect(w.find('[data-test=dispatch-warranty]').text()).toContain('保修期内（至 2027-05-31）')
    expect(w.find('[data-test=dispatch-warranty]').text()).toContain('防水')
    const component = w.findAllComponents({ name: 'ElSelect' }).find((s) => s.attributes('data-test') === 'dispatch-component')!
    expect(component.props('modelValue')).toBe('waterproofing')
    // In warranty: no quote asked for.
    expect(w.find('[data-test=dispatch-quote]').exists()).toBe(false)

    const options = optionsOf(w, 'dispatch-contractor-option')
    // Those doing the component's trade first, then other trades, then those out of contract (not pickable).
    expect(options.map((o) => o.text())).toEqual([
      expect.stringContaining('安居防水工程'), expect.stringContaining('水电安装'), expect.stringContaining('过期维修'),
    ])
    expect(options[0]!.text()).toContain('防水')
    expect(options[0]!.text()).toContain('周工')
    expect(options[0]!.text()).not.toContain('不做此工种')
    expect(options[0]!.props('disabled')).toBe(false)
    expect(options[1]!.text()).toContain('不做此工种')
    expect(options[1]!.props('disabled')).toBe(false)
    expect(options[2]!.text()).toContain('不在合同期内')
    expect(options[2]!.props('disabled')).toBe(true)
    expect(optionsOf(w, 'dispatch-supervisor-option').map((o) => o.text())).toEqual([
      expect.stringContaining('刘强'),
      expect.stringContaining('张伟'),
    ])
  })

  it('sends the dispatch; asks for the quote when the estimate says out of warranty', async () => {
    const calls = routeFetch([...lists, on('POST', '/api/v1/work-orders', () => json(201, { id: 9, contractor_name: '安居防水工程', version: 1 }, { ETag: '"1"' }))])
    const w = await open(ticket({ warranty: { in_warranty: false, component: 'plumbing', until: '2024-05-31', reason: 'expired', source: 'estimate' } }))

    expect(w.find('[data-test=dispatch-warranty]').text()).toContain('有偿维修')
    expect(w.find('[data-test=dispatch-quote]').exists()).toBe(true)
    await choose(w, 'dispatch-contractor', 3)
    await choose(w, 'dispatch-supervisor', 7)
    const quote = w.findAllComponents({ name: 'ElInputNumber' }).find((c) => c.attributes('data-test') === 'dispatch-quote')!
    quote.vm.$emit('update:modelValue', 280)
    await w.find('textarea[data-test=dispatch-materials]').setValue('PPR 管 2 米')
    await submit(w)

    const post = calls.find((c) => c.method === 'POST')!
    expect(await post.json()).toEqual({
      ticket_id: 42, contractor_id: 3, supervisor_id: 7, component: 'plumbing', materials: 'PPR 管 2 米', quote_amount: 280,
    })
    expect(w.emitted('dispatched')![0]).toEqual([expect.objectContaining({ id: 9 })])
    expect(w.emitted('update:modelValue')![0]).toEqual([false])
  })

  it("shows the API's field errors at their fields and keeps the dialog open", async () => {
    const calls = routeFetch([
      ...lists,
      on('POST', '/api/v1/work-orders', () =>
        json(422, {
          code: 422, status: 'Unprocessable Entity', message: 'The contractor cannot take this repair.',
          errors: { json: { contractor_id: ['This contractor does not do plumbing work.'], component: ['Required for this ticket\'s category.'] } },
        }),
      ),
    ])
    const w = await open(ticket({ warranty: {} }))

    // No estimate: the component is left to the category (empty).
    const component = w.findAllComponents({ name: 'ElSelect' }).find((s) => s.attributes('data-test') === 'dispatch-component')!
    expect(component.props('modelValue')).toBeNull()
    await choose(w, 'dispatch-contractor', 3)
    await choose(w, 'dispatch-supervisor', 5)
    await submit(w)

    expect(await calls.find((c) => c.method === 'POST')!.json()).toEqual({ ticket_id: 42, contractor_id: 3, supervisor_id: 5 })
    expect(fieldError(w, '维修单位')).toContain('This contractor does not do plumbing work.')
    expect(fieldError(w, '维修部位')).toContain("Required for this ticket's category.")
    expect(w.emitted('dispatched')).toBeUndefined()
    expect(w.emitted('update:modelValue')).toBeUndefined()
  })

  it('requires a contractor and a supervisor before sending anything', async () => {
    const calls = routeFetch(lists)
    const w = await open(ticket())
    const before = calls.length
    await submit(w)

    expect(calls.length).toBe(before)
    expect(fieldError(w, '维修单位')).toContain('必填')
    expect(fieldError(w, '监理人')).toContain('必填')
  })

  it('says plainly that an open work order exists (409) and asks the page to reload', async () => {
    routeFetch([
      ...lists,
      on('POST', '/api/v1/work-orders', () =>
        json(409, { code: 409, status: 'Conflict', message: 'The ticket has an open work order (8): finish or reject it first.', errors: { json: { ticket_id: ['Work order 8 is open.'] } } }),
      ),
    ])
    const w = await open(ticket())
    await choose(w, 'dispatch-contractor', 3)
    await choose(w, 'dispatch-supervisor', 7)
    await submit(w)

    expect(w.find('[data-test=dispatch-refusal]').text()).toContain('该工单已有进行中的派工单，请先完工或拒单后再派工')
    expect(w.emitted('conflict')).toHaveLength(1)
    expect(w.emitted('dispatched')).toBeUndefined()
  })
})
