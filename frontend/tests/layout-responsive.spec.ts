import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createRouter, createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import AppLayout from '@/layout/AppLayout.vue'

/** A controllable `(max-width: 1023.98px)`: jsdom has no layout, so the test says how wide the window is. */
function screen(narrow: boolean) {
  const listeners = new Set<(e: MediaQueryListEvent) => void>()
  const query = {
    matches: narrow,
    addEventListener: (_: string, fn: (e: MediaQueryListEvent) => void) => listeners.add(fn),
    removeEventListener: (_: string, fn: (e: MediaQueryListEvent) => void) => listeners.delete(fn),
  }
  vi.stubGlobal('matchMedia', vi.fn(() => query))
  return {
    resize(toNarrow: boolean) {
      query.matches = toNarrow
      listeners.forEach((fn) => fn({ matches: toNarrow } as MediaQueryListEvent))
    },
  }
}

async function mountShell() {
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = {
    id: 6,
    name: '李娜',
    tenant: { name: '华夏置地集团' },
    permissions: ['ticket.read', 'ticket.write'],
    scopes: [{ org_unit_id: 3, org_unit_name: '上海·滨江壹号', kind: 'project', roles: ['project_agent'], permissions: ['ticket.read', 'ticket.write'] }],
  }
  const Blank = { template: '<div />' }
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/tickets', name: 'tickets', component: Blank },
      { path: '/tickets/new', name: 'intake', component: Blank },
      { path: '/notifications', name: 'notifications', component: Blank },
      { path: '/login', name: 'login', component: Blank },
    ],
  })
  await router.push('/tickets')
  const wrapper = mount(AppLayout, { global: { plugins: [pinia, router, i18n, ElementPlus] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

describe('app shell on a tablet', () => {
  beforeEach(() => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('[]', { status: 200, headers: { 'Content-Type': 'application/json' } })))
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })

  it('at desktop width shows the side menu and the units, and no menu button', async () => {
    screen(false)
    const { wrapper } = await mountShell()
    expect(wrapper.find('[data-test=menu-toggle]').exists()).toBe(false)
    expect(wrapper.find('.shell').classes()).not.toContain('narrow')
    expect(wrapper.find('.units').text()).toBe('上海·滨江壹号')
    expect(wrapper.find('[data-test=sign-out]').text()).toBe('退出登录')
  })

  it('below 1024 px hides the menu behind a button, tightens the header and closes the menu on navigation', async () => {
    screen(true)
    const { wrapper, router } = await mountShell()
    const shell = wrapper.find('.shell')
    const toggle = wrapper.find('[data-test=menu-toggle]')
    expect(shell.classes()).toContain('narrow')
    expect(shell.classes()).not.toContain('drawer-open')
    expect(wrapper.find('.units').exists()).toBe(false)
    expect(wrapper.find('[data-test=sign-out]').text()).toBe('')
    expect(wrapper.find('[data-test=sign-out]').attributes('aria-label')).toBe('退出登录')

    await toggle.trigger('click')
    expect(shell.classes()).toContain('drawer-open')
    expect(toggle.attributes('aria-expanded')).toBe('true')
    expect(wrapper.find('[data-test=menu-backdrop]').exists()).toBe(true)

    await router.push('/tickets/new')
    await flushPromises()
    expect(shell.classes()).not.toContain('drawer-open')

    await toggle.trigger('click')
    await wrapper.find('[data-test=menu-backdrop]').trigger('click')
    expect(shell.classes()).not.toContain('drawer-open')
  })

  it('growing past 1024 px closes the drawer and brings the side menu back', async () => {
    const media = screen(true)
    const { wrapper } = await mountShell()
    await wrapper.find('[data-test=menu-toggle]').trigger('click')
    media.resize(false)
    await flushPromises()
    expect(wrapper.find('.shell').classes()).not.toContain('narrow')
    expect(wrapper.find('.shell').classes()).not.toContain('drawer-open')
    expect(wrapper.find('[data-test=menu-toggle]').exists()).toBe(false)
  })
})
