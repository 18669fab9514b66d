import { http, HttpResponse } from 'msw'
import { describe, expect, test } from 'vitest'
import { fieldError, refused, server } from '@/test/server'
import { getTokens, setTokens, subscribeTokens, type ClearReason } from '@/lib/token-storage'
import { api, authApi, dataOf, setApiLanguage } from './client'
import { ApiError, NetworkError } from './errors'

const PROFILE = {
  phone: '+79161234567',
  invite_code: 'K7M2QX',
  foreign_invite_code: null,
  activated_your_code: [],
  activated_your_code_count: 0,
}

function profileNeeding(access: string, seen: string[] = []) {
  return http.get('/api/profile/', ({ request }) => {
    const header = request.headers.get('Authorization') ?? ''
    seen.push(header)
    return header === `Bearer ${access}`
      ? HttpResponse.json(PROFILE)
      : refused(401, 'token_not_valid', 'Token is expired')
  })
}

const getProfile = () => dataOf(authApi.GET('/api/profile/'))

/** What a promise rejected with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  )
}

describe('authApi', () => {
  test('sends the access token and returns the body', async () => {
    setTokens({ access: 'a1', refresh: 'r1' })
    const seen: string[] = []
    server.use(profileNeeding('a1', seen))

    await expect(getProfile()).resolves.toEqual(PROFILE)
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

    await expect(getProfile()).resolves.toEqual(PROFILE)
    expect(seen).toEqual(['Bearer old', 'Bearer new'])
    expect(refreshBodies).toEqual([{ refresh: 'r1' }])
    expect(getTokens()).toEqual({ access: 'new', refresh: 'r2' })
    expect(JSON.parse(window.localStorage.getItem('referral.tokens') ?? 'null')).toEqual({ access: 'new', refresh: 'r2' })
  })

  test('the retry sends the same request again, body included', async () => {
    setTokens({ access: 'old', refresh: 'r1' })
    const bodies: unknown[] = []
    server.use(
      http.patch('/api/profile/', async ({ request }) => {
        bodies.push(await request.json())
        return request.headers.get('Authorization') === 'Bearer new'
          ? HttpResponse.json({ ...PROFILE, foreign_invite_code: 'AB12CD' })
          : refused(401, 'token_not_valid', 'Token is expired')
      }),
      http.post('/api/token/refresh/', () => HttpResponse.json({ access: 'new', refresh: 'r2' })),
    )

    const profile = await dataOf(authApi.PATCH('/api/profile/', { body: { foreign_invite_code: 'AB12CD' } }))
    expect(profile.foreign_invite_code).toBe('AB12CD')
    expect(bodies).toEqual([{ foreign_invite_code: 'AB12CD' }, { foreign_invite_code: 'AB12CD' }])
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
        return refused(401, 'token_not_valid', 'Token is blacklisted')
      }),
    )

    await expect(getProfile()).resolves.toEqual(PROFILE)
    expect(refreshes).toBe(0)
    expect(getTokens()).toEqual({ access: 'new', refresh: 'r2' })
  })

  test("a tab that waited behind another tab's refresh uses that tab's tokens when they reach it late", async () => {
    setTokens({ access: 'old', refresh: 'r1' })
    // Another tab holds the refresh lock; its new tokens reach this tab's storage 150 ms after the lock is free.
    const locks = {
      request: (_name: string, ...args: unknown[]) => {
        const callback = args.at(-1) as (lock: object | null) => unknown
        const options = args.length > 1 ? (args[0] as { ifAvailable?: boolean }) : {}
        if (options.ifAvailable) return Promise.resolve(callback(null))
        setTimeout(() => {
          window.localStorage.setItem('referral.tokens', JSON.stringify({ access: 'new', refresh: 'r2' }))
        }, 150)
        return Promise.resolve(callback({}))
      },
    }
    Object.defineProperty(navigator, 'locks', { value: locks, configurable: true })
    let refreshes = 0
    server.use(
      profileNeeding('new'),
      http.post('/api/token/refresh/', () => {
        refreshes += 1
        return refused(401, 'token_not_valid', 'Token is blacklisted')
      }),
    )

    try {
      await expect(getProfile()).resolves.toEqual(PROFILE)
    } finally {
      Reflect.deleteProperty(navigator, 'locks')
    }
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

    const results = await Promise.all([1, 2, 3].map(() => getProfile()))
    expect(results).toEqual([PROFILE, PROFILE, PROFILE])
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
      http.post('/api/token/refresh/', () => refused(401, 'token_not_valid', 'Token is blacklisted')),
    )

    const error = await rejection(getProfile())
    unsubscribe()
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 401, code: 'token_not_valid' })
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

    await expect(getProfile()).rejects.toBeInstanceOf(ApiError)
    expect(refreshes).toBe(1)
    expect(getTokens()).toBeNull()
  })
})

describe('api', () => {
  test('a 401 is an ordinary error and touches no tokens', async () => {
    setTokens({ access: 'a1', refresh: 'r1' })
    let authorization: string | null = 'unset'
    server.use(
      http.post('/api/verify/', ({ request }) => {
        authorization = request.headers.get('Authorization')
        return refused(401, 'authentication_failed', 'No.')
      }),
    )

    await expect(dataOf(api.POST('/api/verify/', { body: { phone: '+79161234567', token: '1234' } }))).rejects.toMatchObject({
      status: 401,
      code: 'authentication_failed',
      detail: 'No.',
    })
    expect(authorization).toBeNull()
    expect(getTokens()).toEqual({ access: 'a1', refresh: 'r1' })
  })

  test('sends the language of the app as Accept-Language', async () => {
    const languages: (string | null)[] = []
    server.use(
      http.post('/api/login/', ({ request }) => {
        languages.push(request.headers.get('Accept-Language'))
        return refused(400, 'phone_invalid', 'Введите номер мобильного телефона, например +7 916 123-45-67.')
      }),
    )
    setApiLanguage('ru')
    await rejection(dataOf(api.POST('/api/login/', { body: { phone: '1' } })))
    setApiLanguage('en')
    await rejection(dataOf(api.POST('/api/login/', { body: { phone: '1' } })))
    expect(languages).toEqual(['ru', 'en'])
  })

  test('reads the code, the field errors with their codes, and the retry delay of a 429', async () => {
    server.use(
      http.post('/api/login/', () =>
        HttpResponse.json(
          { detail: 'Slow down.', code: 'ip_rate_limit' },
          { status: 429, headers: { 'Retry-After': '42' } },
        ),
      ),
      http.patch('/api/profile/', () => fieldError('foreign_invite_code', 'invite_code_not_found', 'Invite code not found.')),
    )

    const throttled = await rejection(dataOf(api.POST('/api/login/', { body: { phone: '1' } })))
    expect(throttled).toMatchObject({ status: 429, code: 'ip_rate_limit', retryAfter: 42 })

    const invalid = await rejection(dataOf(authApi.PATCH('/api/profile/', { body: {} })))
    expect(invalid).toBeInstanceOf(ApiError)
    expect(invalid).toMatchObject({
      code: 'invite_code_not_found',
      fieldErrors: { foreign_invite_code: ['Invite code not found.'] },
      fieldCodes: { foreign_invite_code: ['invite_code_not_found'] },
    })
  })

  test('an error page that is not JSON is an ApiError without a code', async () => {
    server.use(http.post('/api/login/', () => new HttpResponse('<h1>Bad Gateway</h1>', { status: 502 })))
    await expect(dataOf(api.POST('/api/login/', { body: { phone: '1' } }))).rejects.toMatchObject({
      status: 502,
      code: undefined,
      detail: undefined,
    })
  })

  test('no answer at all is a NetworkError', async () => {
    server.use(http.post('/api/login/', () => HttpResponse.error()))
    await expect(dataOf(api.POST('/api/login/', { body: { phone: '1' } }))).rejects.toBeInstanceOf(NetworkError)
  })
})
