import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import type { Me } from '@/api/client'
import { useAuthStore } from '@/stores/auth'
import MembershipForm from '@/features/admin/components/MembershipForm.vue'
import UnitTreeSelect from '@/features/admin/components/UnitTreeSelect.vue'
import type { RoleInfo } from '@/features/admin/roles'
import { useAdminStore, type Membership } from '@/features/admin/store'
import { json, scriptFetch, type Answer } from './http'

/** `GET /roles` as the API answers it (access.ROLE_KINDS; the permissions cut short). */
const CATALOGUE: RoleInfo[] = [
  { role: 'tenant_admin', kinds: ['hq'], permissions: ['org.read', 'org.manage', 'user.read', 'user.manage'] },
  { role: 'hq_crm', kinds: ['hq'], permissions: ['org.read', 'ticket.read'] },
  { role: 'region_manager', kinds: ['region'], permissions: ['org.read', 'user.manage'] },
  { role: 'region_agent', kinds: ['region'], permissions: ['org.read', 'ticket.write'] },
  { role: 'project_manager', kinds: ['project'], permissions: ['org.read', 'user.manage'] },
  { role: 'project_agent', kinds: ['project'], permissions: ['org.read', 'ticket.write'] },
  { role: 'engineer', kinds: ['project'], permissions: ['org.read', 'ticket.write'] },
  { role: 'viewer', kinds: ['hq', 'region', 'project'], permissions: ['org.read', 'report.read'] },
]

describe('the role catalogue', () => {
  let calls: Request[]
  beforeEach(() => {
    setActivePinia(createPinia())
    calls = []
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      calls.push(req)
      return json(200, CATALOGUE)
    }))
  })
  afterEach(() => vi.unstubAllGlobals())

  it('offers each kind of unit only the roles the API says may be held there', async () => {
    const store = useAdminStore()
    expect(store.rolesFor('project')).toEqual([]) // nothing before the catalogue is loaded
    await store.loadRoles()
    expect(new URL(calls[0]!.url).pathname).toBe('/api/v1/roles')
    expect(store.rolesFor('hq')).toEqual(['tenant_admin', 'hq_crm', 'viewer'])
    expect(store.rolesFor('region')).toEqual(['region_manager', 'region_agent', 'viewer'])
    expect(store.rolesFor('project')).toEqual(['project_manager', 'project_agent', 'engineer', 'viewer'])
    expect(store.rolesFor(undefined)).toEqual([])
  })

  it('is asked for once, also by callers at the same time', async () => {
    const store = useAdminStore()
    await Promise.all([store.loadRoles(), store.loadRoles()])
    await store.loadRoles()
    expect(calls).toHaveLength(1)
  })
})

