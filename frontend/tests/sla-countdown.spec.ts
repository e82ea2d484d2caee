import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { createI18n } from 'vue-i18n'
import zhCN from '@/i18n/zh-CN'
import SlaCountdown from '@/features/tickets/components/SlaCountdown.vue'

const NOW = new Date('2026-11-26T10:00:00Z')

function mountAt(props: Record<string, unknown>) {
  const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN } })
  return mount(SlaCountdown, { props: { tick: 1000, ...props }, global: { plugins: [i18n] } })
}

describe('SlaCountdown', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(NOW)
  })
  afterEach(() => vi.useRealTimers())

  it('counts down and turns red once the due time passes', async () => {
    const wrapper = mountAt({ due: new Date(NOW.getTime() + 2_000).toISOString() })
    expect(wrapper.text()).toContain('剩余 0分 2秒')
    expect(wrapper.classes()).not.toContain('late')
    await vi.advanceTimersByTimeAsync(3_000)
    expect(wrapper.text()).toContain('已超时 0分 1秒')
    expect(wrapper.classes()).toContain('late')
  })

  it('shows hours and minutes for a longer span', () => {
    const wrapper = mountAt({ due: new Date(NOW.getTime() + (2 * 3600 + 5 * 60) * 1000).toISOString() })
    expect(wrapper.text()).toContain('剩余 2小时 5分')
  })

  it('is red when the API says breached, even before the due time', () => {
    const wrapper = mountAt({ due: new Date(NOW.getTime() + 60_000).toISOString(), breached: true })
    expect(wrapper.classes()).toContain('late')
  })

  it('stops once done: met in time is not red, met late is', () => {
    const due = new Date(NOW.getTime() - 60_000).toISOString()
    const early = mountAt({ due, doneAt: new Date(NOW.getTime() - 120_000).toISOString() })
    expect(early.text()).toContain('已完成')
    expect(early.classes()).not.toContain('late')
    const late = mountAt({ due, doneAt: new Date(NOW.getTime() - 30_000).toISOString() })
    expect(late.classes()).toContain('late')
  })
})
