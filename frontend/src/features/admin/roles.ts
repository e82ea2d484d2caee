import type { Schemas } from '@/api/client'

export type Role = NonNullable<Schemas['Membership']['role']>
export type UnitKind = NonNullable<Schemas['OrgUnit']['kind']>
export type Func = NonNullable<Schemas['Membership']['function']>

export const ROLES: Role[] = [
  'tenant_admin', 'hq_crm', 'region_manager', 'region_agent', 'project_manager', 'project_agent', 'engineer', 'viewer',
]
export const FUNCTIONS: Func[] = ['customer_service', 'engineering', 'sales', 'property', 'design', 'marketing']

/**
 * The org-unit kinds at which a role may be held (null: any kind). Mirrors the API's
 * `access.ROLE_KINDS`, which has no endpoint of its own; the API still refuses a misfit with 422.
 */
const ROLE_KINDS: Record<Role, UnitKind[] | null> = {
  tenant_admin: ['hq'],
  hq_crm: ['hq'],
  region_manager: ['region'],
  region_agent: ['region'],
  project_manager: ['project'],
  project_agent: ['project'],
  engineer: ['project'],
  viewer: null,
}

/** The roles a membership at a unit of this kind may carry. */
export function rolesFor(kind: UnitKind | undefined): Role[] {
  if (!kind) return []
  return ROLES.filter((role) => ROLE_KINDS[role]?.includes(kind) ?? true)
}
