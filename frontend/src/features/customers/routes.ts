import type { RouteRecordRaw } from 'vue-router'
import { User } from '@element-plus/icons-vue'

export const routes: RouteRecordRaw[] = [
  {
    path: 'customers',
    name: 'customers',
    component: () => import('./views/CustomerListView.vue'),
    meta: { permissions: ['customer.read'], title: 'nav.customers', menu: { label: 'nav.customers', icon: User, order: 50 } },
  },
  {
    path: 'customers/:id(\\d+)',
    name: 'customer',
    component: () => import('./views/CustomerDetailView.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { permissions: ['customer.read'], activeMenu: '/customers' },
  },
]
