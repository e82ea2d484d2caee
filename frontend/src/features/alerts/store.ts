import { defineStore } from 'pinia'
import { api, paged, unwrap, type Paged, type Schemas } from '@/api/client'
import type { paths } from '@/api/schema'

export type Alert = Schemas['Alert']
export type AlertQuery = NonNullable<paths['/api/v1/alerts']['get']['parameters']['query']>

/**
 * The ticket list showing an alert's cluster: complaints of its category in its project between the
 * first and the last one (`created_to` is exclusive, hence one second more). The ticket list has no
 * filter by ids or building, so a building-wide cluster shows the whole project's complaints.
 */
export function clusterTicketsQuery(alert: Alert): Record<string, string> {
  const query: Record<string, string> = { org_unit_id: String(alert.org_unit_id), category_id: String(alert.category_id), type: 'complaint' }
  if (alert.first_at) query.created_from = alert.first_at
  if (alert.last_at) query.created_to = new Date(Date.parse(alert.last_at) + 1000).toISOString()
  return query
}

/** 群诉预警: `GET /alerts`, `POST /alerts/{id}/acknowledge`. */
export const useAlertStore = defineStore('alerts', () => {
  async function list(query: AlertQuery): Promise<Paged<Alert>> {
    return paged<Alert>(await api.GET('/api/v1/alerts', { params: { query } }))
  }

  async function acknowledge(id: number): Promise<Alert> {
    return unwrap(await api.POST('/api/v1/alerts/{alert_id}/acknowledge', { params: { path: { alert_id: id } } })) as Alert
  }

  return { list, acknowledge }
})
