import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createI18n } from 'vue-i18n'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import zhCN from '@/i18n/zh-CN'
import type { Me } from '@/api/client'
import { useAuthStore } from '@/stores/auth'
import PiiText from '@/features/customers/components/PiiText.vue'
import CustomerDetailView from '@/features/customers/views/CustomerDetailView.vue'
import { json } from './http'

const i18n = () => createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN } })

function mountPii(props: { value?: string | null; masked: boolean; revealable: boolean }) {
  return mount(PiiText, { props, global: { plugins: [i18n(), ElementPlus] } })
}

describe('PiiText: personal data on screen', () => {
  it('shows the masked value with "显示" when the role may reveal it; the click asks for the reveal', async () => {
    const wrapper = mountPii({ value: '138****1234', masked: true, revealable: true })
    expect(wrapper.get('[data-test="pii-value"]').text()).toBe('138****1234')
    const toggle = wrapper.get('[data-test="pii-toggle"]')
    expect(toggle.text()).toBe('显示')
    expect(wrapper.find('[data-test="pii-locked"]').exists()).toBe(false)
    await toggle.trigger('click')
    expect(wrapper.emitted('reveal')).toHaveLength(1)
    expect(wrapper.emitted('hide')).toBeUndefined()
  })

  it('a revealed value shows in full with "隐藏", which hides it again', async () => {
    const wrapper = mountPii({ value: '13812341234', masked: false, revealable: true })
    expect(wrapper.get('[data-test="pii-value"]').text()).toBe('13812341234')
    const toggle = wrapper.get('[data-test="pii-toggle"]')
    expect(toggle.text()).toBe('隐藏')
    await toggle.trigger('click')
    expect(wrapper.emitted('hide')).toHaveLength(1)
    expect(wrapper.emitted('reveal')).toBeUndefined()
  })

  it('without the right to reveal (viewer), a lock and no button', () => {
    const wrapper = mountPii({ value: '132****1875', masked: true, revealable: false })
    expect(wrapper.get('[data-test="pii-value"]').text()).toBe('132****1875')
    expect(wrapper.find('[data-test="pii-locked"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="pii-toggle"]').exists()).toBe(false)
  })

  it('an empty value is a dash, without buttons', () => {
    const wrapper = mountPii({ value: null, masked: true, revealable: true })
    expect(wrapper.text()).toBe('—')
    expect(wrapper.find('button').exists()).toBe(false)
  })
})

describe('CustomerDetailView: reveal on demand', () => {
  const masked = {
    id: 5, name: '张伟明', phone: '138****1234', phones: [{ phone: '138****1234', is_primary: true }], id_number: '3101**********1234',
    pii_masked: true, pii_revealable: true, kind: 'person', tier: 'normal', stage: 'prospect', source_channel: 'walk_in', tags: [], org_unit_id: 3,
  }
  const unmasked = {
    ...masked, phone: '13812341234', phones: [{ phone: '13812341234', is_primary: true }], id_number: '310101199001011234', pii_masked: false,
  }

  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  async function mountFile(file: typeof masked) {
    const requests: URL[] = []
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      const url = new URL(req.url)
      requests.push(url)
      if (url.pathname === '/api/v1/customers/5') return json(200, url.searchParams.get('reveal') === 'true' ? unmasked : file)
      return json(200, []) // units, timeline, tickets
    }))
    useAuthStore().me = { permissions: ['customer.read', 'customer.write', 'customer.pii', 'ticket.write'], scopes: [] } as unknown as Me
    const stub = { render: () => null }
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/customers/:id', name: 'customer', component: CustomerDetailView },
        { path: '/intake', name: 'intake', component: stub },
        { path: '/tickets', name: 'tickets', component: stub },
        { path: '/tickets/:id', name: 'ticket', component: stub },
      ],
    })
    await router.push('/customers/5')
    const wrapper = mount(CustomerDetailView, { props: { id: 5 }, global: { plugins: [router, i18n(), ElementPlus] } })
    await flushPromises()
    return { wrapper, requests, router }
  }
  const reveals = (requests: URL[]) => requests.filter((u) => u.searchParams.get('reveal') === 'true').length
  const phone = (wrapper: Awaited<ReturnType<typeof mountFile>>['wrapper']) => wrapper.get('[data-test="phone"] [data-test="pii-value"]').text()

  it('shows the file masked; "显示" reveals it through the API once, "隐藏" masks it again without a call', async () => {
    const { wrapper, requests, router } = await mountFile(masked)
    expect(phone(wrapper)).toBe('138****1234')
    expect(wrapper.get('[data-test="id-number"] [data-test="pii-value"]').text()).toBe('3101**********1234')
    expect(reveals(requests)).toBe(0)
    // Masked, the new-ticket button hands the file over by its id.
    await wrapper.get('[data-test="new-ticket"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ customer_id: '5' })

    await wrapper.get('[data-test="phone"] [data-test="pii-toggle"]').trigger('click')
    await flushPromises()
    expect(reveals(requests)).toBe(1)
    expect(phone(wrapper)).toBe('13812341234')
    expect(wrapper.get('[data-test="id-number"] [data-test="pii-value"]').text()).toBe('310101199001011234')
    await router.push('/customers/5')
    await wrapper.get('[data-test="new-ticket"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ phone: '13812341234' })

    await wrapper.get('[data-test="id-number"] [data-test="pii-toggle"]').trigger('click')
    await flushPromises()
    expect(phone(wrapper)).toBe('138****1234')
    expect(reveals(requests)).toBe(1)
  })

  it('a file the role may not reveal shows the lock and the hint, and never asks for a reveal', async () => {
    const { wrapper, requests } = await mountFile({ ...masked, pii_revealable: false })
    expect(phone(wrapper)).toBe('138****1234')
    expect(wrapper.find('[data-test="phone"] [data-test="pii-locked"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="pii-toggle"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="pii-masked-hint"]').exists()).toBe(true)
    expect(reveals(requests)).toBe(0)
  })
})
