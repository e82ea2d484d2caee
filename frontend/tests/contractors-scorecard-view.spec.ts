import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createI18n } from 'vue-i18n'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import zhCN from '@/i18n/zh-CN'
import { useAuthStore } from '@/stores/auth'
import { useScopeStore } from '@/stores/scope'
import ScorecardView from '@/features/contractors/views/ScorecardView.vue'
import type { ScorecardRow } from '@/features/contractors/store'
import { json } from './http'

// No canvas in jsdom: every chart is a placeholder that keeps its option.
const charts: unknown[] = []
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    props: { option: { type: Object, required: true } },
    setup: (props) => () => {
      charts.push(props.option)
      return h('div', { class: 'chart-stub' })
    },
  }),
}))

const tree = [{
  id: 1, kind: 'hq', name: '集团', path: '/1/', children: [
    { id: 2, kind: 'region', name: '华东区域', path: '/1/2/', parent_id: 1, children: [{ id: 3, kind: 'project', name: '滨江壹号', path: '/1/2/3/', parent_id: 2, children: [] }] },
    { id: 4, kind: 'region', name: '华南区域', path: '/1/4/', parent_id: 1, children: [] },
  ],
}]

function row(overrides: Partial<ScorecardRow>): ScorecardRow {
  return {
    region_id: 2, region_name: '华东区域', contractor_id: 7, contractor_name: '沪安防水', trades: ['waterproofing'],
    jobs: 12, on_time_jobs: 10, on_time_rate: 0.8333, scored_jobs: 9, avg_satisfaction: 4.22, reopened_jobs: 1,
    reopen_rate: 0.0833, cost_total: '12500.00', bonus_penalty: '125.00', rank: 1, ranked_in_region: 3, flagged: false,
    ...overrides,
  }
}
const rows = [
  row({}),
  row({ contractor_id: 8, contractor_name: '南方门窗', trades: ['doors_windows'], avg_satisfaction: 2.5, rank: 2, bonus_penalty: '-312.50', flagged: true }),
  row({ contractor_id: 9, contractor_name: '新锐装修', trades: ['decoration'], jobs: 0, on_time_jobs: 0, on_time_rate: null, scored_jobs: 0, avg_satisfaction: null, reopened_jobs: 0, reopen_rate: null, cost_total: '0.00', bonus_penalty: '0.00', rank: null }),
  row({ region_id: 4, region_name: '华南区域', contractor_id: 7, jobs: 3, avg_satisfaction: 5, rank: 1, ranked_in_region: 1, bonus_penalty: '60.00' }),
]
const card = (period: string, r = rows) => ({ period, starts_on: '2026-10-01', ends_on: '2026-10-31', org_unit_id: 1, rows: r })

async function mountView(url: string, opts: { unitId?: number | null; answer?: (url: URL) => Response } = {}) {
  const requests: URL[] = []
  vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
    const at = new URL(req.url)
    requests.push(at)
    if (opts.answer) return opts.answer(at)
    return json(200, card(at.searchParams.get('period') ?? ''))
  }))
  const auth = useAuthStore()
  auth.me = { id: 1, name: '客户关系中心', permissions: ['contractor.read', 'contractor.manage'], scopes: [{ org_unit_id: 1, kind: 'hq', permissions: ['contractor.read', 'contractor.manage'] }] }
  const scope = useScopeStore()
  scope.tree = tree as never
  scope.loaded = true
  if (opts.unitId !== undefined) scope.select(opts.unitId)
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/contractors/scorecard', name: 'contractor-scorecard', component: ScorecardView }] })
  await router.push(url)
  const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN } })
  const wrapper = mount(ScorecardView, { global: { plugins: [router, i18n, ElementPlus] }, attachTo: document.body })
  await flushPromises()
  const scorecards = () => requests.filter((u) => u.pathname === '/api/v1/contractors/scorecard').map((u) => Object.fromEntries(u.searchParams))
  return { wrapper, requests, scorecards, router, scope }
}

