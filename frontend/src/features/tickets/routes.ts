import type { RouteRecordRaw } from 'vue-router'
import { Document, EditPen } from '@element-plus/icons-vue'

export const routes: RouteRecordRaw[] = [
  {
    path: 'tickets',
    name: 'tickets',
    component: () => import('./views/TicketListView.vue'),
    meta: { permissions: ['ticket.read'], title: 'nav.tickets', menu: { label: 'nav.tickets', icon: Document, order: 10 } },
  },
  {
    path: 'tickets/new',
    name: 'intake',
    component: () => import('./views/IntakeView.vue'),
    meta: { permissions: ['ticket.write'], title: 'nav.intake', menu: { label: 'nav.intake', icon: EditPen, order: 20 } },
  },
  {
    path: 'tickets/:id(\\d+)',
    name: 'ticket',
    component: () => import('./views/TicketDetailView.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { permissions: ['ticket.read'], activeMenu: '/tickets' },
  },
]
