import { vi } from 'vitest'

/** An API answer: the body as JSON (none for `null`), with the status and headers given. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })
}

export type Answer = (req: Request) => Response | Promise<Response>

/**
 * Stubs `fetch`: each request gets the next of `answers` (push more as the test goes on; a request
 * beyond them fails the test) and is kept in `calls`.
 */
export function scriptFetch(...answers: Answer[]) {
  const calls: Request[] = []
  const fetch = vi.fn(async (req: Request) => {
    calls.push(req)
    const next = answers.shift()
    if (!next) throw new Error(`unexpected call ${req.method} ${req.url}`)
    return next(req)
  })
  vi.stubGlobal('fetch', fetch)
  return { calls, answers, fetch }
}

/**
 * Stubs `fetch`: answers by "METHOD /path" (query ignored; a request no entry names fails the test)
 * and returns every request, in order.
 */
export function stubRoutes(table: Record<string, Answer>): Request[] {
  const calls: Request[] = []
  vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
    calls.push(req)
    const url = new URL(req.url)
    const handler = table[`${req.method} ${url.pathname}`]
    if (!handler) throw new Error(`unexpected ${req.method} ${url.pathname}`)
    return handler(req)
  }))
  return calls
}