describe('ScorecardView', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    localStorage.clear()
    charts.length = 0
    vi.stubGlobal('ResizeObserver', class { observe() {} unobserve() {} disconnect() {} })
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })

  it('asks for the period of the URL at the header scope’s region', async () => {
    const { scorecards, router } = await mountView('/contractors/scorecard?period=2026-Q3', { unitId: 2 })
    expect(scorecards()).toEqual([{ period: '2026-Q3', org_unit_id: '2' }])
    expect(router.currentRoute.value.query).toEqual({ period: '2026-Q3' })
  })

  it('takes a project’s region, and follows the header when it changes', async () => {
    const { scorecards, scope } = await mountView('/contractors/scorecard?period=2026-10', { unitId: 3 })
    expect(scorecards()).toEqual([{ period: '2026-10', org_unit_id: '2' }])
    scope.select(null)
    await flushPromises()
    expect(scorecards().at(-1)).toEqual({ period: '2026-10' })
  })

  it('asks again when the period kind changes', async () => {
    const { wrapper, scorecards } = await mountView('/contractors/scorecard?period=2025-11')
    const year = wrapper.get('[data-test=scorecard-period]').findAll('.el-radio-button')[2]!
    await year.get('input').setValue(true)
    await flushPromises()
    expect(scorecards().at(-1)).toEqual({ period: '2025' })
  })

  it('shows one ranking chart per region and every row grouped by region', async () => {
    const { wrapper } = await mountView('/contractors/scorecard?period=2026-10')
    expect(wrapper.findAll('[data-test=scorecard-chart]')).toHaveLength(2)
    expect(wrapper.findAll('[data-test=scorecard-region]').map((r) => r.text())).toEqual([
      expect.stringContaining('华东区域'),
      expect.stringContaining('华南区域'),
    ])
    const tableRows = wrapper.findAll('[data-test=scorecard-row]')
    expect(tableRows).toHaveLength(4)
    const [first, flagged, unscored] = tableRows as [typeof tableRows[0], typeof tableRows[0], typeof tableRows[0]]
    expect(first.get('[data-test=on-time]').text()).toContain('83.3%')
    expect(first.get('[data-test=avg]').text()).toBe('4.22')
    expect(first.get('[data-test=reopen]').text()).toContain('8.3%')
    expect(first.get('[data-test=rank]').text()).toBe('1 / 3')
    expect(first.get('[data-test=bonus]').text()).toBe('+125.00')
    expect(first.get('[data-test=bonus]').classes()).toContain('bonus')
    expect(first.find('[data-test=flagged]').exists()).toBe(false)
    expect(flagged.get('[data-test=bonus]').text()).toBe('−312.50')
    expect(flagged.get('[data-test=bonus]').classes()).toContain('penalty')
    expect(flagged.get('[data-test=flagged]').text()).toBe('末位')
    expect(flagged.classes()).toContain('flagged')
    expect(unscored.get('[data-test=rank]').text()).toBe('未评分')
    expect(unscored.get('[data-test=avg]').text()).toBe('—')
    expect(unscored.text()).toContain('装修')
    // The charts got the region's bars, the flagged one red.
    const colours = charts.flatMap((o) => (o as { series: { data: { itemStyle: { color: string } }[] }[] }).series[0]!.data.map((d) => d.itemStyle.color))
    expect(colours).toContain('#f56c6c')
  })

  it('shows the empty state when no job was finished in the period', async () => {
    const idle = [row({ jobs: 0, on_time_jobs: 0, on_time_rate: null, scored_jobs: 0, avg_satisfaction: null, rank: null, bonus_penalty: '0.00', cost_total: '0.00' })]
    const { wrapper } = await mountView('/contractors/scorecard?period=2026-10', { answer: (u) => json(200, card(u.searchParams.get('period') ?? '', idle)) })
    expect(wrapper.text()).toContain('本期没有完工的派工单')
    expect(wrapper.find('[data-test=scorecard-row]').exists()).toBe(false)
    expect(wrapper.get('[data-test=scorecard-export]').attributes('disabled')).toBeDefined()
  })

  it('shows the API’s refusal (a project is not a ranking unit)', async () => {
    const { wrapper } = await mountView('/contractors/scorecard?period=2026-10', {
      answer: () => json(422, { code: 422, status: 'Unprocessable Entity', message: 'the scorecard ranks within a region: pick a region or the group' }),
    })
    expect(wrapper.text()).toContain('pick a region or the group')
  })

  it('downloads the export named by Content-Disposition', async () => {
    // jsdom has no object URLs: lend them for this test.
    const createObjectURL = vi.fn(() => 'blob:scorecard')
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() })
    onTestFinished(() => {
      delete (URL as { createObjectURL?: unknown }).createObjectURL
      delete (URL as { revokeObjectURL?: unknown }).revokeObjectURL
    })
    const clicked: string[] = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download)
    })
    const { wrapper, requests } = await mountView('/contractors/scorecard?period=2026-10&unit=4', {
      answer: (u) =>
        u.pathname.endsWith('/export')
          ? new Response(new TextEncoder().encode('PK'), { status: 200, headers: { 'Content-Disposition': 'attachment; filename=scorecard-2026-10.xlsx' } })
          : json(200, card('2026-10')),
    })
    await wrapper.get('[data-test=scorecard-export]').trigger('click')
    await flushPromises()
    const exported = requests.find((u) => u.pathname === '/api/v1/contractors/scorecard/export')!
    expect(Object.fromEntries(exported.searchParams)).toEqual({ period: '2026-10', org_unit_id: '4' })
    expect(createObjectURL).toHaveBeenCalledOnce()
    expect(clicked).toEqual(['scorecard-2026-10.xlsx'])
  })
})
