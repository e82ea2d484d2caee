import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createI18n } from 'vue-i18n'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus, { ElMessageBox } from 'element-plus'
import zhCN from '@/i18n/zh-CN'
import { useAuthStore } from '@/stores/auth'
import { useScopeStore } from '@/stores/scope'
import ContractorListView from '@/features/contractors/views/ContractorListView.vue'
import { shanghaiToday } from '@/features/contractors/store'
import { json } from './http'

const tree = [{
  id: 1, kind: 'hq', name: '集团', path: '/1/', children: [
    { id: 2, kind: 'region', name: '华东区域', path: '/1/2/', children: [{ id: 3, kind: 'project', name: '滨江壹号', path: '/1/2/3/', children: [] }] },
    { id: 4, kind: 'region', name: '华南区域', path: '/1/4/', children: [{ id: 5, kind: 'project', name: '海湾花园', path: '/1/4/5/', children: [] }] },
  ],
}]

function addDays(n: number): string {
  return new Date(Date.parse(`${shanghaiToday()}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)
}

const contractors = [
  { id: 7, name: '沪安防水', trades: ['waterproofing', 'plumbing'], contact_name: '张工', contact_phone: '021-5555 0101', org_unit_ids: [2], contract_start: '2025-01-01', contract_end: addDays(10), is_active: true },
  { id: 8, name: '南方门窗', trades: ['doors_windows'], contact_name: null, contact_phone: null, org_unit_ids: [3, 5], contract_start: '2025-01-01', contract_end: addDays(400), is_active: false },
]

type Answer = (req: Request) => Response
async function mountList(url: string, answers: Record<string, Answer> = {}, permissions = ['contractor.read', 'contractor.manage']) {
  const requests: Request[] = []
  vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
    requests.push(req)
    const at = new URL(req.url)
    const answer = answers[`${req.method} ${at.pathname}`]
    if (answer) return answer(req)
    if (at.pathname === '/api/v1/contractors') return json(200, contractors, { 'X-Pagination': JSON.stringify({ total: 2, page: 1, total_pages: 1 }) })
    throw new Error(`unexpected ${req.method} ${at.pathname}`)
  }))
  const auth = useAuthStore()
  auth.me = { id: 1, name: '区域经理', permissions, scopes: [{ org_unit_id: 2, kind: 'region', permissions }] }
  const scope = useScopeStore()
  scope.tree = tree as never
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/contractors', name: 'contractors', component: ContractorListView }] })
  await router.push(url)
  const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN } })
  const wrapper = mount(ContractorListView, { global: { plugins: [router, i18n, ElementPlus] }, attachTo: document.body })
  await flushPromises()
  const lists = () => requests.filter((r) => r.method === 'GET').map((r) => Object.fromEntries(new URL(r.url).searchParams))
  return { wrapper, requests, lists, router, scope }
}

describe('ContractorListView', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    localStorage.clear()
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })

  it('reads the filters from the URL into the query, with the header scope', async () => {
    const { lists, scope, router } = await mountList('/contractors?q=沪安&trade=plumbing&active=inactive&trade_bad=1')
    expect(lists()[0]).toEqual({ q: '沪安', trade: 'plumbing', active: 'false', page: '1', page_size: '20' })
    scope.select(2)
    await flushPromises()
    expect(lists().at(-1)).toEqual({ q: '沪安', trade: 'plumbing', active: 'false', org_unit_id: '2', page: '1', page_size: '20' })
    expect(router.currentRoute.value.query).toEqual({ q: '沪安', trade: 'plumbing', active: 'inactive' })
  })

  it('drops an unknown trade or status from the URL', async () => {
    const { lists } = await mountList('/contractors?trade=roofing&active=maybe')
    expect(lists()[0]).toEqual({ page: '1', page_size: '20' })
  })

  it('searches on Enter and resets every filter', async () => {
    const { wrapper, lists, router } = await mountList('/contractors?active=active')
    await wrapper.get('input[data-test=contractor-q]').setValue('门窗')
    await wrapper.get('input[data-test=contractor-q]').trigger('keyup', { key: 'Enter' })
    await flushPromises()
    expect(lists().at(-1)).toEqual({ q: '门窗', active: 'true', page: '1', page_size: '20' })
    expect(router.currentRoute.value.query).toEqual({ q: '门窗', active: 'active' })
    const reset = wrapper.findAll('button').find((b) => b.text() === '重置')!
    await reset.trigger('click')
    await flushPromises()
    expect(lists().at(-1)).toEqual({ page: '1', page_size: '20' })
  })

  it('shows a row per contractor: trades as tags, units by name, the contract ending soon marked, the status', async () => {
    const { wrapper } = await mountList('/contractors')
    const rows = wrapper.findAll('tr[data-test=contractor-row]')
    expect(rows).toHaveLength(2)
    const first = rows[0]!
    expect(first.text()).toContain('沪安防水')
    expect(first.findAll('.el-tag').map((t) => t.text())).toEqual(expect.arrayContaining(['防水', '给排水', '华东区域', '10 天后到期', '合作中']))
    expect(first.find('[data-test=contract-expiring]').exists()).toBe(true)
    const second = rows[1]!
    expect(second.find('[data-test=contract-expiring]').exists()).toBe(false)
    expect(second.get('[data-test=contractor-status]').text()).toBe('已停用')
    expect(second.text()).toContain('滨江壹号')
    expect(second.text()).toContain('海湾花园')
  })

  it('offers edit and deactivate only for contractors the caller manages everywhere they serve', async () => {
    const { wrapper } = await mountList('/contractors')
    const rows = wrapper.findAll('tr[data-test=contractor-row]')
    // el-table renders the fixed actions column in its own body: count the buttons instead.
    expect(wrapper.findAll('[data-test=contractor-edit]')).toHaveLength(1)
    expect(wrapper.findAll('[data-test=contractor-deactivate]')).toHaveLength(1)
    expect(wrapper.findAll('[data-test=contractor-activate]')).toHaveLength(0)
    expect(rows).toHaveLength(2)
  })

  it('hides the manage actions from a reader', async () => {
    const { wrapper } = await mountList('/contractors', {}, ['contractor.read'])
    expect(wrapper.find('[data-test=new-contractor]').exists()).toBe(false)
    expect(wrapper.find('[data-test=contractor-edit]').exists()).toBe(false)
  })

  it('deactivates after confirming; open work orders (409) are shown in a message box', async () => {
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockResolvedValue('confirm' as never)
    const alert = vi.spyOn(ElMessageBox, 'alert').mockResolvedValue('confirm' as never)
    const { wrapper, requests } = await mountList('/contractors', {
      'PATCH /api/v1/contractors/7': () => json(409, { code: 409, status: 'Conflict', message: 'The contractor has 2 open work orders.' }),
    })
    await wrapper.get('[data-test=contractor-deactivate]').trigger('click')
    await flushPromises()
    expect(confirm).toHaveBeenCalledOnce()
    expect(confirm.mock.calls[0]![0]).toContain('沪安防水')
    const patch = requests.find((r) => r.method === 'PATCH')!
    expect(await patch.json()).toEqual({ is_active: false })
    expect(alert).toHaveBeenCalledOnce()
    const [message, title] = alert.mock.calls[0]! as unknown as [string, string]
    expect(title).toBe('无法停用该维修单位')
    expect(message).toContain('未完成的派工单')
    expect(message).toContain('The contractor has 2 open work orders.')
  })

  it('does not deactivate when the confirmation is cancelled', async () => {
    vi.spyOn(ElMessageBox, 'confirm').mockRejectedValue('cancel')
    const { wrapper, requests } = await mountList('/contractors')
    await wrapper.get('[data-test=contractor-deactivate]').trigger('click')
    await flushPromises()
    expect(requests.some((r) => r.method === 'PATCH')).toBe(false)
  })

  it('registers a contractor from the dialog; 422 field errors show at their fields and the dialog stays', async () => {
    const { wrapper, requests, scope } = await mountList('/contractors', {
      'POST /api/v1/contractors': () =>
        json(422, { code: 422, status: 'Unprocessable Entity', message: 'Invalid', errors: { json: { contract_end: ['Missing data for required field.'], org_unit_ids: { 0: ['Unknown org unit.'] } } } }),
    })
    scope.select(2)
    await flushPromises()
    await wrapper.get('[data-test=new-contractor]').trigger('click')
    await flushPromises()
    const dialog = document.querySelector('[data-test=contractor-form]')!
    const name = dialog.querySelector('input[data-test=contractor-name]') as HTMLInputElement
    name.value = '浦江水电'
    name.dispatchEvent(new Event('input'))
    const boxes = [...dialog.querySelectorAll('[data-test=contractor-trades] input[type=checkbox]')] as HTMLInputElement[]
    expect(boxes).toHaveLength(6)
    boxes[1]!.click()
    await flushPromises()
    boxes[2]!.click()
    await flushPromises()
    ;(dialog.querySelector('[data-test=contractor-save]') as HTMLButtonElement).click()
    await flushPromises()
    const post = requests.find((r) => r.method === 'POST')!
    expect(await post.json()).toEqual({ name: '浦江水电', trades: ['electrical', 'plumbing'], org_unit_ids: [2], contract_start: shanghaiToday() })
    // The fields in error, by label (the API's messages ride along in `:error`).
    const inError = [...dialog.querySelectorAll('.el-form-item.is-error .el-form-item__label')].map((e) => e.textContent?.trim())
    expect(inError).toEqual(['服务范围', '合同结束'])
    expect((dialog.closest('.el-overlay') as HTMLElement).style.display).not.toBe('none')
  })
})
