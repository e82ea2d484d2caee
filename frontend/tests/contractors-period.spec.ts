import { describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createI18n } from 'vue-i18n'
import ElementPlus from 'element-plus'
import zhCN from '@/i18n/zh-CN'
import PeriodPicker from '@/features/contractors/components/PeriodPicker.vue'
import { changeKind, defaultPeriod, formatPeriod, parsePeriod, periodStart, scorecardQuery, type Period } from '@/features/contractors/store'

describe('scorecard period → query', () => {
  it('writes months, quarters and years as the API reads them', () => {
    expect(scorecardQuery({ kind: 'month', year: 2026, month: 3 }, 2)).toEqual({ period: '2026-03', org_unit_id: 2 })
    expect(scorecardQuery({ kind: 'quarter', year: 2026, quarter: 4 }, null)).toEqual({ period: '2026-Q4' })
    expect(scorecardQuery({ kind: 'year', year: 2025 }, 1)).toEqual({ period: '2025', org_unit_id: 1 })
  })

  it('reads back what it writes and refuses anything else', () => {
    for (const value of ['2026-10', '2026-01', '2026-Q1', '2026-Q4', '2026']) expect(formatPeriod(parsePeriod(value)!)).toBe(value)
    for (const value of ['2026-13', '2026-00', '2026-Q5', '26', '2026-1', 'x', undefined, ['2026']]) expect(parsePeriod(value)).toBeNull()
  })

  it('opens at the current month (Shanghai day)', () => {
    expect(defaultPeriod('2026-11-30')).toEqual({ kind: 'month', year: 2026, month: 11 })
  })

  it('switches kind around today, or keeping a past period’s first day', () => {
    const today = '2026-11-20'
    const now: Period = { kind: 'month', year: 2026, month: 11 }
    expect(formatPeriod(changeKind(now, 'quarter', today))).toBe('2026-Q4')
    expect(formatPeriod(changeKind({ kind: 'year', year: 2026 }, 'month', today))).toBe('2026-11')
    expect(formatPeriod(changeKind({ kind: 'month', year: 2025, month: 8 }, 'quarter', today))).toBe('2025-Q3')
    expect(formatPeriod(changeKind({ kind: 'quarter', year: 2025, quarter: 3 }, 'month', today))).toBe('2025-07')
    expect(formatPeriod(changeKind({ kind: 'quarter', year: 2025, quarter: 3 }, 'year', today))).toBe('2025')
    expect(periodStart({ kind: 'quarter', year: 2026, quarter: 2 })).toBe('2026-04-01')
  })
})

describe('PeriodPicker', () => {
  function mountPicker(start: Period) {
    const model = ref<Period>(start)
    const Host = defineComponent({
      setup: () => () => h(PeriodPicker, { modelValue: model.value, 'onUpdate:modelValue': (v: Period) => (model.value = v), today: '2026-11-20' }),
    })
    const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN } })
    const wrapper = mount(Host, { global: { plugins: [i18n, ElementPlus] }, attachTo: document.body })
    return { wrapper, model }
  }

  it('switches month → quarter → year with the radio buttons, labelled in Chinese', async () => {
    const { wrapper, model } = mountPicker({ kind: 'month', year: 2026, month: 11 })
    const radios = wrapper.get('[data-test=scorecard-period]').findAll('.el-radio-button')
    expect(radios.map((r) => r.text())).toEqual(['月度', '季度', '年度'])
    expect(wrapper.find('[data-test=scorecard-quarter]').exists()).toBe(false)
    await radios[1]!.get('input').setValue(true)
    await flushPromises()
    expect(formatPeriod(model.value)).toBe('2026-Q4')
    expect(wrapper.find('[data-test=scorecard-quarter]').exists()).toBe(true)
    await radios[2]!.get('input').setValue(true)
    await flushPromises()
    expect(formatPeriod(model.value)).toBe('2026')
    expect(wrapper.find('[data-test=scorecard-quarter]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('shows the chosen month in the month picker', async () => {
    const { wrapper } = mountPicker({ kind: 'month', year: 2026, month: 10 })
    expect((wrapper.get('[data-test=scorecard-period] input.el-input__inner').element as HTMLInputElement).value).toBe('2026-10')
    wrapper.unmount()
  })
})