describe('MembershipForm', () => {
  let calls: Request[]
  let answers: Answer[]

  beforeEach(() => {
    setActivePinia(createPinia())
    ;({ calls, answers } = scriptFetch())
    useAdminStore().tree = [
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
    useAuthStore().me = {
      id: 1, name: '周文涛', permissions: ['user.manage'],
      scopes: [{ org_unit_id: 1, kind: 'hq', roles: ['tenant_admin'], permissions: ['user.manage'] }],
    } as Me
    // The catalogue as loaded earlier in the session (the form asks for it only when it is missing).
    useAdminStore().roleCatalogue = CATALOGUE
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })

  async function mountForm(held: Membership[] = []) {
    const wrapper = mount(MembershipForm, {
      props: { userId: 9, held },
      // The unit picker (an el-tree-select) is not under test: its v-model is driven directly.
      global: { plugins: [i18n, ElementPlus], stubs: { UnitTreeSelect: true } },
      attachTo: document.body,
    })
    await flushPromises()
    return wrapper
  }
  async function pickUnit(wrapper: Awaited<ReturnType<typeof mountForm>>, id: number) {
    wrapper.findComponent(UnitTreeSelect).vm.$emit('update:modelValue', id)
    await flushPromises()
  }
  const roleSelect = (wrapper: Awaited<ReturnType<typeof mountForm>>) =>
    wrapper.findAllComponents({ name: 'ElSelect' }).find((c) => c.attributes('data-test') === 'membership-role')!
  async function pickRole(wrapper: Awaited<ReturnType<typeof mountForm>>, role: string) {
    roleSelect(wrapper).vm.$emit('update:modelValue', role)
    await flushPromises()
  }
  const roleOptions = (wrapper: Awaited<ReturnType<typeof mountForm>>) =>
    wrapper.findAllComponents({ name: 'ElOption' })
      .filter((o) => o.attributes('data-test')?.startsWith('role-option-'))
      .map((o) => ({ role: o.props('value'), disabled: o.props('disabled') }))

  it('asks for the unit first, then offers only the roles fitting its kind', async () => {
    const wrapper = await mountForm()
    expect(roleSelect(wrapper).props('disabled')).toBe(true)
    expect(roleOptions(wrapper)).toEqual([])

    await pickUnit(wrapper, 2)
    expect(roleOptions(wrapper).map((o) => o.role)).toEqual(['region_manager', 'region_agent', 'viewer'])

    await pickUnit(wrapper, 3)
    expect(roleOptions(wrapper).map((o) => o.role)).toEqual(['project_manager', 'project_agent', 'engineer', 'viewer'])
    expect(wrapper.text()).not.toContain('集团管理员')
  })

  it('greys out a role the user already holds at that unit, and forgets a role that no longer fits', async () => {
    const wrapper = await mountForm([{ id: 4, user_id: 9, org_unit_id: 3, role: 'project_agent' }])
    await pickUnit(wrapper, 3)
    expect(roleOptions(wrapper).find((o) => o.role === 'project_agent')?.disabled).toBe(true)
    expect(roleOptions(wrapper).find((o) => o.role === 'engineer')?.disabled).toBe(false)

    await pickRole(wrapper, 'engineer')
    await pickUnit(wrapper, 2) // an engineer is not a role of a region
    expect(roleSelect(wrapper).props('modelValue')).toBeNull()
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(calls).toHaveLength(0) // nothing to send without a role
  })

  it('loads the catalogue when it is missing, and says so at the role field when it cannot', async () => {
    useAdminStore().roleCatalogue = []
    answers.push(() => json(200, CATALOGUE))
    let wrapper = await mountForm()
    expect(new URL(calls[0]!.url).pathname).toBe('/api/v1/roles')
    await pickUnit(wrapper, 2)
    expect(roleOptions(wrapper).map((o) => o.role)).toEqual(['region_manager', 'region_agent', 'viewer'])
    wrapper.unmount()

    useAdminStore().roleCatalogue = []
    answers.push(() => json(500, { code: 500, status: 'Internal Server Error', message: 'Something went wrong on our side; it has been logged.' }))
    wrapper = await mountForm()
    await pickUnit(wrapper, 3)
    expect(roleOptions(wrapper)).toEqual([])
    const roleItem = wrapper.findAllComponents({ name: 'ElFormItem' }).find((c) => c.classes().includes('role'))!
    expect(roleItem.props('error')).toBe('Something went wrong on our side; it has been logged.')
  })

  it('grants the role and shows the API refusal at the field', async () => {
    const wrapper = await mountForm()
    await pickUnit(wrapper, 3)
    await pickRole(wrapper, 'project_agent')

    let sent: unknown
    answers.push(async (req) => {
      sent = await req.json()
      return json(409, { code: 409, status: 'Conflict', message: 'The user already holds this role here.', errors: { role: ['Already held.'] } })
    })
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(new URL(calls[0]!.url).pathname).toBe('/api/v1/users/9/memberships')
    expect(sent).toEqual({ org_unit_id: 3, role: 'project_agent', function: null })
    const roleItem = wrapper.findAllComponents({ name: 'ElFormItem' }).find((c) => c.classes().includes('role'))!
    expect(roleItem.props('error')).toBe('Already held.')
    expect(roleItem.classes()).toContain('is-error')

    answers.push(() => json(201, { id: 7, user_id: 9, org_unit_id: 3, role: 'project_agent' }))
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.emitted('added')?.[0]?.[0]).toMatchObject({ id: 7, role: 'project_agent' })
  })
})
