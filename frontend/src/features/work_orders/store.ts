import { defineStore } from 'pinia'
import { ref } from 'vue'
import { API_PREFIX, ApiError, api, unwrap, type Schemas, type Ticket } from '@/api/client'
import { ATTACHMENT_MAX_BYTES, type Attachment } from '@/features/tickets/store'

/** Photo stages of a work order: before and after the repair. */
export const PHOTO_STAGES = ['before', 'after'] as const
export type PhotoStage = (typeof PHOTO_STAGES)[number]

export type WorkOrder = Schemas['WorkOrder']
export type WorkOrderStatus = NonNullable<Schemas['WorkOrder']['status']>
export type WorkOrderCreate = Schemas['WorkOrderCreate']
export type WorkOrderUpdate = Schemas['WorkOrderUpdate']
export type WorkOrderTransition = Schemas['WorkOrderTransition']
export type Contractor = Schemas['Contractor']
export type Trade = NonNullable<WorkOrderCreate['trade']>
export type Component = NonNullable<WorkOrderCreate['component']>
export type QuoteStatus = NonNullable<WorkOrder['quote_status']>
export type WarrantyReason = NonNullable<WorkOrder['warranty_reason']>

/** The ticket's warranty decision: its latest work order's, or an estimate before dispatch. */
export type TicketWarranty = Schemas['TicketWarranty']
/** A repair ticket as its page has it: with its dispatch clock and (the detail answer) its warranty. */
export type RepairTicket = Ticket & Pick<Schemas['TicketDetail'], 'warranty'>
/** A ticket attachment that is a photo of a work order, at one stage. */
export type WorkOrderPhoto = Attachment

/** The ticket's warranty decision, or null (none, or an empty object). */
export function warrantyOf(ticket: RepairTicket): TicketWarranty | null {
  const warranty = ticket.warranty as TicketWarranty | null | undefined
  return warranty && typeof warranty.in_warranty === 'boolean' ? warranty : null
}

/** Who may supervise a repair: engineers and the project manager of the project. */
export interface Supervisor {
  id: number
  name: string
  username?: string
  roles: ('engineer' | 'project_manager')[]
}

export const STEPS = ['dispatched', 'accepted', 'on_site', 'done'] as const satisfies readonly WorkOrderStatus[]
export const OPEN_STATUSES = ['dispatched', 'accepted', 'on_site'] as const satisfies readonly WorkOrderStatus[]
export const TRADES = ['waterproofing', 'electrical', 'plumbing', 'doors_windows', 'decoration', 'general'] as const satisfies readonly Trade[]
export const COMPONENTS = [
  'waterproofing', 'heating_cooling', 'electrical', 'plumbing', 'doors_windows', 'decoration', 'structure',
] as const satisfies readonly Component[]
const SUPERVISOR_ROLES = ['engineer', 'project_manager'] as const
/** The photo types a browser shows (the API also takes HEIC). */
export const PHOTO_ACCEPT = 'image/jpeg,image/png,image/webp,image/gif,image/heic,.heic'
export const PHOTO_MAX_BYTES = ATTACHMENT_MAX_BYTES

export function isOpen(workOrder: WorkOrder | null | undefined): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(workOrder?.status ?? '')
}

/** The moves the API accepts from a status (workflow.py; an illegal one answers 409). */
export function nextStatuses(status: WorkOrderStatus | undefined): WorkOrderStatus[] {
  switch (status) {
    case 'dispatched':
      return ['accepted', 'rejected']
    case 'accepted':
      return ['on_site', 'rejected']
    case 'on_site':
      return ['done']
    default:
      return []
  }
}

/** A paid repair (out of warranty) goes on site only once the customer accepted the quote. */
export function waitsForQuote(workOrder: WorkOrder): boolean {
  return workOrder.in_warranty === false && workOrder.quote_status !== 'accepted'
}

export type Action = 'accept' | 'reject' | 'arrive' | 'finish' | 'record' | 'quote'
const MOVE_ACTIONS: Partial<Record<WorkOrderStatus, Action>> = {
  accepted: 'accept',
  rejected: 'reject',
  on_site: 'arrive',
  done: 'finish',
}

/**
 * What the user may do on a work order: the dispatcher (workorder.dispatch at the project) or its
 * supervisor moves it by the state machine, records the visit (not once rejected) and, for a paid
 * repair, the quote and the customer's answer while it is pending. The API still decides.
 */
export function actionsFor(workOrder: WorkOrder, who: { canDispatch: boolean; userId?: number | null }): Action[] {
  const mayWrite = who.canDispatch || (who.userId != null && workOrder.supervisor_id === who.userId)
  if (!mayWrite || workOrder.status === 'rejected') return []
  const actions = nextStatuses(workOrder.status).map((to) => MOVE_ACTIONS[to]!)
  actions.push('record')
  if (workOrder.in_warranty === false && workOrder.quote_status === 'pending') actions.push('quote')
  return actions
}

/** A write that lost a race: the work order changed since it was loaded (412). */
export function isStale(error: unknown): boolean {
  return error instanceof ApiError && error.code === 412
}

/** The photo file itself (a ticket attachment): served with the session cookie, so an `<img src>` works. */
export function photoUrl(photo: WorkOrderPhoto): string {
  return `${API_PREFIX}/tickets/${photo.ticket_id}/attachments/${photo.id}`
}

