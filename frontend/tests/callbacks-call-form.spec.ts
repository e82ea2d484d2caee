import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createI18n } from 'vue-i18n'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus, { ElFormItem } from 'element-plus'
import zhCN from '@/i18n/zh-CN'
import type { Me } from '@/api/client'
import { useAuthStore } from '@/stores/auth'
import CallForm from '@/features/callbacks/components/CallForm.vue'
import CallbackCallView from '@/features/callbacks/views/CallbackCallView.vue'
import type { CallbackDetail } from '@/features/callbacks/store'
import { json, stubRoutes } from './http'

const i18n = () => createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN } })

const pending: CallbackDetail = {
  id: 9,
  kind: 'resolution',
  status: 'pending',
  due_at: '2026-11-01T02:00:00Z',
  org_unit_id: 3,
  org_unit_name: '上海·滨江壹号',
  ticket_id: 70,
  ticket_number: 'T-2026-000070',
  ticket_title: '卫生间渗水',
  ticket_status: 'resolved',
  customer_id: 5,
  customer_name: '程雨',
  customer_phone: '138****1234',
  attempts: 1,
  attempt_log: [{ number: 1, at: '2026-11-01T00:00:00Z', by_name: '李娜', reached: false, comment: '无人接听' }],
}

function mountForm(callback: CallbackDetail = pending, errors: Record<string, string> = {}) {
  return mount(CallForm, { props: { callback, errors }, global: { plugins: [i18n(), ElementPlus] } })
}

/**
 * The error an `el-form-item` holding `[data-test=<field>]` shows (its message renders after a short
 * debounce, so it is read from the item itself), or null when the item is not in error.
 */
function errorAt(wrapper: VueWrapper, field: string): string | null {
  const item = wrapper.findAllComponents(ElFormItem).find((i) => i.find(`[data-test=${field}]`).exists())!
  return item.classes().includes('is-error') ? (item.vm as unknown as { validateMessage: string }).validateMessage : null
}

/** Clicks the n-th star (1–5) of a score row. */
async function score(wrapper: VueWrapper, dimension: string, n: number): Promise<void> {
  await wrapper.get(`[data-test=call-score-${dimension}]`).findAll('.el-rate__item')[n - 1]!.trigger('click')
}

describe('CallForm', () => {
  it('reached: the three scores and the comment make the body', async () => {
    const wrapper = mountForm()
    await wrapper.get('[data-test=call-reached]').find('input').setValue(true)
    await score(wrapper, 'timeliness', 5)
    await score(wrapper, 'quality', 4)
    await score(wrapper, 'attitude', 3)
    await wrapper.get('textarea[data-test=call-comment]').setValue('维修及时，师傅态度一般')
    expect(wrapper.find('[data-test=call-low-score]').exists()).toBe(false)
    await wrapper.get('[data-test=call-submit]').trigger('click')
    expect(wrapper.emitted('submit')).toEqual([[{ reached: true, satisfaction: { timeliness: 5, quality: 4, attitude: 3 }, comment: '维修及时，师傅态度一般' }]])
  })

  it('not reached: no scores are asked or sent, and the retry rule is told', async () => {
    const wrapper = mountForm()
    await wrapper.get('[data-test=call-unreached]').find('input').setValue(true)
    expect(wrapper.find('[data-test=call-score-timeliness]').exists()).toBe(false)
    expect(wrapper.get('[data-test=call-unreached-hint]').text()).toContain('本次为第 2 次')
    await wrapper.get('textarea[data-test=call-comment]').setValue('关机')
    await wrapper.get('[data-test=call-submit]').trigger('click')
    expect(wrapper.emitted('submit')).toEqual([[{ reached: false, comment: '关机' }]])
  })

  it('does not submit without an outcome, nor a reached call without all three scores', async () => {
    const wrapper = mountForm()
    await wrapper.get('[data-test=call-submit]').trigger('click')
    expect(wrapper.emitted('submit')).toBeUndefined()
    expect(errorAt(wrapper, 'call-reached')).toBe('请选择通话结果')

    await wrapper.get('[data-test=call-reached]').find('input').setValue(true)
    await score(wrapper, 'timeliness', 4)
    await wrapper.get('[data-test=call-submit]').trigger('click')
    expect(wrapper.emitted('submit')).toBeUndefined()
    expect(errorAt(wrapper, 'call-score-timeliness')).toBeNull() // scored
    expect(errorAt(wrapper, 'call-score-quality')).toBe('请为三项满意度打分')
    expect(errorAt(wrapper, 'call-score-attitude')).toBe('请为三项满意度打分')
  })

  it('warns before submitting that a lowest score of 1–2 reopens the ticket and tells the project manager', async () => {
    const wrapper = mountForm()
    await wrapper.get('[data-test=call-reached]').find('input').setValue(true)
    await score(wrapper, 'timeliness', 5)
    await score(wrapper, 'quality', 2)
    expect(wrapper.find('[data-test=call-low-score]').exists()).toBe(false) // not all scored yet
    await score(wrapper, 'attitude', 4)
    expect(wrapper.get('[data-test=call-low-score]').text()).toContain('最低分为 2 分：提交后将重新打开工单并通知项目经理')
    await score(wrapper, 'quality', 3)
    expect(wrapper.find('[data-test=call-low-score]').exists()).toBe(false)
    await score(wrapper, 'attitude', 1)
    expect(wrapper.get('[data-test=call-low-score]').text()).toContain('最低分为 1 分')

    // Without a ticket there is nothing to reopen: only the manager hears of it.
    const handover = mountForm({ ...pending, kind: 'handover', ticket_id: null, ticket_number: null })
    await handover.get('[data-test=call-reached]').find('input').setValue(true)
    for (const d of ['timeliness', 'quality', 'attitude']) await score(handover, d, 2)
    expect(handover.get('[data-test=call-low-score]').text()).toBe('最低分为 2 分：提交后将通知项目经理')
  })

  it('shows the API field errors at their fields', async () => {
    const wrapper = mountForm(pending, { 'satisfaction.quality': 'Must be greater than or equal to 1 and less than or equal to 5.', comment: 'Longer than maximum length 1000.' })
    await wrapper.get('[data-test=call-reached]').find('input').setValue(true)
    expect(errorAt(wrapper, 'call-score-quality')).toBe('Must be greater than or equal to 1 and less than or equal to 5.')
    expect(errorAt(wrapper, 'call-score-timeliness')).toBeNull()
    expect(errorAt(wrapper, 'call-comment')).toBe('Longer than maximum length 1000.')
  })
})

