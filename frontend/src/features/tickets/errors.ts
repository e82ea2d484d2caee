import type { Ref } from 'vue'
import { ElMessage } from 'element-plus'
import { ApiError } from '@/api/client'
import { i18n } from '@/i18n'
import { isConflict } from './store'

/**
 * A refused change of a ticket (sent with If-Match). When someone changed the ticket meanwhile (see
 * `isConflict`) it says so and answers true: the caller closes and has the page reload. Otherwise the
 * API's message is shown and its field errors go to `fieldErrors`.
 */
export function changeRefused(error: unknown, fieldErrors: Ref<Record<string, string>>): boolean {
  if (isConflict(error)) {
    ElMessage.error(i18n.global.t('errors.conflict'))
    return true
  }
  if (error instanceof ApiError) {
    fieldErrors.value = error.fieldErrors()
    ElMessage.error(error.message)
  } else ElMessage.error(String(error))
  return false
}
