import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import type { Schemas, Ticket } from '@/api/client'
import AssignDialog from '@/features/tickets/components/AssignDialog.vue'
import { json, scriptFetch, type Answer } from './http'

const candidates: Schemas['Assignee'][] = [
  { id: 11, name: '陈建国', username: 'region_manager', roles: ['region_manager'], function: 'customer_service', open_tickets: 0 },
  { id: 7, name: '刘强', username: 'engineer', roles: ['engineer'], function: 'engineering', open_tickets: 2 },
  { id: 5, name: '张伟', username: 'project_manager', roles: ['project_manager', 'project_agent'], function: null, open_tickets: 4 },
]

describe('AssignDialog', () => {
  let calls: Request[]
  let answers: Answer[]

  beforeEach(() => {
    setActivePinia(createPinia())
    document.cookie = 'csrf_access_token=csrf-1; path=/'
    ;({ calls, answers } = scriptFetch(() => json(200, candidates)))
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })

  async function open(ticket: Partial<Ticket>) {
    const wrapper = mount(AssignDialog, {
      props: { ticket: { id: 42, status: 'assigned', ...ticket } as Ticket, etag: '"3"', modelValue: true },
      global: { plugins: [i18n, ElementPlus], stubs: { teleport: true } },
      attachTo: document.body,
    })
    await flushPromises()
    return wrapper
  }
  const rows = (wrapper: Awaited<ReturnType<typeof open>>) => wrapper.findAll('[data-test=assignee-candidate]')

  it('lists the candidates with their roles, function and open load', async () => {
    const wrapper = await open({ assignee_id: null, status: 'new' })

    expect(new URL(calls[0]!.url).pathname).toBe('/api/v1/tickets/42/assignees')
    expect(rows(wrapper)).toHaveLength(3)
    const [first, second, third] = rows(wrapper).map((r) => r.text())
    expect(first).toContain('陈建国')
    expect(first).toContain('区域经理')
    expect(first).toContain('客服')
    expect(first).toContain('在办 0')
    expect(second).toContain('工程师')
    expect(second).toContain('工程')
    expect(second).toContain('在办 2')
    expect(third).toContain('项目经理')
    expect(third).toContain('项目客服')
    expect(wrapper.text()).toContain('派单')
    expect(wrapper.find('[data-test=assign-reason]').exists()).toBe(false)
  })

  it('filters by name, username, role or function; Enter picks the first match', async () => {
    const wrapper = await open({ assignee_id: null, status: 'new' })
    const search = wrapper.find('input[data-test=assignee-search]')

    await search.setValue('工程')
    expect(rows(wrapper).map((r) => r.text())).toEqual([expect.stringContaining('刘强')])
    await search.setValue('project_manager')
    expect(rows(wrapper).map((r) => r.text())).toEqual([expect.stringContaining('张伟')])
    await search.setValue('区域经理')
    expect(rows(wrapper).map((r) => r.text())).toEqual([expect.stringContaining('陈建国')])
    await search.setValue('nobody')
    expect(rows(wrapper)).toHaveLength(0)
    expect(wrapper.text()).toContain('没有匹配的人员')

    await search.setValue('刘')
    await search.trigger('keydown', { key: 'Enter' })
    expect(rows(wrapper)[0]!.find('input').element.checked).toBe(true)
  })

  it('marks the current assignee; a reassignment needs a reason and PATCHes with If-Match', async () => {
    const wrapper = await open({ assignee_id: 7 })
    const current = rows(wrapper)[1]!
    expect(current.text()).toContain('当前处理人')
    expect(current.find('input').element.disabled).toBe(true)
    expect(wrapper.text()).toContain('改派')

    await rows(wrapper)[0]!.find('input').setValue(true)
    await wrapper.find('[data-test=assign-confirm]').trigger('click')
    await new Promise((resolve) => setTimeout(resolve, 150)) // Element Plus shows a field error after 100 ms
    expect(wrapper.find('.el-form-item.is-error').text()).toContain('必填')
    expect(calls).toHaveLength(1)

    answers.push(() => json(200, { id: 42, status: 'assigned', assignee_id: 11, version: 4 }, { ETag: '"4"' }))
    await wrapper.find('textarea[data-test=assign-reason]').setValue('刘强请假')
    await wrapper.find('[data-test=assign-confirm]').trigger('click')
    await flushPromises()

    const patch = calls[1]!
    expect(patch.method).toBe('PATCH')
    expect(patch.headers.get('If-Match')).toBe('"3"')
    expect(await patch.json()).toEqual({ assignee_id: 11, reason: '刘强请假' })
    expect(wrapper.emitted('assigned')![0]).toEqual([expect.objectContaining({ assignee_id: 11 }), '"4"'])
    expect(wrapper.emitted('update:modelValue')![0]).toEqual([false])
  })

  it('a stale ticket (412) asks the page to reload', async () => {
    const wrapper = await open({ assignee_id: null, status: 'new' })
    answers.push(() => json(412, { code: 412, status: 'Precondition Failed', message: 'changed' }))
    await rows(wrapper)[0]!.find('input').setValue(true)
    await wrapper.find('[data-test=assign-confirm]').trigger('click')
    await flushPromises()
    expect(wrapper.emitted('conflict')).toHaveLength(1)
    expect(wrapper.emitted('assigned')).toBeUndefined()
  })

  it('shows no list to whoever may not route the ticket (403)', async () => {
    answers.splice(0, answers.length, () => json(403, { code: 403, status: 'Forbidden', message: 'Routing this ticket needs ticket.assign.' }))
    const wrapper = await open({ assignee_id: null, status: 'new' })
    expect(rows(wrapper)).toHaveLength(0)
    expect(wrapper.find('[data-test=forbidden]').exists()).toBe(true)
  })
})
