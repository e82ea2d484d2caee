import { defineStore } from 'pinia'
import { api, paged, unwrap, type Paged, type Schemas } from '@/api/client'
import { useNotificationStore } from '@/stores/notifications'

export type InboxItem = Schemas['Notification']

/** The caller's inbox (GET /notifications); every read refreshes the header's bell. */
export const useNotificationCenterStore = defineStore('notificationCenter', () => {
  const bell = useNotificationStore()

  async function list(unreadOnly: boolean, page: number, pageSize = 20): Promise<Paged<InboxItem>> {
    const query = unreadOnly ? { unread: true, page, page_size: pageSize } : { page, page_size: pageSize }
    return paged<InboxItem>(await api.GET('/api/v1/notifications', { params: { query } }))
  }

  async function markRead(id: number): Promise<InboxItem> {
    const item = unwrap(await api.POST('/api/v1/notifications/{notification_id}/read', { params: { path: { notification_id: id } } })) as InboxItem
    await bell.refresh()
    return item
  }

  /** How many were marked. */
  async function markAllRead(): Promise<number> {
    const result = unwrap(await api.POST('/api/v1/notifications/read-all')) as Schemas['ReadAll']
    await bell.refresh()
    return result.marked ?? 0
  }

  return { list, markRead, markAllRead }
})
