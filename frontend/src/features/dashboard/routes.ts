import type { RouteRecordRaw } from 'vue-router'
import { DataAnalysis } from '@element-plus/icons-vue'

// Screens of this feature; each route with `meta.menu` appears in the side menu.
export const routes: RouteRecordRaw[] = [
  {
    path: 'dashboard',
    name: 'dashboard',
    component: () => import('./views/DashboardView.vue'),
    meta: { permissions: ['report.read'], title: 'nav.dashboard', menu: { label: 'nav.dashboard', icon: DataAnalysis, order: 5 } },
  },
]
