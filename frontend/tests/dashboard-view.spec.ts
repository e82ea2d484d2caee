import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createI18n } from 'vue-i18n'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import zhCN from '@/i18n/zh-CN'
import { useScopeStore } from '@/stores/scope'
import DashboardView from '@/features/dashboard/views/DashboardView.vue'
import { json } from './http'

// No canvas in jsdom: every chart is a placeholder.
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    props: { option: { type: Object, required: true } },
    setup: () => () => h('div', { class: 'chart-stub' }),
  }),
}))

const overview = {
  period: { from: '2026-09-07', to: '2026-11-26' },
  totals: { created: 109, resolved: 79, open_now: 30, overdue_now: 5, major_open_now: 1 },
  sla: { response_total: 105, response_met: 80, response_rate: 0.7619, resolution_total: 82, resolution_met: 42, resolution_rate: 0.5122 },
  satisfaction: { count: 73, average: 3.89 },
  by_status: [{ key: 'new', count: 6 }, { key: 'closed', count: 103 }],
  by_type: [{ key: 'complaint', count: 42 }, { key: 'repair', count: 67 }],
  by_category: [{ key: '1', label: '工程质量', count: 43 }, { key: 'none', label: null, count: 66 }],
  trend: [{ week_start: '2026-09-07', created: 109, resolved: 79 }],
  top_projects: [{ org_unit_id: 3, name: '上海·滨江壹号', open_complaints: 3 }],
}
const emptyOverview = {
  ...overview,
  totals: { created: 0, resolved: 0, open_now: 0, overdue_now: 0, major_open_now: 0 },
  sla: { response_total: 0, response_met: 0, response_rate: null, resolution_total: 0, resolution_met: 0, resolution_rate: null },
  satisfaction: { count: 0, average: null },
  by_status: [], by_type: [], by_category: [], trend: [], top_projects: [],
}

async function mountDashboard(answer: (url: URL) => Response) {
  const requests: URL[] = []
  vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
    const url = new URL(req.url)
    requests.push(url)
    if (url.pathname === '/api/v1/categories') return json(200, [])
    if (url.pathname === '/api/v1/reports/breakdown') return json(200, [{ key: '3', label: '上海·滨江壹号', count: 13, open: 5, overdue: 1, resolved: 8, resolution_rate: 0.375 }])
    return answer(url)
  }))
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/dashboard', name: 'dashboard', component: DashboardView },
      { path: '/tickets', name: 'tickets', component: { render: () => null } },
    ],
  })
  await router.push('/dashboard?from=2026-09-07&to=2026-11-26')
  const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN } })
  const wrapper = mount(DashboardView, { global: { plugins: [router, i18n, ElementPlus] } })
  await flushPromises()
  return { wrapper, requests }
}

describe('DashboardView', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.stubGlobal('ResizeObserver', class { observe() {} unobserve() {} disconnect() {} })
  })
  afterEach(() => vi.unstubAllGlobals())

  it('renders the KPI cards and links the overdue card to the overdue list', async () => {
    const { wrapper } = await mountDashboard(() => json(200, overview))
    const value = (key: string) => wrapper.get(`[data-test=kpi-${key}] [data-test=kpi-value]`).text()
    expect(value('created')).toBe('109')
    expect(value('resolved')).toBe('79')
    expect(value('open')).toBe('30')
    expect(value('overdue')).toBe('5')
    expect(value('major')).toBe('1')
    expect(value('response')).toBe('76.2%')
    expect(wrapper.get('[data-test=kpi-response]').text()).toContain('及时 80 / 105')
    expect(value('resolution')).toBe('51.2%')
    expect(value('satisfaction')).toBe('3.9 / 5')
    expect(wrapper.get('[data-test=kpi-satisfaction]').text()).toContain('73 份评价')

    const overdue = wrapper.get('[data-test=kpi-overdue]')
    expect(overdue.element.tagName).toBe('A')
    expect(overdue.attributes('href')).toBe('/tickets?overdue=true')
    expect(overdue.classes()).toContain('danger')
    // 已解决 opens the tickets resolved in the period (by resolution time).
    const resolved = wrapper.get('[data-test=kpi-resolved]')
    expect(resolved.element.tagName).toBe('A')
    const href = new URL(resolved.attributes('href')!, 'http://localhost')
    expect(href.pathname).toBe('/tickets')
    expect(Object.fromEntries(href.searchParams)).toEqual({ resolved_from: '2026-09-07T00:00:00+08:00', resolved_to: '2026-11-27T00:00:00+08:00' })
    // SLA rates and satisfaction are figures, not lists.
    expect(wrapper.get('[data-test=kpi-response]').element.tagName).toBe('DIV')
    expect(wrapper.find('[data-test=empty-period]').exists()).toBe(false)
    expect(wrapper.findAll('.chart-stub').length).toBeGreaterThanOrEqual(6)
    expect(wrapper.get('[data-test=breakdown-table]').text()).toContain('上海·滨江壹号')
  })

  it('asks for the header scope, and shows zeros and a hint for an empty period', async () => {
    useScopeStore().select(4)
    const { wrapper, requests } = await mountDashboard(() => json(200, emptyOverview))
    const asked = requests.find((u) => u.pathname === '/api/v1/reports/overview')!
    expect(asked.searchParams.get('org_unit_id')).toBe('4')
    expect(asked.searchParams.get('date_from')).toBe('2026-09-07')
    expect(wrapper.find('[data-test=empty-period]').exists()).toBe(true)
    expect(wrapper.get('[data-test=kpi-overdue] [data-test=kpi-value]').text()).toBe('0')
    expect(wrapper.get('[data-test=kpi-overdue]').classes()).not.toContain('danger')
    expect(wrapper.get('[data-test=kpi-response] [data-test=kpi-value]').text()).toBe('—')
    expect(wrapper.get('[data-test=kpi-satisfaction] [data-test=kpi-value]').text()).toBe('—')
  })

  it('shows the forbidden page when the API answers 403', async () => {
    const { wrapper } = await mountDashboard(() => json(403, { code: 403, status: 'Forbidden', message: 'no report.read' }))
    expect(wrapper.find('[data-test=kpi-created]').exists()).toBe(false)
    expect(wrapper.find('[data-test=forbidden]').exists()).toBe(true)
  })
})
