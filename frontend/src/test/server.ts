import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import type { FunnelDay, LoginResponse, Profile, ReferralPage, ReferralStats, VerifyRequest, VerifyResponse } from '@/lib/api/types'
import type { ApiErrorCode } from '@/lib/i18n'

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

/** The last `length` days ending on 3 December 2026 (UTC), oldest first, as the API sends them; zeros unless given. */
export function makeStats(activity: Record<number, Partial<Omit<FunnelDay, 'date'>>> = {}, length = 30): ReferralStats {
  const today = Date.UTC(2026, 11, 3)
  const days = Array.from({ length }, (_, i) => ({
    date: new Date(today - (length - 1 - i) * 86_400_000).toISOString().slice(0, 10),
    opens: 0,
    sign_ups: 0,
    activations: 0,
    ...activity[i],
  }))
  const sum = (key: 'opens' | 'sign_ups' | 'activations') => days.reduce((total, day) => total + day[key], 0)
  return { totals: { opens: sum('opens'), sign_ups: sum('sign_ups'), activations: sum('activations') }, days }
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

/** A refused request as the API sends it: its `code`, and its message in the request's language. */
export function refused(status: number, code: string, detail: string) {
  return HttpResponse.json({ detail, code }, { status })
}

/** A 400 for one field as the API sends it: the message under the field, `code` and `codes` beside it. */
export function fieldError(field: string, code: string, message: string) {
  return HttpResponse.json({ [field]: [message], code, codes: { [field]: [code] } }, { status: 400 })
}

/** A 429 as the API sends it; without `code`, as an older server or another proxy might. */
export function throttled(retryAfter: number, code?: ApiErrorCode, detail = 'Too many requests.') {
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
  http.post<never, VerifyRequest>('/api/verify/', async ({ request }) => {
    const body = await request.json()
    if (body.token !== CODE) return refused(400, 'code_invalid', 'Invalid or expired code.')
    return HttpResponse.json({ ...TOKENS, is_new: true } satisfies VerifyResponse)
  }),
  http.get('/api/profile/', ({ request }) =>
    authorized(request)
      ? HttpResponse.json(makeProfile())
      : refused(401, 'token_not_valid', 'Given token not valid for any token type'),
  ),
  http.get('/api/profile/referrals/', () =>
    HttpResponse.json({ next: null, previous: null, results: [] } satisfies ReferralPage),
  ),
  http.get('/api/profile/stats/', () => HttpResponse.json(makeStats())),
  http.post('/api/invites/:code/open/', () => new HttpResponse(null, { status: 204 })),
  http.post('/api/logout/', () => new HttpResponse(null, { status: 204 })),
  http.post('/api/token/refresh/', () => refused(401, 'token_not_valid', 'Token is blacklisted')),
]

export const server = setupServer(...handlers)
