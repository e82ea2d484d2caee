import { ElMessage, ElMessageBox } from 'element-plus'
import { ApiError } from '@/api/client'
import { i18n } from '@/i18n'

/** The API's message with its field messages, for a refusal that has no form field to sit at. */
function refusalText(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error)
  const details = Object.values(error.fieldErrors()).filter((m) => m && m !== error.message)
  return [error.message, ...details].join(' ')
}

/** A refused action (deactivate, remove…): a message box with what the API said. */
export function alertRefusal(title: string, error: unknown): void {
  void ElMessageBox.alert(refusalText(error), title, { type: 'error' }).catch(() => undefined)
}

/**
 * A refused form: returns the field errors for `el-form-item :error` and toasts the rest. `shown`
 * names the fields the form displays; errors of other fields go into the toast.
 */
export function formRefusal(error: unknown, shown: string[]): Record<string, string> {
  if (!(error instanceof ApiError)) {
    ElMessage.error(refusalText(error))
    return {}
  }
  const fields = error.fieldErrors()
  const elsewhere = Object.entries(fields).filter(([field]) => !shown.includes(field)).map(([, m]) => m)
  const atFields = Object.keys(fields).length > elsewhere.length
  // A 422 whose every message sits at a field only needs a pointer to them.
  const head = error.code === 422 && atFields ? i18n.global.t('admin.checkFields') : error.message
  ElMessage.error([head, ...elsewhere].join(' '))
  return fields
}
