import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import type { Me } from '@/api/client'
import { useAuthStore } from '@/stores/auth'
import { useAdminStore, type OrgTreeNode, type SlaPolicy } from '@/features/admin/store'
import SlaPoliciesView from '@/features/admin/views/SlaPoliciesView.vue'
import { json } from './http'

const TREE: OrgTreeNode[] = [
  {
    id: 1, kind: 'hq', name: '集团', code: 'HQ', path: '/1/', is_active: true, children: [
      {
        id: 2, parent_id: 1, kind: 'region', name: '华东区域公司', code: 'EAST', path: '/1/2/', is_active: true, children: [
          { id: 3, parent_id: 2, kind: 'project', name: '上海·滨江壹号', code: 'SH-BJ', path: '/1/2/3/', is_active: true, children: [] },
        ],
      },
    ],
  },
]

// At the project: repair/urgent set here (60/600, the region's would be 120/1200); repair/normal set
// here (90/900, nothing above: the built-in default 240/4320); complaint/normal inherited from the region.
const POLICY: SlaPolicy = {
  org_unit_id: 3, intake_minutes: 10, callback_minutes: 1440,
  targets: [
    { type: 'repair', priority: 'urgent', response_minutes: 60, resolve_minutes: 600, source: 'org_unit', source_org_unit_id: 3, inherited: false,
      inherited_response_minutes: 120, inherited_resolve_minutes: 1200, inherited_from_org_unit_id: 2 },
    { type: 'repair', priority: 'normal', response_minutes: 90, resolve_minutes: 900, source: 'org_unit', source_org_unit_id: 3, inherited: false,
      inherited_response_minutes: 240, inherited_resolve_minutes: 4320, inherited_from_org_unit_id: null },
    { type: 'complaint', priority: 'normal', response_minutes: 30, resolve_minutes: 2880, source: 'org_unit', source_org_unit_id: 2, inherited: true,
      inherited_response_minutes: 30, inherited_resolve_minutes: 2880, inherited_from_org_unit_id: 2 },
  ],
}

describe('SlaPoliciesView', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    i18n.global.locale.value = 'zh-CN'
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      const url = new URL(req.url)
      if (url.pathname === '/api/v1/sla-policies') return json(200, POLICY)
      throw new Error(`unexpected call ${req.method} ${req.url}`)
    }))
    useAdminStore().tree = TREE
    useAuthStore().me = {
      id: 1, name: '周文涛', permissions: ['settings.manage'],
      scopes: [{ org_unit_id: 1, kind: 'hq', roles: ['hq_crm'], permissions: ['settings.manage'] }],
    } as Me
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })

  it('shows what applies once an override is switched off: the value above and where it is set', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/admin/sla', component: SlaPoliciesView }] })
    await router.push('/admin/sla?unit=3')
    const wrapper = mount(SlaPoliciesView, { global: { plugins: [router, i18n, ElementPlus] }, attachTo: document.body })
    await flushPromises()
    const rows = () => wrapper.findAll('[data-test=sla-table] .el-table__body tr').map((tr) => tr.findAll('td').map((td) => td.text()))
    // The inherited row shows its values and source as before.
    expect(rows()[2]!.slice(-3)).toEqual(['30分', '2天', '继承自「华东区域公司」'])

    const off = async (key: string) => {
      wrapper.findAllComponents({ name: 'ElSwitch' }).find((c) => c.attributes('data-test') === `sla-here-${key}`)!.vm.$emit('update:modelValue', false)
      await flushPromises()
    }
    await off('repair/urgent')
    expect(rows()[0]!.slice(-3)).toEqual(['2小时', '20小时', '保存后继承「华东区域公司」'])
    await off('repair/normal')
    expect(rows()[1]!.slice(-3)).toEqual(['4小时', '3天', '保存后恢复系统默认'])
    expect(wrapper.get('[data-test=sla-save]').attributes('disabled')).toBeUndefined()
  })
})
