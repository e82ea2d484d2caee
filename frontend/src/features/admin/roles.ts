import type { Schemas } from '@/api/client'

export type Role = NonNullable<Schemas['Membership']['role']>
export type UnitKind = NonNullable<Schemas['OrgUnit']['kind']>
export type Func = NonNullable<Schemas['Membership']['function']>
/** One row of the API's role catalogue (`GET /roles`): the kinds of unit a role may be held at, its permissions. */
export type RoleInfo = Schemas['Role']

/** Every role (the filter of the user list); which kinds of unit each fits comes from the API (`store.rolesFor`). */
export const ROLES: Role[] = [
  'tenant_admin', 'hq_crm', 'region_manager', 'region_agent', 'project_manager', 'project_agent', 'engineer', 'viewer',
]
