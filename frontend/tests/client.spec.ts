import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, api, setAuthFailureHandler, unwrap } from '@/api/client'
import { json, scriptFetch, type Answer } from './http'

function setCookie(name: string, value: string): void {
  document.cookie = `${name}=${value}; path=/`
}

describe('api client', () => {
  let calls: Request[]
  let fetchMock: ReturnType<typeof vi.fn>

  beforeEach(() => {
    calls = []
    setCookie('csrf_access_token', 'csrf-access-1')
    setCookie('csrf_refresh_token', 'csrf-refresh-1')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    setAuthFailureHandler(() => {})
  })

  function mockFetch(...responses: Answer[]): void {
    ;({ calls, fetch: fetchMock } = scriptFetch(...responses))
  }

  it('sends cookies and no CSRF header on reads', async () => {
    mockFetch(() => json(200, { unread: 3 }))
    const data = unwrap(await api.GET('/api/v1/notifications/unread-count'))
    expect(data).toEqual({ unread: 3 })
    expect(calls[0]!.credentials).toBe('include')
    expect(calls[0]!.headers.get('X-CSRF-TOKEN')).toBeNull()
  })

  it('echoes the csrf_access_token cookie in X-CSRF-TOKEN on writes', async () => {
    mockFetch(() => json(201, { id: 1, body: 'hi' }))
    await api.POST('/api/v1/tickets/{ticket_id}/comments', { params: { path: { ticket_id: 7 } }, body: { body: 'hi', kind: 'internal' } })
    expect(calls[0]!.method).toBe('POST')
    expect(calls[0]!.headers.get('X-CSRF-TOKEN')).toBe('csrf-access-1')
    expect(new URL(calls[0]!.url).pathname).toBe('/api/v1/tickets/7/comments')
  })

  it('on 401 refreshes once (refresh CSRF), then retries the request with its body', async () => {
    mockFetch(
      () => json(401, { code: 401, status: 'Unauthorized', message: 'expired' }),
      (req) => {
        setCookie('csrf_access_token', 'csrf-access-2')
        expect(req.headers.get('X-CSRF-TOKEN')).toBe('csrf-refresh-1')
        return json(200, { access_token: 'x' })
      },
      async (req) => json(201, { id: 2, body: (await req.json()).body }),
    )
    const failure = vi.fn()
    setAuthFailureHandler(failure)
    const result = await api.POST('/api/v1/tickets/{ticket_id}/comments', { params: { path: { ticket_id: 7 } }, body: { body: 'again', kind: 'internal' } })
    expect(unwrap(result)).toEqual({ id: 2, body: 'again' })
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual([
      '/api/v1/tickets/7/comments',
      '/api/v1/auth/refresh',
      '/api/v1/tickets/7/comments',
    ])
    expect(calls[2]!.headers.get('X-CSRF-TOKEN')).toBe('csrf-access-2')
    expect(failure).not.toHaveBeenCalled()
  })

  it('when the refresh fails too, it does not loop and calls the auth-failure handler', async () => {
    mockFetch(
      () => json(401, { code: 401, status: 'Unauthorized', message: 'expired' }),
      () => json(401, { code: 401, status: 'Unauthorized', message: 'refresh expired' }),
    )
    const failure = vi.fn()
    setAuthFailureHandler(failure)
    const result = await api.GET('/api/v1/tickets')
    expect(result.response.status).toBe(401)
    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(failure).toHaveBeenCalledTimes(1)
  })

  it('does not try to refresh a failed sign-in', async () => {
    mockFetch(() => json(401, { code: 401, status: 'Unauthorized', message: 'Wrong username or password.' }))
    const result = await api.POST('/api/v1/auth/login', { body: { tenant: 'demo', username: 'x', password: 'y' } })
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(() => unwrap(result)).toThrow(ApiError)
  })

  it('turns the error shape into an ApiError with flat field errors', async () => {
    mockFetch(() =>
      json(422, {
        code: 422,
        status: 'Unprocessable Entity',
        message: 'Some fields are not valid: see `errors`.',
        errors: { json: { title: ['Length must be between 1 and 200.'], org_unit_id: ['Missing data for required field.'] } },
      }),
    )
    const result = await api.POST('/api/v1/tickets', {
      body: { type: 'complaint', channel: 'phone', org_unit_id: 1, title: '', description: 'x' },
    })
    try {
      unwrap(result)
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError)
      const err = e as ApiError
      expect(err.code).toBe(422)
      expect(err.fieldErrors()).toEqual({
        title: 'Length must be between 1 and 200.',
        org_unit_id: 'Missing data for required field.',
      })
    }
  })
})
