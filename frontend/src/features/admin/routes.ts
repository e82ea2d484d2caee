import type { RouteRecordRaw } from 'vue-router'
import { Setting } from '@element-plus/icons-vue'
import { useAuthStore } from '@/stores/auth'

/** Whoever holds one of these sees 系统管理; each screen below guards its own permission. */
export const ADMIN_PERMISSIONS = ['org.manage', 'user.read', 'user.manage', 'settings.manage']

/** The screens of 系统管理, in tab order (the layout shows the ones the user may open). */
export const adminChildren: RouteRecordRaw[] = [
  {
    path: 'org-units',
    name: 'admin-org-units',
    component: () => import('./views/OrgUnitsView.vue'),
    meta: { permissions: ['org.read'], title: 'nav.orgUnits', activeMenu: '/admin' },
  },
  {
    path: 'users',
    name: 'admin-users',
    component: () => import('./views/UsersView.vue'),
    meta: { permissions: ['user.read', 'user.manage'], title: 'nav.users', activeMenu: '/admin' },
  },
  {
    path: 'categories',
    name: 'admin-categories',
    component: () => import('./views/CategoriesView.vue'),
    meta: { permissions: ['settings.manage'], title: 'nav.categories', activeMenu: '/admin' },
  },
  {
    path: 'sla-policies',
    name: 'admin-sla-policies',
    component: () => import('./views/SlaPoliciesView.vue'),
    meta: { permissions: ['settings.manage'], title: 'nav.slaPolicies', activeMenu: '/admin' },
  },
  {
    path: 'service-settings',
    name: 'admin-service-settings',
    component: () => import('./views/ServiceSettingsView.vue'),
    meta: { permissions: ['settings.manage'], title: 'admin.settings.title', activeMenu: '/admin' },
  },
]

export const routes: RouteRecordRaw[] = [
  {
    // `/admin` itself opens the first tab the user may use (AdminLayout).
    path: 'admin',
    name: 'admin',
    component: () => import('./views/AdminLayout.vue'),
    meta: { permissions: ADMIN_PERMISSIONS, title: 'nav.admin', menu: { label: 'nav.admin', icon: Setting, order: 90 } },
    // A child's own permission replaces the parent's in `to.meta`: keep the area to administrators.
    beforeEnter: (to) => ADMIN_PERMISSIONS.some(useAuthStore().can) || { name: 'forbidden', query: { from: to.fullPath } },
    children: adminChildren,
  },
]
