import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createI18n } from 'vue-i18n'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import zhCN from '@/i18n/zh-CN'
import TicketListView from '@/features/tickets/views/TicketListView.vue'
import { json } from './http'

async function mountList(url: string) {
  const requests: URL[] = []
  vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
    const at = new URL(req.url)
    requests.push(at)
    return json(200, [], { 'X-Pagination': JSON.stringify({ total: 0 }) })
  }))
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/tickets', name: 'tickets', component: TicketListView },
      { path: '/tickets/new', name: 'intake', component: { render: () => null } },
      { path: '/tickets/:id', name: 'ticket', component: { render: () => null } },
    ],
  })
  await router.push(url)
  const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN } })
  const wrapper = mount(TicketListView, { global: { plugins: [router, i18n, ElementPlus] } })
  await flushPromises()
  return { wrapper, requests, router }
}

describe('TicketListView: filters carried in by URL', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('reads the resolution time and the channels (the dashboard click-through) and shows them as tags', async () => {
    const { wrapper, requests } = await mountList(
      '/tickets?resolved_from=2026-09-07T00:00:00%2B08:00&resolved_to=2026-11-27T00:00:00%2B08:00&channel=wechat&channel=pigeon&channel=phone&created_from=2026-09-07T00:00:00%2B08:00&created_to=2026-09-14T00:00:00%2B08:00',
    )
    const asked = requests.find((u) => u.pathname === '/api/v1/tickets')!
    expect(asked.searchParams.get('resolved_from')).toBe('2026-09-07T00:00:00+08:00')
    expect(asked.searchParams.get('resolved_to')).toBe('2026-11-27T00:00:00+08:00')
    expect(asked.searchParams.getAll('channel')).toEqual(['wechat', 'phone']) // an unknown channel is dropped
    expect(asked.searchParams.get('created_from')).toBe('2026-09-07T00:00:00+08:00')
    const tags = wrapper.get('[data-test=carried-filters]').findAll('.el-tag').map((tag) => tag.text())
    // The ends are exclusive: the last day shown is the one before.
    expect(tags).toEqual(['受理时间：2026-09-07 ~ 2026-09-13', '解决时间：2026-09-07 ~ 2026-11-26', '来源渠道：微信、电话'])
  })

  it('drops a carried filter when its tag is closed', async () => {
    const { wrapper, requests, router } = await mountList('/tickets?channel=walk_in&resolved_from=2026-11-23T00:00:00%2B08:00')
    const channelTag = wrapper.get('[data-test=carried-filters]').findAll('.el-tag').find((tag) => tag.text().startsWith('来源渠道'))!
    await channelTag.get('.el-tag__close').trigger('click')
    await flushPromises()
    const last = requests.filter((u) => u.pathname === '/api/v1/tickets').at(-1)!
    expect(last.searchParams.has('channel')).toBe(false)
    expect(last.searchParams.get('resolved_from')).toBe('2026-11-23T00:00:00+08:00')
    expect(router.currentRoute.value.query).toEqual({ resolved_from: '2026-11-23T00:00:00+08:00' })
    expect(wrapper.get('[data-test=carried-filters]').text()).toContain('解决时间：2026-11-23 ~')
  })
})