/** A work order answer with its ETag (the version, for the next If-Match). */
function withEtag(result: { data?: unknown; error?: unknown; response: Response }): { workOrder: WorkOrder; etag: string } {
  const workOrder = unwrap(result) as WorkOrder
  return { workOrder, etag: result.response.headers.get('ETag') ?? etagOf(workOrder) }
}

/** The ETag of a work order as listed (the list answers no ETag header: the version is it). */
export function etagOf(workOrder: WorkOrder): string {
  return `"${workOrder.version}"`
}

/** Work orders of the ticket page: every call of the feature goes through here (components never fetch). */
export const useWorkOrderStore = defineStore('workOrders', () => {
  /** The work orders of each ticket seen, the current (newest) first. */
  const byTicket = ref<Record<number, WorkOrder[]>>({})

  /** The ticket's work orders, newest first: the open one (there is at most one) is the newest. */
  async function ofTicket(ticketId: number): Promise<WorkOrder[]> {
    const items = unwrap(
      await api.GET('/api/v1/work-orders', { params: { query: { ticket_id: ticketId, page_size: 100 } } }),
    ) as WorkOrder[]
    byTicket.value = { ...byTicket.value, [ticketId]: items }
    return items
  }

  async function get(id: number): Promise<{ workOrder: WorkOrder; etag: string }> {
    return withEtag(await api.GET('/api/v1/work-orders/{work_order_id}', { params: { path: { work_order_id: id } } }))
  }

  /** 派工: 422 with field errors (contractor, supervisor, component, quote), 409 while one is open. */
  async function dispatch(body: WorkOrderCreate): Promise<{ workOrder: WorkOrder; etag: string }> {
    return withEtag(await api.POST('/api/v1/work-orders', { body }))
  }

  /** Record the visit, materials, cost, result or the quote; a stale `etag` answers 412. */
  async function update(id: number, etag: string, changes: WorkOrderUpdate): Promise<{ workOrder: WorkOrder; etag: string }> {
    return withEtag(
      await api.PATCH('/api/v1/work-orders/{work_order_id}', {
        params: { path: { work_order_id: id }, header: { 'If-Match': etag } },
        body: changes,
      }),
    )
  }

  /** 接单 / 拒单 / 到场 / 完工; a stale `etag` answers 412, an illegal move 409. */
  async function transition(id: number, etag: string, body: WorkOrderTransition): Promise<{ workOrder: WorkOrder; etag: string }> {
    return withEtag(
      await api.POST('/api/v1/work-orders/{work_order_id}/transitions', {
        params: { path: { work_order_id: id }, header: { 'If-Match': etag } },
        body,
      }),
    )
  }

  /** Active contractors dispatchable at the project (serving it or its region). */
  async function contractors(projectId: number): Promise<Contractor[]> {
    return unwrap(
      await api.GET('/api/v1/contractors', { params: { query: { org_unit_id: projectId, active: true, page_size: 100 } } }),
    ) as Contractor[]
  }

  /** Engineers and project managers of the project (a membership there with one of these roles). */
  async function supervisors(projectId: number): Promise<Supervisor[]> {
    const lists = await Promise.all(
      SUPERVISOR_ROLES.map(async (role) =>
        unwrap(
          await api.GET('/api/v1/users', { params: { query: { org_unit_id: projectId, role, is_active: true, page_size: 100 } } }),
        ) as Schemas['User'][],
      ),
    )
    const found = new Map<number, Supervisor>()
    for (const user of lists.flat()) {
      const roles = (user.memberships ?? [])
        .filter((m) => m.org_unit_id === projectId)
        .map((m) => m.role)
        .filter((r): r is Supervisor['roles'][number] => (SUPERVISOR_ROLES as readonly (string | undefined)[]).includes(r))
      if (!roles.length || found.has(user.id as number)) continue
      found.set(user.id as number, { id: user.id as number, name: user.name ?? '', username: user.username, roles: [...new Set(roles)] })
    }
    return [...found.values()]
  }

  /** The work order's photos (ticket attachments with their stage). */
  async function photos(id: number): Promise<WorkOrderPhoto[]> {
    return unwrap(
      await api.GET('/api/v1/work-orders/{work_order_id}/photos', { params: { path: { work_order_id: id }, query: { page_size: 100 } } }),
    ) as WorkOrderPhoto[]
  }

  /** One photo of a stage, as multipart/form-data through the same client (cookies, X-CSRF-TOKEN, one refresh on 401). */
  async function uploadPhoto(id: number, stage: PhotoStage, file: File): Promise<WorkOrderPhoto> {
    return unwrap(
      await api.POST('/api/v1/work-orders/{work_order_id}/photos', {
        params: { path: { work_order_id: id } },
        // The spec types a binary part as a string; the serializer puts the File itself in the form.
        body: { file: file as unknown as string, stage },
        bodySerializer: () => {
          const form = new FormData()
          form.append('stage', stage)
          form.append('file', file, file.name)
          return form
        },
      }),
    ) as WorkOrderPhoto
  }

  return { byTicket, ofTicket, get, dispatch, update, transition, contractors, supervisors, photos, uploadPhoto }
})
