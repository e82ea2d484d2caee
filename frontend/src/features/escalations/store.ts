import { defineStore } from 'pinia'
import { api, pagination, unwrap, type Pagination, type Schemas } from '@/api/client'

export type Escalation = Schemas['Escalation']

/** The escalation inbox (升级待办): `GET /escalations`, `POST /escalations/{id}/acknowledge`. */
export const useEscalationStore = defineStore('escalations', () => {
  async function list(acknowledged: boolean | undefined, page: number): Promise<{ items: Escalation[]; page: Pagination | null }> {
    const query = acknowledged === undefined ? { page, page_size: 20 } : { acknowledged, page, page_size: 20 }
    const result = await api.GET('/api/v1/escalations', { params: { query } })
    return { items: unwrap(result) as Escalation[], page: pagination(result.response) }
  }

  async function acknowledge(id: number): Promise<void> {
    unwrap(await api.POST('/api/v1/escalations/{escalation_id}/acknowledge', { params: { path: { escalation_id: id } } }))
  }

  return { list, acknowledge }
})
