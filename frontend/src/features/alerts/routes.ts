import type { RouteRecordRaw } from 'vue-router'
import { Warning } from '@element-plus/icons-vue'

export const routes: RouteRecordRaw[] = [
  {
    path: 'alerts',
    name: 'alerts',
    component: () => import('./views/AlertListView.vue'),
    // GET /alerts needs ticket.read; acknowledging needs escalation.handle (region / hq).
    meta: { permissions: ['ticket.read'], title: 'nav.alerts', menu: { label: 'nav.alerts', icon: Warning, order: 35 } },
  },
]
