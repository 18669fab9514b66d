import { http, HttpResponse } from 'msw'
import { describe, expect, test } from 'vitest'
import { refused, server } from '@/test/server'
import { reportInviteOpen, visitorId } from './invite-open'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** Records the opens the API receives, answering each with `answer` (204 unless told). */
function recordOpens(answer: () => Response = () => new HttpResponse(null, { status: 204 })) {
  const opens: { code: string; body: unknown }[] = []
  server.use(
    http.post<{ code: string }>('/api/invites/:code/open/', async ({ request, params }) => {
      opens.push({ code: params.code, body: await request.json() })
      return answer()
    }),
  )
  return opens
}

describe('reportInviteOpen', () => {
  test("sends the link's code with this browser's random id, kept for the next time", async () => {
    const opens = recordOpens()
    await reportInviteOpen('AB12CD')

    expect(opens).toEqual([{ code: 'AB12CD', body: { visitor: expect.stringMatching(UUID) } }])
    expect(opens[0].body).toEqual({ visitor: visitorId() })
    expect(window.localStorage.getItem('referral.visitor')).toBe(visitorId())
  })

  test('once per browser and code: opening the link again, or twice at once, sends nothing more', async () => {
    const opens = recordOpens()
    await Promise.all([reportInviteOpen('AB12CD'), reportInviteOpen('AB12CD')])
    await reportInviteOpen('AB12CD')
    await reportInviteOpen('ZZ99ZZ')

    expect(opens.map((open) => open.code)).toEqual(['AB12CD', 'ZZ99ZZ'])
    expect(new Set(opens.map((open) => JSON.stringify(open.body))).size).toBe(1)
  })

  test('a code that is no one\'s (404) fails silently and is not asked about again', async () => {
    const opens = recordOpens(() => refused(404, 'invite_code_not_found', 'Invite code not found.'))
    await expect(reportInviteOpen('NOPE00')).resolves.toBeUndefined()
    await reportInviteOpen('NOPE00')
    expect(opens).toHaveLength(1)
  })

  test('no answer, a 429 or a 5xx: silent, and tried again on the next open', async () => {
    server.use(http.post('/api/invites/:code/open/', () => HttpResponse.error()))
    await expect(reportInviteOpen('AB12CD')).resolves.toBeUndefined()

    const throttled = recordOpens(() => refused(429, 'ip_rate_limit', 'Too many requests.'))
    await expect(reportInviteOpen('AB12CD')).resolves.toBeUndefined()
    expect(throttled).toHaveLength(1)

    const opens = recordOpens()
    await reportInviteOpen('AB12CD')
    await reportInviteOpen('AB12CD')
    expect(opens).toHaveLength(1)
  })
})
