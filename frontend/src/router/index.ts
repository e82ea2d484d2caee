import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import { setAuthFailureHandler } from '@/api/client'
import AppLayout from '@/layout/AppLayout.vue'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    /** The user needs at least one of these permissions. */
    permissions?: string[]
    title?: string
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
        { path: '', redirect: { name: 'tickets' } },
        {
          path: 'tickets',
          name: 'tickets',
          component: () => import('@/features/tickets/views/TicketListView.vue'),
          meta: { permissions: ['ticket.read'], title: 'nav.tickets' },
        },
        {
          path: 'tickets/new',
          name: 'intake',
          component: () => import('@/features/tickets/views/IntakeView.vue'),
          meta: { permissions: ['ticket.write'], title: 'nav.intake' },
        },
        {
          path: 'tickets/:id(\\d+)',
          name: 'ticket',
          component: () => import('@/features/tickets/views/TicketDetailView.vue'),
          props: (route) => ({ id: Number(route.params.id) }),
          meta: { permissions: ['ticket.read'] },
        },
        {
          path: 'escalations',
          name: 'escalations',
          component: () => import('@/features/escalations/views/EscalationInboxView.vue'),
          meta: { permissions: ['escalation.handle'], title: 'nav.escalations' },
        },
        { path: 'forbidden', name: 'forbidden', component: () => import('@/features/errors/views/ForbiddenView.vue') },
        { path: ':rest(.*)*', name: 'not-found', component: () => import('@/features/errors/views/NotFoundView.vue') },
      ],
    },
  ],
})

export function allowed(route: Pick<RouteLocationNormalized, 'meta'>, can: (p: string) => boolean): boolean {
  const needed = route.meta.permissions
  return !needed || needed.some(can)
}

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  await auth.ensureLoaded()
  if (to.meta.public) return auth.signedIn && to.name === 'login' ? { name: 'tickets' } : true
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
