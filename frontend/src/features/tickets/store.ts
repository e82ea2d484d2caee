import { defineStore } from 'pinia'
import { ref } from 'vue'
import { API_PREFIX, ApiError, api, paged, unwrap, type Paged, type Schemas, type Ticket } from '@/api/client'
import type { paths } from '@/api/schema'

export type TicketQuery = NonNullable<paths['/api/v1/tickets']['get']['parameters']['query']>
export type TicketCreate = Schemas['TicketCreate']
export type TicketEvent = Schemas['Event']
export type Comment = Schemas['Comment']
export type Category = Schemas['Category']
export type TicketStatus = Ticket['status']
export type TicketUpdate = Schemas['TicketUpdate']
export type Attachment = Schemas['Attachment']
export type Assignee = Schemas['Assignee']
export type TicketFunction = NonNullable<TicketUpdate['function']>

export const TICKET_TYPES = ['complaint', 'repair', 'inquiry', 'suggestion', 'praise'] as const
export const TICKET_STATUSES = ['new', 'assigned', 'in_progress', 'resolved', 'closed', 'cancelled'] as const
export const OPEN_STATUSES = ['new', 'assigned', 'in_progress'] as const
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const
export const CHANNELS = ['phone', 'hotline', 'walk_in', 'wechat', 'web', 'email', 'letter', 'other'] as const
export const SENSITIVES = ['media', 'lawsuit', 'government_hotline'] as const
/** The lines of business (条线) of a ticket, a category and a membership; labels under `function.` in the locale files. */
export const FUNCTIONS = ['customer_service', 'engineering', 'sales', 'property', 'design', 'marketing'] as const satisfies readonly TicketFunction[]

/** The API's limit for one attachment (ATTACHMENT_MAX_BYTES, 10 MB by default); a larger file answers 413. */
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
/** What the API accepts (it reads the type from the bytes; anything else answers 415). */
export const ATTACHMENT_ACCEPT = 'image/jpeg,image/png,image/webp,image/gif,image/heic,.heic,application/pdf,video/mp4'
/** The types a browser shows inline (HEIC is not one of them in most browsers). */
const PREVIEWABLE = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif'])

export function isPreviewable(attachment: Attachment): boolean {
  return PREVIEWABLE.has(attachment.content_type ?? '')
}

/** The file itself: served with the session cookie, so it works as an `<img src>` or a download link. */
export function attachmentUrl(ticketId: number, attachmentId: number): string {
  return `${API_PREFIX}/tickets/${ticketId}/attachments/${attachmentId}`
}

/** The moves the API accepts from a status (illegal ones answer 409; who may do them is the API's call). */
export function nextStatuses(status: TicketStatus | undefined): NonNullable<TicketStatus>[] {
  switch (status) {
    case 'new':
    case 'assigned':
      return ['in_progress', 'cancelled']
    case 'in_progress':
      return ['resolved', 'cancelled']
    case 'resolved':
      return ['closed', 'in_progress']
    case 'closed':
      return ['in_progress']
    default:
      return []
  }
}

/** A write that lost a race (412: the ticket changed since it was loaded) or no longer fits it (409). */
export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 412 || error.code === 409)
}

export interface CategoryNode {
  value: number
  label: string
  children?: CategoryNode[]
}

export function categoryTree(categories: Category[]): CategoryNode[] {
  const byParent = new Map<number | null, Category[]>()
  for (const c of categories.filter((c) => c.is_active !== false)) {
    const key = c.parent_id ?? null
    byParent.set(key, [...(byParent.get(key) ?? []), c])
  }
  const build = (parent: number | null): CategoryNode[] =>
    (byParent.get(parent) ?? [])
      .sort((a, b) => (a.sort_order ?? 0) - (b.sort_order ?? 0))
      .map((c) => {
        const children = build(c.id as number)
        return { value: c.id as number, label: c.name as string, ...(children.length ? { children } : {}) }
      })
  return build(null)
}

/** A ticket answer with its ETag (the version, for the next If-Match). */
function withEtag(result: { data?: Ticket; error?: unknown; response: Response }): { ticket: Ticket; etag: string } {
  const ticket = unwrap(result)
  return { ticket, etag: result.response.headers.get('ETag') ?? `"${ticket.version}"` }
}

