import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, unwrap, type Me, type Schemas } from '@/api/client'

export type Scope = Schemas['Scope']

/** The signed-in user: `GET /auth/me` (memberships and effective permissions per org unit). */
export const useAuthStore = defineStore('auth', () => {
  const me = ref<Me | null>(null)
  const loaded = ref(false)

  const signedIn = computed(() => me.value !== null)
  const scopes = computed<Scope[]>(() => me.value?.scopes ?? [])
  const permissions = computed(() => new Set(me.value?.permissions ?? []))
  const projectScopes = computed(() => scopes.value.filter((s) => s.kind === 'project'))

  /** Holds the permission in at least one org unit. */
  function can(permission: string): boolean {
    return permissions.value.has(permission)
  }

  /** Holds the permission in this org unit (directly; inherited reach is the API's call). */
  function canIn(permission: string, orgUnitId: number): boolean {
    return scopes.value.some((s) => s.org_unit_id === orgUnitId && (s.permissions ?? []).includes(permission))
  }

  async function fetchMe(): Promise<Me | null> {
    const result = await api.GET('/api/v1/auth/me')
    loaded.value = true
    if (result.response.status === 401) {
      me.value = null
      return null
    }
    me.value = unwrap(result)
    return me.value
  }

  /** Once per page load: whether a cookie session already exists. */
  async function ensureLoaded(): Promise<void> {
    if (loaded.value) return
    try {
      await fetchMe()
    } catch {
      me.value = null
    }
  }

  async function login(tenant: string, username: string, password: string): Promise<Me> {
    const result = unwrap(await api.POST('/api/v1/auth/login', { body: { tenant, username, password } }))
    // The body carries the tokens too; the SPA relies on the HttpOnly cookies only.
    me.value = result.user ?? null
    loaded.value = true
    if (!me.value) await fetchMe()
    return me.value as Me
  }

  async function logout(): Promise<void> {
    try {
      await api.POST('/api/v1/auth/logout')
    } finally {
      me.value = null
    }
  }

  function clear(): void {
    me.value = null
  }

  return { me, loaded, signedIn, scopes, permissions, projectScopes, can, canIn, fetchMe, ensureLoaded, login, logout, clear }
})
