import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, paged, unwrap, type Paged, type Schemas, type Ticket } from '@/api/client'
import type { paths } from '@/api/schema'

export type Callback = Schemas['Callback']
export type CallbackDetail = Schemas['CallbackDetail']
export type CallbackQuery = NonNullable<paths['/api/v1/callbacks']['get']['parameters']['query']>
export type CallbackCreate = Schemas['CallbackCreate']
export type CallbackBulk = Schemas['CallbackBulk']
export type Complete = Schemas['Complete']
export type Scores = Schemas['Scores']
export type Attempt = Schemas['Attempt']
export type CallbackKind = NonNullable<Callback['kind']>
export type CallbackStatus = NonNullable<Callback['status']>
export type User = Schemas['User']

export const CALLBACK_KINDS = ['resolution', 'major_repair', 'handover', 'property_service', 'design'] as const satisfies readonly CallbackKind[]
/** The kinds planned by hand for customers (the ticket kinds are scheduled when a ticket is resolved). */
export const MANUAL_KINDS = ['handover', 'property_service', 'design'] as const satisfies readonly CallbackKind[]
export const CALLBACK_STATUSES = ['pending', 'completed', 'unreached', 'cancelled'] as const satisfies readonly CallbackStatus[]
/** Calls before a callback closes as unreached (the API's MAX_ATTEMPTS). */
export const MAX_ATTEMPTS = 3
/** An overall score at or below this reopens the ticket and notifies the project manager (DESIGN §3: 1–2). */
export const DISSATISFIED = 2
export const SCORE_DIMENSIONS = ['timeliness', 'quality', 'attitude'] as const
export type ScoreDimension = (typeof SCORE_DIMENSIONS)[number]

/** A pending callback whose due time has passed. */
export function isOverdue(callback: Pick<Callback, 'status' | 'due_at'>, now = Date.now()): boolean {
  if (callback.status !== 'pending' || !callback.due_at) return false
  return Date.parse(callback.due_at) < now
}

/** What the call form holds: the outcome, the three scores (0 = not scored yet) and the comment. */
export interface CallForm {
  reached: boolean | null
  timeliness: number
  quality: number
  attitude: number
  comment: string
}

export function blankCallForm(): CallForm {
  return { reached: null, timeliness: 0, quality: 0, attitude: 0, comment: '' }
}

/** The lowest of the three scores once all are given (the overall score), else null. */
export function lowestScore(form: Pick<CallForm, ScoreDimension>): number | null {
  const scores = SCORE_DIMENSIONS.map((d) => form[d])
  return scores.every((s) => s >= 1 && s <= 5) ? Math.min(...scores) : null
}

/** A reached call whose overall score will reopen the ticket and notify the project manager. */
export function isDissatisfied(form: CallForm): boolean {
  const lowest = lowestScore(form)
  return form.reached === true && lowest !== null && lowest <= DISSATISFIED
}

/** The body of `POST /callbacks/{id}/complete`: scores only when reached, the comment only when written. */
export function completeBody(form: CallForm): Complete {
  const comment = form.comment.trim()
  const body: Complete = { reached: form.reached === true }
  if (form.reached) body.satisfaction = { timeliness: form.timeliness, quality: form.quality, attitude: form.attitude }
  if (comment) body.comment = comment
  return body
}

export type Outcome =
  | { kind: 'completed' | 'dissatisfied'; score: number }
  | { kind: 'reopened'; score: number; ticketNumber: string }
  | { kind: 'retry'; attempts: number; dueAt: string }
  | { kind: 'unreached' }

/** What the API's answer to a completed call says happened. */
export function outcomeOf(callback: CallbackDetail): Outcome {
  if (callback.status === 'unreached') return { kind: 'unreached' }
  if (callback.status === 'pending') return { kind: 'retry', attempts: callback.attempts ?? 0, dueAt: callback.due_at ?? '' }
  const score = callback.satisfaction ?? 0
  if (score > DISSATISFIED) return { kind: 'completed', score }
  // The API reopens the ticket (back to in_progress) on a low score.
  if (callback.ticket_id && callback.ticket_status === 'in_progress') {
    return { kind: 'reopened', score, ticketNumber: callback.ticket_number ?? '' }
  }
  return { kind: 'dissatisfied', score }
}

