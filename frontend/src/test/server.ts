import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import type { LoginResponse, Profile, RateLimitCode, ReferralPage, VerifyResponse } from '@/lib/api/types'

export const PHONE = '+79161234567'
export const CODE = '1234'
export const TOKENS = { access: 'access-1', refresh: 'refresh-1' }

export function makeProfile(overrides: Partial<Profile> = {}): Profile {
  return {
    phone: PHONE,
    invite_code: 'K7M2QX',
    foreign_invite_code: null,
    activated_your_code: [],
    activated_your_code_count: 0,
    ...overrides,
  }
}

export const CHALLENGE = 'q3JYkq1v6l0u8bV2o3mN9x7rT1sW4yZc'

export const loginOk = (overrides: Partial<LoginResponse> = {}): LoginResponse => ({
  phone: PHONE,
  expires_in: 300,
  resend_in: 60,
  challenge: CHALLENGE,
  code_length: 4,
  code: CODE,
  ...overrides,
})

/** A 429 as the API sends it; without `code`, as an older server or another proxy might. */
export function throttled(retryAfter: number, code?: RateLimitCode, detail = 'Too many requests.') {
  return HttpResponse.json(
    { detail, ...(code && { code }), retry_after: retryAfter },
    { status: 429, headers: { 'Retry-After': String(retryAfter) } },
  )
}

/** A message with its spaces matched loosely: Intl puts a narrow no-break space before AM/PM. */
export function loosely(message: string): RegExp {
  return new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s'))
}

function authorized(request: Request): boolean {
  return request.headers.get('Authorization') === `Bearer ${TOKENS.access}`
}

/** A small, well-behaved backend; tests override single endpoints with server.use(). */
export const handlers = [
  http.post('/api/login/', () => HttpResponse.json(loginOk())),
  http.post('/api/verify/', async ({ request }) => {
    const body = (await request.json()) as { token?: string }
    if (body.token !== CODE) return HttpResponse.json({ detail: 'Invalid or expired code.' }, { status: 400 })
    return HttpResponse.json({ ...TOKENS, is_new: true } satisfies VerifyResponse)
  }),
  http.get('/api/profile/', ({ request }) =>
    authorized(request)
      ? HttpResponse.json(makeProfile())
      : HttpResponse.json({ detail: 'Given token not valid for any token type' }, { status: 401 }),
  ),
  http.get('/api/profile/referrals/', () =>
    HttpResponse.json({ next: null, previous: null, results: [] } satisfies ReferralPage),
  ),
  http.post('/api/logout/', () => new HttpResponse(null, { status: 204 })),
  http.post('/api/token/refresh/', () => HttpResponse.json({ detail: 'Token is blacklisted' }, { status: 401 })),
]

export const server = setupServer(...handlers)
