import type { RouteRecordRaw } from 'vue-router'
import { Histogram, Tools } from '@element-plus/icons-vue'

// Screens of this feature; each route with `meta.menu` appears in the side menu.
export const routes: RouteRecordRaw[] = [
  {
    path: 'contractors',
    name: 'contractors',
    component: () => import('./views/ContractorListView.vue'),
    meta: { permissions: ['contractor.read'], title: 'contractors.nav.list', menu: { label: 'contractors.nav.list', icon: Tools, order: 60 } },
  },
  {
    path: 'contractors/scorecard',
    name: 'contractor-scorecard',
    component: () => import('./views/ScorecardView.vue'),
    meta: {
      permissions: ['contractor.manage'],
      title: 'contractors.nav.scorecard',
      menu: { label: 'contractors.nav.scorecard', icon: Histogram, order: 62 },
    },
  },
]
