import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import TicketAttachments from '@/features/tickets/components/TicketAttachments.vue'

const listed = [
  { id: 1, filename: '外墙渗水.jpg', content_type: 'image/jpeg', size: 204800, uploaded_by_name: '李娜', created_at: '2026-11-26T02:00:00Z' },
  { id: 2, filename: '整改方案.pdf', content_type: 'application/pdf', size: 2_400_000, uploaded_by_name: '张伟', created_at: '2026-11-26T02:05:00Z' },
  { id: 3, filename: 'leak.mp4', content_type: 'video/mp4', size: 5_000_000, uploaded_by_name: '刘强', created_at: '2026-11-26T02:10:00Z' },
]

describe('TicketAttachments', () => {
  let calls: Request[]

  beforeEach(() => {
    setActivePinia(createPinia())
    calls = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (req: Request) => {
        calls.push(req)
        return new Response(JSON.stringify(listed), { status: 200, headers: { 'Content-Type': 'application/json' } })
      }),
    )
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })

  async function mountIt(canUpload: boolean) {
    const wrapper = mount(TicketAttachments, { props: { ticketId: 9, canUpload }, global: { plugins: [i18n, ElementPlus] }, attachTo: document.body })
    await flushPromises()
    return wrapper
  }

  it('shows photos as thumbnails and the other files as download links', async () => {
    const wrapper = await mountIt(false)
    expect(wrapper.findAll('[data-test=attachment-photo]')).toHaveLength(1)
    const files = wrapper.findAll('[data-test=attachment-file]')
    expect(files.map((f) => f.text())).toEqual([expect.stringContaining('整改方案.pdf'), expect.stringContaining('leak.mp4')])
    expect(files[0]!.text()).toContain('2.3 MB')
    const download = files[0]!.find('a[download]')
    expect(download.attributes('href')).toBe('/api/v1/tickets/9/attachments/2')
    expect(download.attributes('download')).toBe('整改方案.pdf')
    expect(wrapper.find('[data-test=attachment-drop]').exists()).toBe(false)
  })

  it('does not send a file over 10 MB', async () => {
    const wrapper = await mountIt(true)
    const big = new File(['x'], 'huge.mp4', { type: 'video/mp4' })
    Object.defineProperty(big, 'size', { value: 10 * 1024 * 1024 + 1 })
    const input = wrapper.find('input[data-test=attachment-input]')
    Object.defineProperty(input.element, 'files', { value: [big] })
    await input.trigger('change')
    await flushPromises()
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    expect(document.body.textContent).toContain('「huge.mp4」超过 10 MB，未上传')
  })
})
