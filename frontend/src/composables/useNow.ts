import { onMounted, onUnmounted, ref } from 'vue'

/**
 * The current time (ms) as a ref, renewed every `tick()` ms while the component is mounted; a tick
 * of 0 (tests) keeps the time of setup. For countdowns and "in 3 hours" labels.
 */
export function useNow(tick: () => number) {
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | null = null
  onMounted(() => {
    if (tick() > 0) timer = setInterval(() => (now.value = Date.now()), tick())
  })
  onUnmounted(() => {
    if (timer) clearInterval(timer)
  })
  return now
}
