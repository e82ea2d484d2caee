import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, unwrap, type Schemas } from '@/api/client'

export type OrgTreeNode = Schemas['OrgTreeNode']
const STORAGE_KEY = 'servicehub.scope'

function savedUnit(): number | null {
  const raw = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null
  const id = raw ? Number(raw) : NaN
  return Number.isInteger(id) && id > 0 ? id : null
}

/**
 * The org-unit switcher: which part of the user's reach the lists, the dashboard and the inboxes
 * show. `unitId` null means "everything I may see"; otherwise that unit and everything below it
 * (the API's `org_unit_id` filter). The API still decides what is reachable; this only narrows.
 */
export const useScopeStore = defineStore('scope', () => {
  const tree = ref<OrgTreeNode[]>([])
  const unitId = ref<number | null>(savedUnit())
  const loaded = ref(false)

  const units = computed(() => {
    const out: OrgTreeNode[] = []
    const walk = (nodes: OrgTreeNode[]) => nodes.forEach((n) => { out.push(n); walk(n.children ?? []) })
    walk(tree.value)
    return out
  })
  /** The switcher only shows for users who reach more than one unit. */
  const switchable = computed(() => units.value.length > 1)
  const current = computed(() => units.value.find((u) => u.id === unitId.value) ?? null)
  /** `{org_unit_id}` for a list query, or nothing when the whole reach is shown. */
  const filter = computed<{ org_unit_id?: number }>(() => (unitId.value ? { org_unit_id: unitId.value } : {}))

  async function load(): Promise<void> {
    try {
      tree.value = unwrap(await api.GET('/api/v1/org-units/tree')) as OrgTreeNode[]
    } catch {
      tree.value = []
    }
    loaded.value = true
    // A unit saved by another user on this browser, or since moved out of reach, is dropped.
    if (unitId.value && !units.value.some((u) => u.id === unitId.value)) select(null)
  }

  function select(id: number | null): void {
    unitId.value = id
    if (id) localStorage.setItem(STORAGE_KEY, String(id))
    else localStorage.removeItem(STORAGE_KEY)
  }

  function reset(): void {
    tree.value = []
    loaded.value = false
    select(null)
  }

  return { tree, unitId, loaded, units, switchable, current, filter, load, select, reset }
})
