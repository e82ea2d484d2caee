import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  {
    // Every signed-in user's inbox; the header's bell opens it (no menu entry).
    path: 'notifications',
    name: 'notifications',
    component: () => import('./views/NotificationListView.vue'),
    meta: { title: 'nav.notifications' },
  },
]
