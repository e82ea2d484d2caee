// Personal data on demand: a file revealed through the API (`GET /customers/{id}?reveal=true`, which
// the API writes to the audit log) stands in for the masked one until it is hidden again or reloaded.
import { reactive, ref } from 'vue'
import { ElMessage } from 'element-plus'
import { useCustomerStore, type Customer } from './store'

export function useReveal() {
  const store = useCustomerStore()
  const revealed = reactive(new Map<number, Customer>())
  /** The id of the file being revealed (for the button's spinner). */
  const revealing = ref<number | null>(null)

  /** The revealed file when there is one, else `customer` as the API answered it (masked). */
  function shown(customer: Customer): Customer {
    return revealed.get(customer.id as number) ?? customer
  }

  async function reveal(id: number): Promise<void> {
    revealing.value = id
    try {
      revealed.set(id, await store.reveal(id))
    } catch (e) {
      ElMessage.error(e instanceof Error ? e.message : String(e))
    } finally {
      revealing.value = null
    }
  }

  function hide(id: number): void {
    revealed.delete(id)
  }

  function clear(): void {
    revealed.clear()
  }

  return { shown, reveal, hide, clear, revealing }
}
