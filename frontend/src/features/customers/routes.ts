import type { RouteRecordRaw } from 'vue-router'

// Screens of this feature (built in issue 6); each route with `meta.menu` appears in the side menu.
export const routes: RouteRecordRaw[] = []
