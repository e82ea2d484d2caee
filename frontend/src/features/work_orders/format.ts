// The words of a work order on screen: the warranty decision, the quote, times and money.
import type { TicketWarranty, WarrantyReason, WorkOrder } from './store'

type Translate = (key: string, named?: Record<string, unknown>) => string

export interface WarrantyDecision {
  in_warranty?: boolean | null
  until?: string | null
  reason?: WarrantyReason | null
}

/** The decision of a work order in the shape of the ticket's (`warranty` on the ticket). */
export function decisionOf(workOrder: WorkOrder): WarrantyDecision {
  return { in_warranty: workOrder.in_warranty, until: workOrder.warranty_until, reason: workOrder.warranty_reason }
}

/** "保修期内（至 2027-05-31）" / "保修期内" / "有偿维修". */
export function warrantyLabel(t: Translate, decision: WarrantyDecision | TicketWarranty): string {
  if (decision.in_warranty === false) return t('workOrders.warranty.paid')
  return decision.until ? t('workOrders.warranty.until', { date: decision.until }) : t('workOrders.warranty.inWarranty')
}

/** Why: "已过保修期，需客户确认报价" and the like. */
export function warrantyReason(t: Translate, decision: WarrantyDecision | TicketWarranty): string {
  return decision.reason ? t(`workOrders.warranty.reasons.${decision.reason}`) : ''
}

export function fmtTime(at?: string | null): string {
  return at ? new Date(at).toLocaleString() : '—'
}

/** "¥350.50"; the API answers money as a string with 2 decimals. */
export function fmtMoney(amount?: string | number | null): string {
  if (amount == null || amount === '') return '—'
  const value = Number(amount)
  return Number.isFinite(value) ? `¥${value.toFixed(2)}` : String(amount)
}

/** A date-time picker's value for the API (ISO-8601 with offset), or null when cleared. */
export function toApiTime(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null
}

export function fromApiTime(at?: string | null): Date | null {
  return at ? new Date(at) : null
}