/** The planning of `customer_ids` callbacks of one kind in one project (one customer: POST /callbacks; more: /bulk). */
export interface CallbackPlan {
  org_unit_id: number
  kind: (typeof MANUAL_KINDS)[number]
  customer_ids: number[]
  due_at: string
  assignee_id?: number | null
}

/** Callbacks (回访): every call of the feature goes through here (components never fetch). */
export const useCallbackStore = defineStore('callbacks', () => {
  /** The queue the user last looked at (without its page): "next callback" takes the next due one of it. */
  const queueQuery = ref<CallbackQuery>({ mine: true })

  async function list(query: CallbackQuery): Promise<Paged<Callback>> {
    return paged<Callback>(await api.GET('/api/v1/callbacks', { params: { query } }))
  }

  /** The callback with its attempt log. */
  async function get(id: number): Promise<CallbackDetail> {
    return unwrap(await api.GET('/api/v1/callbacks/{callback_id}', { params: { path: { callback_id: id } } })) as CallbackDetail
  }

  /** Record one call: 422 with field errors for a bad form, 409 when the callback is no longer pending. */
  async function complete(id: number, body: Complete): Promise<CallbackDetail> {
    return unwrap(
      await api.POST('/api/v1/callbacks/{callback_id}/complete', { params: { path: { callback_id: id } }, body }),
    ) as CallbackDetail
  }

  /** One customer: `POST /callbacks`; several: `POST /callbacks/bulk` (all or none, errors as `customer_ids.<index>`). */
  async function plan(p: CallbackPlan): Promise<Callback[]> {
    const assignee = p.assignee_id ? { assignee_id: p.assignee_id } : {}
    if (p.customer_ids.length === 1) {
      const body: CallbackCreate = { org_unit_id: p.org_unit_id, kind: p.kind, customer_id: p.customer_ids[0]!, due_at: p.due_at, ...assignee }
      return [unwrap(await api.POST('/api/v1/callbacks', { body })) as CallbackDetail]
    }
    const body: CallbackBulk = { org_unit_id: p.org_unit_id, kind: p.kind, customer_ids: p.customer_ids, due_at: p.due_at, ...assignee }
    return unwrap(await api.POST('/api/v1/callbacks/bulk', { body })) as Callback[]
  }

  /** The ticket a callback follows up (its summary on the call screen). */
  async function ticket(id: number): Promise<Ticket> {
    return unwrap(await api.GET('/api/v1/tickets/{ticket_id}', { params: { path: { ticket_id: id } } })) as Ticket
  }

  /** The soonest pending callback of the last queue other than `currentId`, or null. */
  async function next(currentId: number): Promise<Callback | null> {
    const { items } = await list({ ...queueQuery.value, status: ['pending'], page: 1, page_size: 2 })
    return items.find((c) => c.id !== currentId) ?? null
  }

  /** Customers of a project for the planning dialog's search. */
  async function findCustomers(q: string, orgUnitId: number): Promise<Schemas['Customer'][]> {
    const query = { org_unit_id: orgUnitId, page_size: 20, ...(q.trim() ? { q: q.trim() } : {}) }
    return unwrap(await api.GET('/api/v1/customers', { params: { query } })) as Schemas['Customer'][]
  }

  /** Active colleagues of a project (needs user.read; the API checks that they work callbacks there). */
  async function findUsers(q: string, orgUnitId: number): Promise<User[]> {
    const query = { org_unit_id: orgUnitId, is_active: true, page_size: 20, ...(q.trim() ? { q: q.trim() } : {}) }
    return unwrap(await api.GET('/api/v1/users', { params: { query } })) as User[]
  }

  return { queueQuery, list, get, complete, plan, ticket, next, findCustomers, findUsers }
})
