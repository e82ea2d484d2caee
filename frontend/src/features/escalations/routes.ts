import type { RouteRecordRaw } from 'vue-router'
import { Promotion } from '@element-plus/icons-vue'

export const routes: RouteRecordRaw[] = [
  {
    path: 'escalations',
    name: 'escalations',
    component: () => import('./views/EscalationInboxView.vue'),
    meta: { permissions: ['escalation.handle'], title: 'nav.escalations', menu: { label: 'nav.escalations', icon: Promotion, order: 30 } },
  },
]