describe('CallbackCallView', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().me = { id: 6, name: '李娜', permissions: ['callback.work', 'customer.read', 'customer.pii', 'ticket.read'], scopes: [] } as unknown as Me
  })
  afterEach(() => vi.unstubAllGlobals())

  async function mountView(table: Record<string, (req: Request) => Response | Promise<Response>>) {
    const calls = stubRoutes(table)
    const Blank = { template: '<div />' }
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/callbacks', name: 'callbacks', component: Blank },
        { path: '/callbacks/:id', name: 'callback', component: Blank },
        { path: '/tickets/:id', name: 'ticket', component: Blank },
        { path: '/customers/:id', name: 'customer', component: Blank },
      ],
    })
    await router.push('/callbacks/9')
    const wrapper = mount(CallbackCallView, { props: { id: 9 }, global: { plugins: [router, i18n(), ElementPlus] } })
    await flushPromises()
    return { wrapper, calls, router }
  }
  const ticket = () => json(200, { id: 70, number: 'T-2026-000070', title: '卫生间渗水', type: 'repair', status: 'resolved', resolved_at: '2026-10-31T08:00:00Z' })

  it('shows the customer (masked, 显示号码 reveals), the ticket summary and the calls made', async () => {
    const { wrapper } = await mountView({
      'GET /api/v1/callbacks/9': () => json(200, pending),
      'GET /api/v1/tickets/70': ticket,
      'GET /api/v1/customers/5': (req) => {
        expect(new URL(req.url).searchParams.get('reveal')).toBe('true')
        return json(200, { id: 5, phone: '13812341234' })
      },
    })
    expect(wrapper.get('[data-test=call-phone]').text()).toBe('138****1234')
    const ticketCard = wrapper.get('[data-test=call-ticket]').text()
    for (const text of ['T-2026-000070', '卫生间渗水', '报修', '已解决']) expect(ticketCard).toContain(text)
    expect(wrapper.findAll('[data-test=call-attempt]')).toHaveLength(1)
    expect(wrapper.get('[data-test=call-attempt-count]').text()).toBe('1/3')

    await wrapper.get('[data-test=call-reveal]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-test=call-phone]').text()).toBe('13812341234')
  })

  it('submits a low score and shows that the ticket was reopened, then offers the next callback', async () => {
    const { wrapper, calls, router } = await mountView({
      'GET /api/v1/callbacks/9': () => json(200, pending),
      'GET /api/v1/tickets/70': ticket,
      'POST /api/v1/callbacks/9/complete': () =>
        json(200, { ...pending, status: 'completed', attempts: 2, satisfaction: 2, satisfaction_timeliness: 4, satisfaction_quality: 2, satisfaction_attitude: 5, ticket_status: 'in_progress' }),
      'GET /api/v1/callbacks': () => json(200, [{ id: 9 }, { id: 12 }]),
    })
    await wrapper.get('[data-test=call-reached]').find('input').setValue(true)
    await score(wrapper, 'timeliness', 4)
    await score(wrapper, 'quality', 2)
    await score(wrapper, 'attitude', 5)
    expect(wrapper.find('[data-test=call-low-score]').exists()).toBe(true)
    await wrapper.get('[data-test=call-submit]').trigger('click')
    await flushPromises()

    const post = calls.find((r) => r.method === 'POST')!
    expect(await post.json()).toEqual({ reached: true, satisfaction: { timeliness: 4, quality: 2, attitude: 5 } })
    expect(wrapper.get('[data-test=call-result]').text()).toContain('综合满意度 2 分：工单 T-2026-000070 已重新打开，已通知项目经理')
    expect(wrapper.find('[data-test=call-form]').exists()).toBe(false)
    expect(wrapper.get('[data-test=call-overall]').text()).toBe('2')

    await wrapper.get('[data-test=call-next]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/callbacks/12')
  })

  it('a call not reached tells when to call again', async () => {
    const { wrapper } = await mountView({
      'GET /api/v1/callbacks/9': () => json(200, pending),
      'GET /api/v1/tickets/70': ticket,
      'POST /api/v1/callbacks/9/complete': () => json(200, { ...pending, attempts: 2, due_at: '2026-11-01T04:00:00Z' }),
    })
    await wrapper.get('[data-test=call-unreached]').find('input').setValue(true)
    await wrapper.get('[data-test=call-submit]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-test=call-result]').text()).toContain('未接通（第 2/3 次）')
  })

  it('puts 422 field errors at the fields and says clearly when the callback was completed meanwhile (409)', async () => {
    let answer = () =>
      json(422, { code: 422, status: 'Unprocessable Entity', message: 'Invalid', errors: { json: { comment: ['Longer than maximum length 1000.'] } } })
    let current: CallbackDetail = pending
    const { wrapper } = await mountView({
      'GET /api/v1/callbacks/9': () => json(200, current),
      'GET /api/v1/tickets/70': ticket,
      'POST /api/v1/callbacks/9/complete': () => answer(),
    })
    await wrapper.get('[data-test=call-unreached]').find('input').setValue(true)
    await wrapper.get('[data-test=call-submit]').trigger('click')
    await flushPromises()
    expect(errorAt(wrapper, 'call-comment')).toBe('Longer than maximum length 1000.')

    answer = () => json(409, { code: 409, status: 'Conflict', message: 'This callback is completed: nothing is left to call.', errors: { status: ['completed'] } })
    current = { ...pending, status: 'completed', attempts: 2, satisfaction: 5, satisfaction_timeliness: 5, satisfaction_quality: 5, satisfaction_attitude: 5, completed_by_name: '王强' }
    await wrapper.get('[data-test=call-submit]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-test=call-conflict]').text()).toContain('该回访已不是待回访状态')
    expect(wrapper.find('[data-test=call-form]').exists()).toBe(false)
    expect(wrapper.get('[data-test=call-readonly]').text()).toContain('王强')
  })

  it('shows a completed callback read-only with its scores', async () => {
    const { wrapper } = await mountView({
      'GET /api/v1/callbacks/9': () =>
        json(200, { ...pending, status: 'completed', satisfaction: 3, satisfaction_timeliness: 3, satisfaction_quality: 4, satisfaction_attitude: 5, comment: '还行' }),
      'GET /api/v1/tickets/70': ticket,
    })
    expect(wrapper.find('[data-test=call-form]').exists()).toBe(false)
    const readonly = wrapper.get('[data-test=call-readonly]')
    expect(readonly.text()).toContain('该回访已结束')
    expect(readonly.text()).toContain('还行')
    expect(readonly.get('[data-test=call-readonly-quality]').findAll('.el-rate__item .is-active')).toHaveLength(4)
    expect(wrapper.get('[data-test=call-overall]').text()).toBe('3')
  })
})
