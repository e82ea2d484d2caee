import { createRouter, createWebHistory, type RouteLocationNormalized, type RouteRecordRaw } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import { setAuthFailureHandler } from '@/api/client'
import type { Component } from 'vue'
import AppLayout from '@/layout/AppLayout.vue'
import { routes as tickets } from '@/features/tickets/routes'
import { routes as escalations } from '@/features/escalations/routes'
import { routes as customers } from '@/features/customers/routes'
import { routes as callbacks } from '@/features/callbacks/routes'
import { routes as alerts } from '@/features/alerts/routes'
import { routes as notifications } from '@/features/notifications/routes'
import { routes as dashboard } from '@/features/dashboard/routes'
import { routes as admin } from '@/features/admin/routes'
import { routes as contractors } from '@/features/contractors/routes'

/** Every signed-in screen; each feature declares its own (and its menu entry in `meta.menu`). */
export const featureRoutes = [...dashboard, ...tickets, ...escalations, ...alerts, ...callbacks, ...customers, ...contractors, ...notifications, ...admin]

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    /** The user needs at least one of these permissions. */
    permissions?: string[]
    title?: string
    /** Shown in the side menu (when the user has the permissions), sorted by `order`. */
    menu?: { label: string; icon: Component; order: number }
    /** The menu entry to highlight on a page that has none of its own. */
    activeMenu?: string
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('@/features/auth/views/SignInView.vue'), meta: { public: true } },
    {
      path: '/',
      component: AppLayout,
      children: [
        { path: '', redirect: { name: 'home' } },
        ...featureRoutes,
        { path: 'home', name: 'home', redirect: () => ({ name: homeRoute() }) },
        { path: 'forbidden', name: 'forbidden', component: () => import('@/features/errors/views/ForbiddenView.vue') },
        { path: ':rest(.*)*', name: 'not-found', component: () => import('@/features/errors/views/NotFoundView.vue') },
      ],
    },
  ],
})

/** The first menu screen the user may open (the dashboard for managers, the ticket list for agents). */
export function homeRoute(): string {
  const auth = useAuthStore()
  const first = menuRoutes().find((r) => allowed(r, auth.can))
  return (first?.name as string | undefined) ?? 'tickets'
}

/** Routes with a menu entry, in menu order. */
export function menuRoutes(): RouteRecordRaw[] {
  return featureRoutes.filter((r) => r.meta?.menu).sort((a, b) => (a.meta!.menu!.order - b.meta!.menu!.order))
}

export function allowed(route: Pick<RouteLocationNormalized, 'meta'> | RouteRecordRaw, can: (p: string) => boolean): boolean {
  const needed = route.meta?.permissions
  return !needed || needed.some(can)
}

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  await auth.ensureLoaded()
  if (to.meta.public) return auth.signedIn && to.name === 'login' ? { name: 'home' } : true
  if (!auth.signedIn) return { name: 'login', query: { redirect: to.fullPath } }
  if (!allowed(to, auth.can)) return { name: 'forbidden', query: { from: to.fullPath } }
  return true
})

setAuthFailureHandler(() => {
  const auth = useAuthStore()
  // Only a session that ended mid-use needs a redirect; before sign-in the guard already handles it.
  if (!auth.signedIn) return
  auth.clear()
  const current = router.currentRoute.value
  if (!current.meta.public) void router.push({ name: 'login', query: { redirect: current.fullPath, expired: '1' } })
})
