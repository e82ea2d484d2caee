import { ElMessageBox } from 'element-plus'

/** Asks before a step that takes something away (deactivate, remove): true once confirmed. `action` labels the red button. */
export async function confirmDanger(message: string, title: string, action = title): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, { type: 'warning', confirmButtonText: action, confirmButtonClass: 'el-button--danger' })
    return true
  } catch {
    return false
  }
}
