import { ref, type Ref } from 'vue'

/**
 * Loading / error / data of a request that is repeated as the filters change: only the latest
 * call's answer is kept, so a slow earlier answer never overwrites a newer one.
 */
export function useLatest<T>(request: () => Promise<T>, initial: T) {
  const data = ref(initial) as Ref<T>
  const loading = ref(false)
  const error = ref<unknown>(null)
  let latest = 0

  async function load(): Promise<void> {
    const call = ++latest
    loading.value = true
    error.value = null
    try {
      const result = await request()
      if (call === latest) data.value = result
    } catch (e) {
      if (call === latest) error.value = e
    } finally {
      if (call === latest) loading.value = false
    }
  }

  return { data, loading, error, load }
}
