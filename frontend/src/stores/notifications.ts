import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, unwrap } from '@/api/client'

/** The bell: `GET /notifications/unread-count`, polled while signed in. */
export const useNotificationStore = defineStore('notifications', () => {
  const unread = ref(0)
  let timer: ReturnType<typeof setInterval> | null = null

  async function refresh(): Promise<void> {
    try {
      const data = unwrap(await api.GET('/api/v1/notifications/unread-count'))
      unread.value = (data as { unread?: number }).unread ?? 0
    } catch {
      /* the bell is not worth an error toast */
    }
  }

  function start(intervalMs = 60_000): void {
    stop()
    void refresh()
    timer = setInterval(() => void refresh(), intervalMs)
  }

  function stop(): void {
    if (timer) clearInterval(timer)
    timer = null
  }

  return { unread, refresh, start, stop }
})
