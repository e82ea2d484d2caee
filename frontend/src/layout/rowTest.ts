import type { Directive } from 'vue'

const observers = new WeakMap<HTMLElement, MutationObserver>()

function tag(root: HTMLElement, value: string): void {
  root.querySelectorAll('tr.el-table__row').forEach((row) => {
    if (row.getAttribute('data-test') !== value) row.setAttribute('data-test', value)
  })
}

/**
 * `v-row-test="'callbacks-row'"` on an `el-table`: every body row gets that `data-test` (the table
 * renders its own `<tr>`s and takes no attributes for them), kept as rows come and go.
 */
export const vRowTest: Directive<HTMLElement, string> = {
  mounted(el, binding) {
    tag(el, binding.value)
    const observer = new MutationObserver(() => tag(el, binding.value))
    observer.observe(el, { childList: true, subtree: true })
    observers.set(el, observer)
  },
  unmounted(el) {
    observers.get(el)?.disconnect()
    observers.delete(el)
  },
}
