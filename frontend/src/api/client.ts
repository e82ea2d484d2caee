/**
 * The one thin client of the ServiceHub API (typed by the generated `schema.d.ts`).
 *
 * - cookies: the sign-in sets HttpOnly JWT cookies, every request sends them (`credentials: 'include'`);
 * - CSRF: writes echo the `csrf_access_token` cookie in `X-CSRF-TOKEN`;
 * - 401: try `POST /auth/refresh` once (refresh cookie + `csrf_refresh_token`), then retry the request;
 *   if that fails too, the auth-failure handler runs (the router sends the user to sign-in).
 */
import createClient from 'openapi-fetch'
import type { paths, components } from './schema'

export type Schemas = components['schemas']
export type Ticket = Schemas['Ticket']
export type Me = Schemas['Me']

export const API_PREFIX = '/api/v1'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const NO_REFRESH = [`${API_PREFIX}/auth/login`, `${API_PREFIX}/auth/refresh`, `${API_PREFIX}/auth/logout`]

/** The API's error body: `{code, status, message, errors: {field: [msgs]}}`. */
export class ApiError extends Error {
  readonly code: number
  readonly status: string
  readonly errors: Record<string, string[]>

  constructor(code: number, status: string, message: string, errors: Record<string, unknown> = {}) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.status = status
    this.errors = flattenErrors(errors)
  }

  /** Field errors as `{field: "msg; msg"}`, ready for `el-form-item :error`. */
  fieldErrors(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.errors).map(([k, v]) => [k, v.join('；')]))
  }
}

/** marshmallow nests errors by location (`json`, `query`) and by field; flatten to `field: [msgs]`. */
function flattenErrors(errors: unknown, prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  if (!errors || typeof errors !== 'object') return out
  for (const [key, value] of Object.entries(errors as Record<string, unknown>)) {
    const name = ['json', 'query', 'headers', 'form', 'files'].includes(key) && !prefix ? '' : prefix ? `${prefix}.${key}` : key
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[name || key] = value as string[]
    else if (typeof value === 'string') out[name || key] = [value]
    else Object.assign(out, flattenErrors(value, name))
  }
  return out
}

export function readCookie(name: string): string | undefined {
  if (typeof document === 'undefined') return undefined
  const found = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith(`${name}=`))
  return found ? decodeURIComponent(found.slice(name.length + 1)) : undefined
}

let onAuthFailure: () => void = () => {}
/** Called once a 401 survives the refresh: the app goes to sign-in. */
export function setAuthFailureHandler(handler: () => void): void {
  onAuthFailure = handler
}

let refreshing: Promise<boolean> | null = null
/** One refresh at a time: concurrent 401s share it. */
function refreshOnce(): Promise<boolean> {
  if (!refreshing) {
    const headers: Record<string, string> = {}
    const csrf = readCookie('csrf_refresh_token')
    if (csrf) headers['X-CSRF-TOKEN'] = csrf
    refreshing = globalThis
      .fetch(new Request(`${origin()}${API_PREFIX}/auth/refresh`, { method: 'POST', credentials: 'include', headers }))
      .then((r) => r.ok)
      .catch(() => false)
      .finally(() => {
        refreshing = null
      })
  }
  return refreshing
}

function origin(): string {
  return typeof window !== 'undefined' && window.location ? window.location.origin : 'http://localhost'
}

function withCsrf(request: Request): Request {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return request
  const csrf = readCookie('csrf_access_token')
  if (!csrf) return request
  const headers = new Headers(request.headers)
  headers.set('X-CSRF-TOKEN', csrf)
  return new Request(request, { headers })
}

/** The fetch every API call goes through (exported for tests). */
export async function authFetch(input: Request): Promise<Response> {
  const spare = input.clone()
  const response = await globalThis.fetch(withCsrf(input))
  if (response.status !== 401) return response
  const path = new URL(input.url).pathname
  if (NO_REFRESH.includes(path)) return response
  if (await refreshOnce()) {
    const retried = await globalThis.fetch(withCsrf(spare))
    if (retried.status !== 401) return retried
    onAuthFailure()
    return retried
  }
  onAuthFailure()
  return response
}

export const api = createClient<paths>({
  baseUrl: origin(),
  credentials: 'include',
  fetch: (request: Request) => authFetch(request),
})

/** `{data, error, response}` → data, or throw an `ApiError`. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  const { data, error, response } = result
  if (error !== undefined || !response.ok) {
    const body = (error ?? {}) as Partial<Schemas['Error']>
    throw new ApiError(
      body.code ?? response.status,
      body.status ?? response.statusText,
      body.message ?? response.statusText,
      (body.errors as Record<string, unknown>) ?? {},
    )
  }
  return data as T
}

export interface Pagination {
  total: number
  total_pages: number
  page: number
  next_page?: number
  next_cursor?: string
}

export function pagination(response: Response): Pagination | null {
  const raw = response.headers.get('X-Pagination')
  if (!raw) return null
  try {
    return JSON.parse(raw) as Pagination
  } catch {
    return null
  }
}

/** One page of a list: its rows and the `X-Pagination` header. */
export interface Paged<T> {
  items: T[]
  page: Pagination | null
}

/** A list's answer as one page (throws like `unwrap`). */
export function paged<T>(result: { data?: unknown; error?: unknown; response: Response }): Paged<T> {
  return { items: unwrap(result) as T[], page: pagination(result.response) }
}

/** A fresh key per intake form: the same key twice answers the first ticket. */
export function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID()
  return `${Date.now()}-${Math.random().toString(36).slice(2)}`
}
