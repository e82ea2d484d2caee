import type { RouteRecordRaw } from 'vue-router'
import { Phone } from '@element-plus/icons-vue'

export const routes: RouteRecordRaw[] = [
  {
    // Between the ticket screens (10–35) and the customer files (50).
    path: 'callbacks',
    name: 'callbacks',
    component: () => import('./views/CallbackQueueView.vue'),
    meta: { permissions: ['callback.work'], title: 'callbacks.title', menu: { label: 'callbacks.title', icon: Phone, order: 40 } },
  },
  {
    path: 'callbacks/:id(\\d+)',
    name: 'callback',
    component: () => import('./views/CallbackCallView.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { permissions: ['callback.work'], title: 'callbacks.call.title', activeMenu: '/callbacks' },
  },
]