/** Tickets: every call of the feature goes through here (components never fetch). */
export const useTicketStore = defineStore('tickets', () => {
  const categories = ref<Category[]>([])

  async function list(query: TicketQuery): Promise<Paged<Ticket>> {
    return paged<Ticket>(await api.GET('/api/v1/tickets', { params: { query } }))
  }

  /** The ticket and its ETag (the version, for If-Match). */
  async function get(id: number): Promise<{ ticket: Ticket; etag: string }> {
    return withEtag(await api.GET('/api/v1/tickets/{ticket_id}', { params: { path: { ticket_id: id } } }))
  }

  /** Edit, re-prioritise (the API moves the due times), route or (re)assign; a stale `etag` answers 412. */
  async function update(id: number, etag: string, changes: TicketUpdate): Promise<{ ticket: Ticket; etag: string }> {
    return withEtag(
      await api.PATCH('/api/v1/tickets/{ticket_id}', { params: { path: { ticket_id: id }, header: { 'If-Match': etag } }, body: changes }),
    )
  }

  /** Who may take the ticket, fewest open tickets first (403 for whoever may not route it). */
  async function assignees(id: number): Promise<Assignee[]> {
    return unwrap(await api.GET('/api/v1/tickets/{ticket_id}/assignees', { params: { path: { ticket_id: id } } })) as Assignee[]
  }

  /** 派单 / 改派: assigning a new ticket makes it assigned; a reassignment needs a reason. */
  async function assign(id: number, etag: string, assigneeId: number, reason?: string): Promise<{ ticket: Ticket; etag: string }> {
    return update(id, etag, reason ? { assignee_id: assigneeId, reason } : { assignee_id: assigneeId })
  }

  async function events(id: number): Promise<TicketEvent[]> {
    return unwrap(await api.GET('/api/v1/tickets/{ticket_id}/events', { params: { path: { ticket_id: id }, query: { page_size: 100 } } })) as TicketEvent[]
  }

  async function comments(id: number): Promise<Comment[]> {
    return unwrap(await api.GET('/api/v1/tickets/{ticket_id}/comments', { params: { path: { ticket_id: id }, query: { page_size: 100 } } })) as Comment[]
  }

  async function addComment(id: number, body: string, kind: 'internal' | 'reply'): Promise<Comment> {
    return unwrap(await api.POST('/api/v1/tickets/{ticket_id}/comments', { params: { path: { ticket_id: id } }, body: { body, kind } })) as Comment
  }

  async function create(body: TicketCreate, idempotencyKey: string): Promise<Ticket> {
    return unwrap(await api.POST('/api/v1/tickets', { params: { header: { 'Idempotency-Key': idempotencyKey } }, body })) as Ticket
  }

  async function transition(id: number, etag: string, to: NonNullable<TicketStatus>, reason?: string): Promise<Ticket> {
    return unwrap(
      await api.POST('/api/v1/tickets/{ticket_id}/transitions', {
        params: { path: { ticket_id: id }, header: { 'If-Match': etag } },
        body: reason ? { to, reason } : { to },
      }),
    ) as Ticket
  }

  async function escalate(id: number, etag: string, reason: string): Promise<void> {
    unwrap(
      await api.POST('/api/v1/tickets/{ticket_id}/escalate', {
        params: { path: { ticket_id: id }, header: { 'If-Match': etag } },
        body: { reason },
      }),
    )
  }

  async function attachments(id: number): Promise<Attachment[]> {
    return unwrap(await api.GET('/api/v1/tickets/{ticket_id}/attachments', { params: { path: { ticket_id: id }, query: { page_size: 100 } } })) as Attachment[]
  }

  /** One file as multipart/form-data, through the same client (cookies, X-CSRF-TOKEN, one refresh on 401). */
  async function upload(id: number, file: File): Promise<Attachment> {
    return unwrap(
      await api.POST('/api/v1/tickets/{ticket_id}/attachments', {
        params: { path: { ticket_id: id } },
        // The spec types a binary part as a string; the serializer puts the File itself in the form.
        body: { file: file as unknown as string },
        bodySerializer: () => {
          const form = new FormData()
          form.append('file', file, file.name)
          return form
        },
      }),
    ) as Attachment
  }

  async function loadCategories(): Promise<Category[]> {
    if (!categories.value.length) {
      categories.value = unwrap(await api.GET('/api/v1/categories', { params: { query: { page_size: 100 } } })) as Category[]
    }
    return categories.value
  }

  /** Projects the caller can reach (the API scopes the list). */
  async function projects(): Promise<{ id: number; name: string }[]> {
    const units = unwrap(await api.GET('/api/v1/org-units', { params: { query: { kind: 'project', page_size: 100 } } })) as Schemas['OrgUnit'][]
    return units.filter((u) => u.is_active !== false).map((u) => ({ id: u.id as number, name: u.name as string }))
  }

  async function findCustomers(q: string): Promise<Schemas['Customer'][]> {
    return unwrap(await api.GET('/api/v1/customers', { params: { query: { q, page_size: 5 } } })) as Schemas['Customer'][]
  }

  return {
    categories, list, get, update, assignees, assign, events, comments, addComment, attachments, upload,
    create, transition, escalate, loadCategories, projects, findCustomers,
  }
})
