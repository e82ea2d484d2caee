import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import { eventText } from '@/features/tickets/timeline'
import type { TicketEvent } from '@/features/tickets/store'

const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN, en } })
const t = (key: string, named?: Record<string, unknown>) => i18n.global.t(key, named ?? {})
const fmt = (at: string) => at.slice(0, 16)
const names = new Map<number, string>()
const event = (kind: string, data: Record<string, unknown>): TicketEvent => ({ id: 1, kind, data, actor_id: 3, actor_name: '张伟' })
const text = (kind: string, data: Record<string, unknown>) => eventText(event(kind, data), t, names, fmt)

/** Every kind the API writes on a ticket's timeline (EventSchema.kind). */
const KINDS = [
  'created', 'assigned', 'reassigned', 'status_changed', 'reopened', 'updated', 'due_changed', 'commented', 'attachment_added',
  'escalated', 'sla_breached', 'escalation_acknowledged', 'callback_not_reached', 'callback_completed', 'work_order_dispatched',
  'work_order_accepted', 'work_order_on_site', 'work_order_done', 'work_order_rejected', 'work_order_quote_accepted',
  'work_order_quote_declined', 'work_order_photo', 'callback_planned',
]

describe('repairs on the ticket timeline', () => {
  it('labels every event kind in both languages', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      i18n.global.locale.value = locale
      for (const kind of KINDS) expect(i18n.global.te(`detail.events.${kind}`), `${locale} ${kind}`).toBe(true)
    }
    i18n.global.locale.value = 'zh-CN'
    expect(t('detail.events.work_order_dispatched')).toBe('派工')
    expect(t('escalations.rules.sla_dispatch')).toBe('派工超时')
  })

  it('says who was sent, on what, and the warranty decision', () => {
    expect(text('work_order_dispatched', {
      contractor_name: '安居防水工程', supervisor_name: '刘强', component: 'waterproofing', in_warranty: true, warranty_until: '2027-05-31',
    })).toBe('安居防水工程，监理人 刘强：防水（屋面、卫生间、外墙） · 保修期内（至 2027-05-31）')
    expect(text('work_order_dispatched', { contractor_name: '万家维修', supervisor_name: '刘强', component: 'plumbing', in_warranty: false }))
      .toBe('万家维修，监理人 刘强：给排水管道 · 有偿维修')
  })

  it("shows the result, the contractor's reason, the quote and the photo", () => {
    expect(text('work_order_done', { from: 'on_site', to: 'done', result: '更换止水阀' })).toBe('更换止水阀')
    expect(text('work_order_rejected', { from: 'dispatched', to: 'rejected', reason: '人手不足' })).toBe('人手不足')
    expect(text('work_order_quote_accepted', { quote_amount: '280.00' })).toBe('报价 ¥280.00')
    expect(text('work_order_photo', { stage: 'after', filename: 'after.jpg' })).toBe('维修后照片 · after.jpg')
  })

  it('tells the callbacks: scores, retries, plans', () => {
    expect(text('callback_completed', { satisfaction: 2, timeliness: 3, quality: 2, attitude: 4, comment: '还在渗水' }))
      .toBe('满意度 2 分（及时性 3 · 质量 2 · 态度 4）：还在渗水')
    expect(text('callback_not_reached', { attempt: 1, next_due_at: '2026-11-21T10:00:00Z', unreached: false }))
      .toBe('第 1 次未接通，2026-11-21T10:00 再次回访')
    expect(text('callback_not_reached', { attempt: 3, next_due_at: null, unreached: true })).toBe('第 3 次未接通，回访结束')
    expect(text('callback_planned', { due_at: '2026-11-22T02:00:00Z' })).toBe('应于 2026-11-22T02:00 前回访')
  })

  it('names the SLA breach, the dispatch one included, and where it climbed', () => {
    expect(text('sla_breached', { which: 'dispatch', due_at: '2026-11-20T14:00:00Z', escalated_to: 'region' }))
      .toBe('派工超时，应于 2026-11-20T14:00 前：已升级到区域')
    expect(text('sla_breached', { which: 'resolution', due_at: '2026-11-20T14:00:00Z', escalated_to: null }))
      .toBe('解决超时，应于 2026-11-20T14:00 前')
  })

  it("words the API's own reason for the move a dispatch makes, and a close over a pending callback", () => {
    expect(text('status_changed', { from: 'assigned', to: 'in_progress', reason: 'work order dispatched' })).toBe('已派单 → 处理中：已派工')
    expect(text('status_changed', { from: 'resolved', to: 'closed', reason: '客户已确认', override_callback: 12 }))
      .toBe('已解决 → 已关闭：客户已确认：待办回访未完成，经理确认关闭')
  })
})
