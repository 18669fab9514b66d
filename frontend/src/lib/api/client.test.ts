import { http, HttpResponse } from 'msw'
import { describe, expect, test } from 'vitest'
import { server } from '@/test/server'
import { getTokens, setTokens, subscribeTokens, type ClearReason } from '@/lib/token-storage'
import { apiRequest } from './client'
import { ApiError, NetworkError } from './errors'

function profileNeeding(access: string, seen: string[] = []) {
  return http.get('/api/profile/', ({ request }) => {
    const header = request.headers.get('Authorization') ?? ''
    seen.push(header)
    return header === `Bearer ${access}`
      ? HttpResponse.json({ ok: true })
      : HttpResponse.json({ detail: 'Token expired' }, { status: 401 })
  })
}

describe('apiRequest', () => {
  test('sends the access token and returns the body', async () => {
    setTokens({ access: 'a1', refresh: 'r1' })
    const seen: string[] = []
    server.use(profileNeeding('a1', seen))

    await expect(apiRequest('/api/profile/', { auth: true })).resolves.toEqual({ ok: true })
    expect(seen).toEqual(['Bearer a1'])
  })

  test('on a 401 refreshes once, stores the rotated tokens and retries', async () => {
    setTokens({ access: 'old', refresh: 'r1' })
    const seen: string[] = []
    const refreshBodies: unknown[] = []
    server.use(
      profileNeeding('new', seen),
      http.post('/api/token/refresh/', async ({ request }) => {
        refreshBodies.push(await request.json())
        return HttpResponse.json({ access: 'new', refresh: 'r2' })
      }),
    )

    await expect(apiRequest('/api/profile/', { auth: true })).resolves.toEqual({ ok: true })
    expect(seen).toEqual(['Bearer old', 'Bearer new'])
    expect(refreshBodies).toEqual([{ refresh: 'r1' }])
    expect(getTokens()).toEqual({ access: 'new', refresh: 'r2' })
    expect(JSON.parse(window.localStorage.getItem('referral.tokens') ?? 'null')).toEqual({ access: 'new', refresh: 'r2' })
  })

  test('tokens another tab renewed a moment ago are used, not refreshed again', async () => {
    setTokens({ access: 'old', refresh: 'r1' })
    // The other tab rotated the tokens; its storage event hasn't reached this one yet.
    window.localStorage.setItem('referral.tokens', JSON.stringify({ access: 'new', refresh: 'r2' }))
    let refreshes = 0
    server.use(
      profileNeeding('new'),
      http.post('/api/token/refresh/', () => {
        refreshes += 1
        return HttpResponse.json({ detail: 'Token is blacklisted', code: 'token_not_valid' }, { status: 401 })
      }),
    )

    await expect(apiRequest('/api/profile/', { auth: true })).resolves.toEqual({ ok: true })
    expect(refreshes).toBe(0)
    expect(getTokens()).toEqual({ access: 'new', refresh: 'r2' })
  })

  test('requests failing together share a single refresh', async () => {
    setTokens({ access: 'old', refresh: 'r1' })
    let refreshes = 0
    server.use(
      profileNeeding('new'),
      http.post('/api/token/refresh/', async () => {
        refreshes += 1
        await new Promise((resolve) => setTimeout(resolve, 20))
        return HttpResponse.json({ access: 'new', refresh: 'r2' })
      }),
    )

    const results = await Promise.all([1, 2, 3].map(() => apiRequest('/api/profile/', { auth: true })))
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }])
    expect(refreshes).toBe(1)
  })

  test('when the refresh is refused, the session ends as expired', async () => {
    setTokens({ access: 'old', refresh: 'used' })
    const reasons: (ClearReason | undefined)[] = []
    const unsubscribe = subscribeTokens((tokens, reason) => {
      if (!tokens) reasons.push(reason)
    })
    server.use(
      profileNeeding('never'),
      http.post('/api/token/refresh/', () => HttpResponse.json({ detail: 'Token is blacklisted' }, { status: 401 })),
    )

    const error = await apiRequest('/api/profile/', { auth: true }).catch((e: unknown) => e)
    unsubscribe()
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(401)
    expect(getTokens()).toBeNull()
    expect(window.localStorage.getItem('referral.tokens')).toBeNull()
    expect(reasons).toEqual(['expired'])
  })

  test('a 401 on the retry also ends the session, without a second refresh', async () => {
    setTokens({ access: 'old', refresh: 'r1' })
    let refreshes = 0
    server.use(
      profileNeeding('never'),
      http.post('/api/token/refresh/', () => {
        refreshes += 1
        return HttpResponse.json({ access: 'new', refresh: 'r2' })
      }),
    )

    await expect(apiRequest('/api/profile/', { auth: true })).rejects.toBeInstanceOf(ApiError)
    expect(refreshes).toBe(1)
    expect(getTokens()).toBeNull()
  })

  test('a 401 without auth is an ordinary error and touches no tokens', async () => {
    setTokens({ access: 'a1', refresh: 'r1' })
    server.use(http.post('/api/verify/', () => HttpResponse.json({ detail: 'No.' }, { status: 401 })))

    await expect(apiRequest('/api/verify/', { method: 'POST', body: {} })).rejects.toMatchObject({ status: 401, detail: 'No.' })
    expect(getTokens()).toEqual({ access: 'a1', refresh: 'r1' })
  })

  test('reads field errors and the retry delay of a 429', async () => {
    server.use(
      http.post('/api/login/', () =>
        HttpResponse.json({ detail: 'Slow down.' }, { status: 429, headers: { 'Retry-After': '42' } }),
      ),
      http.patch('/api/profile/', () =>
        HttpResponse.json({ foreign_invite_code: ['Invite code not found.'] }, { status: 400 }),
      ),
    )

    const throttled = (await apiRequest('/api/login/', { method: 'POST', body: {} }).catch((e: unknown) => e)) as ApiError
    expect(throttled.status).toBe(429)
    expect(throttled.retryAfter).toBe(42)

    const invalid = (await apiRequest('/api/profile/', { method: 'PATCH', body: {} }).catch((e: unknown) => e)) as ApiError
    expect(invalid.fieldMessage('foreign_invite_code')).toBe('Invite code not found.')
  })

  test('no answer at all is a NetworkError', async () => {
    server.use(http.post('/api/login/', () => HttpResponse.error()))
    await expect(apiRequest('/api/login/', { method: 'POST', body: {} })).rejects.toBeInstanceOf(NetworkError)
  })
})
