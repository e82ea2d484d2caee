import { ref, type Ref } from 'vue'

/**
 * Loading / error of a request that is repeated as its input changes: only the latest call's answer
 * reaches `apply`, so a slow earlier answer (or its error) never overwrites a newer one.
 */
export function useLatestCall<T>(request: () => Promise<T>, apply: (result: T) => void) {
  const loading = ref(false)
  const error = ref<unknown>(null)
  let latest = 0

  async function load(): Promise<void> {
    const call = ++latest
    loading.value = true
    error.value = null
    try {
      const result = await request()
      if (call === latest) apply(result)
    } catch (e) {
      if (call === latest) error.value = e
    } finally {
      if (call === latest) loading.value = false
    }
  }

  return { loading, error, load }
}

/** `useLatestCall` keeping the latest answer in `data`. */
export function useLatest<T>(request: () => Promise<T>, initial: T) {
  const data = ref(initial) as Ref<T>
  return {
    data,
    ...useLatestCall(request, (result) => {
      data.value = result
    }),
  }
}
