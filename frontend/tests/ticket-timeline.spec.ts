import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import type { Ticket } from '@/api/client'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import { eventText, knownNames } from '@/features/tickets/timeline'
import type { TicketEvent } from '@/features/tickets/store'

const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN, en } })
const t = (key: string, named?: Record<string, unknown>) => i18n.global.t(key, named ?? {})
const fmt = (at: string) => at.slice(0, 16)

const ZHANG = 7
const LI = 9
const TICKET = { id: 1, first_responder_id: ZHANG, first_responder_name: '张伟', assignee_id: LI, assignee_name: '李娜' } as Ticket
const event = (kind: string, data: Record<string, unknown>, actor: [number, string] = [3, '周文涛']): TicketEvent =>
  ({ id: 1, kind, data, actor_id: actor[0], actor_name: actor[1] })

describe('the ticket timeline', () => {
  it('names who got the ticket, and from whom, as the event wrote them down', () => {
    const names = new Map<number, string>()
    expect(eventText(event('assigned', { to: LI, to_name: '李娜' }), t, names, fmt)).toBe('派单给 李娜')
    expect(eventText(event('reassigned', { from: ZHANG, from_name: '张伟', to: LI, to_name: '李娜', reason: '需要工程' }), t, names, fmt))
      .toBe('由 张伟 改派给 李娜：需要工程')
    i18n.global.locale.value = 'en'
    expect(eventText(event('reassigned', { from: ZHANG, from_name: '张伟', to: LI, to_name: '李娜' }), t, names, fmt))
      .toBe('Reassigned from 张伟 to 李娜')
    i18n.global.locale.value = 'zh-CN'
  })

  it('falls back to the names the page knows for an older event with ids only, and to nothing', () => {
    const names = knownNames(TICKET, [event('created', {}, [ZHANG, '张伟'])])
    expect(eventText(event('assigned', { to: LI }), t, names, fmt)).toBe('派单给 李娜')
    expect(eventText(event('reassigned', { from: ZHANG, to: LI, reason: '换人' }), t, names, fmt)).toBe('由 张伟 改派给 李娜：换人')
    // Someone the page does not know: what is known, else only the reason.
    expect(eventText(event('reassigned', { from: 42, to: LI, reason: '换人' }), t, names, fmt)).toBe('改派给 李娜：换人')
    expect(eventText(event('reassigned', { from: ZHANG, to: 42, reason: '换人' }), t, names, fmt)).toBe('换人')
    expect(eventText(event('assigned', { to: 42 }), t, new Map(), fmt)).toBe('')
  })

  it('says what else changed', () => {
    const names = new Map<number, string>()
    expect(eventText(event('status_changed', { from: 'assigned', to: 'in_progress' }), t, names, fmt)).toBe('已派单 → 处理中')
    expect(eventText(event('reopened', { from: 'closed', to: 'in_progress', reason: '仍渗水' }), t, names, fmt)).toBe('已关闭 → 处理中：仍渗水')
    expect(eventText(event('escalated', { from: 'project', to: 'region', rule: 'manual', reason: '业主要求' }), t, names, fmt))
      .toBe('已升级到区域：业主要求')
    expect(eventText(event('updated', { changes: { priority: { from: 'normal', to: 'urgent' } } }), t, names, fmt)).toBe('修改了优先级')
    expect(eventText(event('attachment_added', { filename: 'leak.png' }), t, names, fmt)).toBe('leak.png')
  })
})
