// The words of the ticket timeline: one line per event under its kind and actor.
import type { Ticket } from '@/api/client'
import { fmtMoney, warrantyLabel, type WarrantyDecision } from '@/features/work_orders/format'
import type { TicketEvent } from './store'

type Translate = (key: string, named?: Record<string, unknown>) => string

/** The label of a field named in an `updated` event. */
const FIELD_LABELS: Record<string, string> = {
  title: 'ticket.title',
  description: 'ticket.description',
  priority: 'ticket.priority',
  category_id: 'ticket.category',
  customer_id: 'ticket.customer',
  is_major: 'ticket.isMajor',
  households_affected: 'ticket.households',
  sensitive: 'intake.sensitive',
  function: 'detail.function',
}

/**
 * People the page knows by id: whoever acted on the timeline, the first responder and the assignee.
 * Only for events written before the timeline kept names (`to_name`, `from_name`).
 */
export function knownNames(ticket: Ticket | null, events: TicketEvent[]): Map<number, string> {
  const names = new Map<number, string>()
  for (const e of events) if (typeof e.actor_id === 'number' && e.actor_name) names.set(e.actor_id, e.actor_name)
  if (ticket?.first_responder_id != null && ticket.first_responder_name) names.set(ticket.first_responder_id, ticket.first_responder_name)
  if (ticket?.assignee_id != null && ticket.assignee_name) names.set(ticket.assignee_id, ticket.assignee_name)
  return names
}

/** The name written with the event, else the one known for the id, else null (nothing to show). */
function person(id: unknown, name: unknown, names: Map<number, string>): string | null {
  if (typeof name === 'string' && name) return name
  return typeof id === 'number' ? names.get(id) ?? null : null
}

/** "派单给 李娜", "由 张伟 改派给 李娜": who got the ticket (and from whom), as far as it is known. */
function assignment(e: TicketEvent, data: Record<string, unknown>, t: Translate, names: Map<number, string>): string | null {
  const to = person(data.to, data.to_name, names)
  if (!to) return null
  if (e.kind === 'assigned') return t('detail.assignment.assigned', { to })
  const from = person(data.from, data.from_name, names)
  return from ? t('detail.assignment.reassigned', { from, to }) : t('detail.assignment.reassignedTo', { to })
}

/** The line under an event: what changed, then the reason given. */
export function eventText(e: TicketEvent, t: Translate, names: Map<number, string>, fmt: (at: string) => string): string {
  const data = (e.data ?? {}) as Record<string, unknown>
  const parts: string[] = []
  if ((e.kind === 'status_changed' || e.kind === 'reopened') && typeof data.from === 'string' && typeof data.to === 'string')
    parts.push(`${t(`ticket.statuses.${data.from}`)} → ${t(`ticket.statuses.${data.to}`)}`)
  else if (e.kind === 'escalated' && typeof data.to === 'string') parts.push(t('detail.escalated', { level: t(`ticket.levels.${data.to}`) }))
  else if (e.kind === 'assigned' || e.kind === 'reassigned') {
    const who = assignment(e, data, t, names)
    if (who) parts.push(who)
  }
  if (e.kind === 'updated' && data.changes && typeof data.changes === 'object') {
    const fields = Object.keys(data.changes).map((f) => (FIELD_LABELS[f] ? t(FIELD_LABELS[f]) : f))
    parts.push(t('detail.changed', { fields: fields.join('、') }))
  }
  const resolveDue = (data.resolve_due_at as { to?: string } | undefined)?.to
  if (e.kind === 'due_changed' && resolveDue) parts.push(t('detail.newResolveDue', { at: fmt(resolveDue) }))
  if (e.kind === 'attachment_added' && typeof data.filename === 'string') parts.push(data.filename)
  parts.push(...repairText(e, data, t, fmt))
  if (typeof data.reason === 'string') parts.push(SYSTEM_REASONS[data.reason] ? t(SYSTEM_REASONS[data.reason]!) : data.reason)
  if (e.kind === 'status_changed' && data.override_callback != null) parts.push(t('detail.callbackOverridden'))
  return parts.join('：')
}

/** Reasons the API writes itself (in English) for a move it makes. */
const SYSTEM_REASONS: Record<string, string> = { 'work order dispatched': 'detail.systemReasons.workOrderDispatched' }

/** What a work order, a callback or an SLA breach wrote on the timeline. */
function repairText(e: TicketEvent, data: Record<string, unknown>, t: Translate, fmt: (at: string) => string): string[] {
  const parts: string[] = []
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null)
  switch (e.kind) {
    case 'work_order_dispatched': {
      parts.push(t('detail.workOrderEvent.dispatched', { contractor: str(data.contractor_name) ?? '—', supervisor: str(data.supervisor_name) ?? '—' }))
      const what = [str(data.component) && t(`workOrders.components.${data.component}`)]
      if (typeof data.in_warranty === 'boolean') {
        const decision: WarrantyDecision = { in_warranty: data.in_warranty, until: str(data.warranty_until) }
        what.push(warrantyLabel(t, decision))
      }
      const shown = what.filter(Boolean).join(' · ')
      if (shown) parts.push(shown)
      break
    }
    case 'work_order_done':
      if (str(data.result)) parts.push(str(data.result)!)
      break
    case 'work_order_quote_accepted':
    case 'work_order_quote_declined':
      if (data.quote_amount != null) parts.push(t('detail.workOrderEvent.quote', { amount: fmtMoney(data.quote_amount as string) }))
      break
    case 'callback_completed':
      parts.push(t('detail.callbackEvent.completed', {
        score: data.satisfaction, timeliness: data.timeliness, quality: data.quality, attitude: data.attitude,
      }))
      if (str(data.comment)) parts.push(str(data.comment)!)
      break
    case 'callback_not_reached':
      parts.push(data.unreached || !str(data.next_due_at)
        ? t('detail.callbackEvent.unreached', { n: data.attempt })
        : t('detail.callbackEvent.notReached', { n: data.attempt, at: fmt(str(data.next_due_at)!) }))
      if (str(data.comment)) parts.push(str(data.comment)!)
      break
    case 'work_order_photo':
      parts.push([str(data.stage) && t(`detail.photoEvent.${data.stage}`), str(data.filename)].filter(Boolean).join(' · '))
      break
    case 'callback_planned':
      if (str(data.due_at)) parts.push(t('detail.callbackPlanned', { at: fmt(str(data.due_at)!) }))
      break
    case 'sla_breached': {
      const which = str(data.which)
      const head = [which ? t(`detail.slaEvent.which.${which}`) : null, str(data.due_at) ? t('detail.slaEvent.due', { at: fmt(str(data.due_at)!) }) : null]
      parts.push(head.filter(Boolean).join('，'))
      if (str(data.escalated_to)) parts.push(t('detail.slaEvent.escalatedTo', { level: t(`ticket.levels.${data.escalated_to}`) }))
      break
    }
  }
  return parts
}
