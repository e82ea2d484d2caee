import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, paged, pagination, unwrap, type Paged, type Schemas } from '@/api/client'
import type { paths } from '@/api/schema'
import { useAuthStore } from '@/stores/auth'
import { useScopeStore } from '@/stores/scope'
import { useTicketStore } from '@/features/tickets/store'
import type { Role, RoleInfo, UnitKind } from './roles'

export type OrgUnit = Schemas['OrgUnit']
export type OrgTreeNode = Schemas['OrgTreeNode']
export type OrgUnitCreate = Schemas['OrgUnitCreate']
export type OrgUnitUpdate = Schemas['OrgUnitUpdate']
export type User = Schemas['User']
export type UserCreate = Schemas['UserCreate']
export type UserUpdate = Schemas['UserUpdate']
export type UserQuery = NonNullable<paths['/api/v1/users']['get']['parameters']['query']>
export type Membership = Schemas['Membership']
export type MembershipCreate = Schemas['MembershipCreate']
export type Category = Schemas['Category']
export type CategoryCreate = Schemas['CategoryCreate']
export type CategoryUpdate = Schemas['CategoryUpdate']
export type SlaPolicy = Schemas['SlaPolicy']
export type SlaTarget = Schemas['Target']
export type SlaTargetInput = Schemas['TargetInput']
export type ServiceSettings = Schemas['ServiceSettings']
export type ServiceSettingsUpdate = Schemas['ServiceSettingsUpdate']

const PAGE_MAX = 100

