import { defineStore } from 'pinia'
import { api, paged, unwrap, type Paged, type Schemas } from '@/api/client'

export type Escalation = Schemas['Escalation']

/** The escalation inbox (升级待办): `GET /escalations`, `POST /escalations/{id}/acknowledge`. */
export const useEscalationStore = defineStore('escalations', () => {
  async function list(acknowledged: boolean | undefined, page: number, pageSize = 20): Promise<Paged<Escalation>> {
    const query = acknowledged === undefined ? { page, page_size: pageSize } : { acknowledged, page, page_size: pageSize }
    return paged<Escalation>(await api.GET('/api/v1/escalations', { params: { query } }))
  }

  async function acknowledge(id: number): Promise<void> {
    unwrap(await api.POST('/api/v1/escalations/{escalation_id}/acknowledge', { params: { path: { escalation_id: id } } }))
  }

  return { list, acknowledge }
})
