import { ref } from 'vue'
import { ElMessage } from 'element-plus'
import { ApiError } from '@/api/client'

/**
 * The save of a work-order dialog: `saving` while it runs, and a refusal the dialog does not handle
 * itself is shown the same way everywhere — the API's field errors at their fields (`fieldErrors`,
 * for `el-form-item :error`) and its message as a toast; anything else as a toast.
 */
export function useDialogSave() {
  const saving = ref(false)
  const fieldErrors = ref<Record<string, string>>({})

  /** Runs `action`; `handled(e)` answering true means the dialog dealt with that error itself. */
  async function save(action: () => Promise<void>, handled: (e: unknown) => boolean = () => false): Promise<void> {
    saving.value = true
    try {
      await action()
    } catch (e) {
      if (handled(e)) return
      if (e instanceof ApiError) {
        fieldErrors.value = e.fieldErrors()
        ElMessage.error(e.message)
      } else ElMessage.error(String(e))
    } finally {
      saving.value = false
    }
  }

  return { saving, fieldErrors, save }
}