/** Administration (org tree, users and memberships, categories, SLA, service settings): every call. */
export const useAdminStore = defineStore('admin', () => {
  const auth = useAuthStore()

  // --- org tree -----------------------------------------------------------------------------
  const tree = ref<OrgTreeNode[]>([])
  const units = computed(() => {
    const out: OrgTreeNode[] = []
    const walk = (nodes: OrgTreeNode[]) => nodes.forEach((n) => { out.push(n); walk(n.children ?? []) })
    walk(tree.value)
    return out
  })
  const unitById = computed(() => new Map(units.value.map((u) => [u.id as number, u])))

  /** Units where the caller holds `perm`: the units of their memberships and everything below. */
  function reachOf(perm: string): Set<number> {
    const roots = auth.scopes.filter((s) => (s.permissions ?? []).includes(perm))
      .map((s) => unitById.value.get(s.org_unit_id as number)?.path)
      .filter((p): p is string => !!p)
    return new Set(units.value.filter((u) => roots.some((p) => (u.path ?? '').startsWith(p))).map((u) => u.id as number))
  }

  async function loadTree(): Promise<OrgTreeNode[]> {
    tree.value = unwrap(await api.GET('/api/v1/org-units/tree')) as OrgTreeNode[]
    return tree.value
  }

  /** After a change of the tree: ours and the header's switcher both reload. */
  async function treeChanged(): Promise<void> {
    await Promise.all([loadTree(), useScopeStore().load()])
  }

  async function getOrgUnit(id: number): Promise<OrgUnit> {
    return unwrap(await api.GET('/api/v1/org-units/{org_unit_id}', { params: { path: { org_unit_id: id } } })) as OrgUnit
  }

  async function createOrgUnit(body: OrgUnitCreate): Promise<OrgUnit> {
    const unit = unwrap(await api.POST('/api/v1/org-units', { body })) as OrgUnit
    await treeChanged()
    return unit
  }

  async function updateOrgUnit(id: number, body: OrgUnitUpdate): Promise<OrgUnit> {
    const unit = unwrap(await api.PATCH('/api/v1/org-units/{org_unit_id}', { params: { path: { org_unit_id: id } }, body })) as OrgUnit
    await treeChanged()
    return unit
  }

  // --- the role catalogue -------------------------------------------------------------------
  /** Every role with the kinds of unit it may be held at and its permissions: the same for everyone, loaded once. */
  const roleCatalogue = ref<RoleInfo[]>([])
  let loadingRoles: Promise<RoleInfo[]> | null = null

  function loadRoles(): Promise<RoleInfo[]> {
    if (roleCatalogue.value.length) return Promise.resolve(roleCatalogue.value)
    loadingRoles ??= api.GET('/api/v1/roles')
      .then((result) => (roleCatalogue.value = unwrap(result) as RoleInfo[]))
      .finally(() => { loadingRoles = null })
    return loadingRoles
  }

  /** The roles a membership at a unit of this kind may carry, in the catalogue's order (none before it is loaded). */
  function rolesFor(kind: UnitKind | undefined): Role[] {
    if (!kind) return []
    return roleCatalogue.value.filter((r) => !!r.role && (r.kinds ?? []).includes(kind)).map((r) => r.role!)
  }

  // --- users and memberships ----------------------------------------------------------------
  async function listUsers(query: UserQuery): Promise<Paged<User>> {
    return paged<User>(await api.GET('/api/v1/users', { params: { query } }))
  }

  async function getUser(id: number): Promise<User> {
    return unwrap(await api.GET('/api/v1/users/{user_id}', { params: { path: { user_id: id } } })) as User
  }

  async function createUser(body: UserCreate): Promise<User> {
    return unwrap(await api.POST('/api/v1/users', { body })) as User
  }

  async function updateUser(id: number, body: UserUpdate): Promise<User> {
    return unwrap(await api.PATCH('/api/v1/users/{user_id}', { params: { path: { user_id: id } }, body })) as User
  }

  async function addMembership(userId: number, body: MembershipCreate): Promise<Membership> {
    return unwrap(await api.POST('/api/v1/users/{user_id}/memberships', { params: { path: { user_id: userId } }, body })) as Membership
  }

  async function removeMembership(userId: number, orgUnitId: number, role: Role): Promise<void> {
    unwrap(
      await api.DELETE('/api/v1/users/{user_id}/memberships', {
        params: { path: { user_id: userId }, query: { org_unit_id: orgUnitId, role } },
      }),
    )
  }

  // --- categories ---------------------------------------------------------------------------
  /** The whole tree (every page; inactive ones included). */
  async function listCategories(): Promise<Category[]> {
    const all: Category[] = []
    for (let page = 1; ; page++) {
      const result = await api.GET('/api/v1/categories', { params: { query: { page, page_size: PAGE_MAX } } })
      all.push(...(unwrap(result) as Category[]))
      const meta = pagination(result.response)
      if (!meta || page >= meta.total_pages) return all
    }
  }

  /** The intake's cached category list is stale once the tree changes. */
  function categoriesChanged(): void {
    useTicketStore().categories = []
  }

  async function createCategory(body: CategoryCreate): Promise<Category> {
    const row = unwrap(await api.POST('/api/v1/categories', { body })) as Category
    categoriesChanged()
    return row
  }

  async function updateCategory(id: number, body: CategoryUpdate): Promise<Category> {
    const row = unwrap(await api.PATCH('/api/v1/categories/{category_id}', { params: { path: { category_id: id } }, body })) as Category
    categoriesChanged()
    return row
  }

  /** Siblings in their new order: `sort_order` renumbered 0…n-1, only the rows that change are sent. */
  async function reorderCategories(siblings: Category[]): Promise<void> {
    for (const [index, row] of siblings.entries()) {
      if (row.sort_order !== index) await updateCategory(row.id as number, { sort_order: index })
    }
  }

  // --- SLA policies and service settings ----------------------------------------------------
  async function getSlaPolicy(orgUnitId?: number): Promise<SlaPolicy> {
    const query = orgUnitId ? { org_unit_id: orgUnitId } : {}
    return unwrap(await api.GET('/api/v1/sla-policies', { params: { query } })) as SlaPolicy
  }

  async function putSlaPolicy(orgUnitId: number, targets: SlaTargetInput[]): Promise<SlaPolicy> {
    return unwrap(await api.PUT('/api/v1/sla-policies', { body: { org_unit_id: orgUnitId, targets } })) as SlaPolicy
  }

  async function getSettings(): Promise<ServiceSettings> {
    return unwrap(await api.GET('/api/v1/service-settings')) as ServiceSettings
  }

  async function updateSettings(body: ServiceSettingsUpdate): Promise<ServiceSettings> {
    return unwrap(await api.PATCH('/api/v1/service-settings', { body })) as ServiceSettings
  }

  return {
    tree, units, unitById, reachOf, loadTree, getOrgUnit, createOrgUnit, updateOrgUnit,
    roleCatalogue, loadRoles, rolesFor,
    listUsers, getUser, createUser, updateUser, addMembership, removeMembership,
    listCategories, createCategory, updateCategory, reorderCategories,
    getSlaPolicy, putSlaPolicy, getSettings, updateSettings,
  }
})
