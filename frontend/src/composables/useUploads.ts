import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ElMessage } from 'element-plus'

export interface UploadOptions {
  /** Larger files are not sent. */
  maxBytes: number
  /** Where the texts are: `<messages>.tooLarge` {name}, `.failed` {name, message}, `.uploaded` {n}. */
  messages: string
  /** Sends one file. */
  send: (file: File) => Promise<unknown>
  /** Called once some file went up (before `reload`). */
  uploaded: () => void
  /** Reloads the list after the uploads, whatever their outcome. */
  reload: () => Promise<void>
}

/**
 * Uploads several files at once, each on its own: one too large or refused does not stop the others.
 * `uploading` counts the files still on their way.
 */
export function useUploads(options: UploadOptions) {
  const { t } = useI18n()
  const uploading = ref(0)

  async function upload(list: FileList | File[] | null | undefined): Promise<void> {
    const fitting = Array.from(list ?? []).filter((file) => {
      if (file.size <= options.maxBytes) return true
      ElMessage.error(t(`${options.messages}.tooLarge`, { name: file.name }))
      return false
    })
    if (!fitting.length) return
    uploading.value += fitting.length
    const results = await Promise.allSettled(fitting.map((file) => options.send(file).finally(() => (uploading.value -= 1))))
    results.forEach((result, i) => {
      if (result.status === 'rejected') {
        const message = result.reason instanceof Error ? result.reason.message : String(result.reason)
        ElMessage.error({ message: t(`${options.messages}.failed`, { name: fitting[i]!.name, message }), duration: 6000 })
      }
    })
    const done = results.filter((r) => r.status === 'fulfilled').length
    if (done) {
      ElMessage.success(t(`${options.messages}.uploaded`, { n: done }))
      options.uploaded()
    }
    await options.reload()
  }

  /** The `change` of an `<input type="file">`: uploads what was picked, then empties the input. */
  function onPick(event: Event): void {
    const input = event.target as HTMLInputElement
    void upload(input.files).finally(() => (input.value = ''))
  }

  return { uploading, upload, onPick }
}
