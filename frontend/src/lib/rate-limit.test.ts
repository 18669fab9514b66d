import { describe, expect, test } from 'vitest'
import { ApiError } from '@/lib/api/errors'
import { createI18n, type Language } from '@/lib/i18n'
import { formatWhen, rateLimitMessage } from './rate-limit'

const i18n = (language: Language) => createI18n({ language })
// 10:00 local time, so the results don't depend on where the tests run.
const NOW = new Date(2026, 11, 3, 10, 0, 0).getTime()
const after = (seconds: number) => NOW + seconds * 1000
// Intl separates AM/PM with a narrow no-break space.
const plain = (text: string) => text.replace(/\s/g, ' ')

describe('formatWhen', () => {
  test('a short wait is a countdown only', () => {
    expect(formatWhen(i18n('en'), 599, after(599), NOW)).toBe('in 9 min 59 s')
    expect(formatWhen(i18n('ru'), 45, after(45), NOW)).toBe('через 45 с')
  })

  test('from ten minutes on, also the clock time, rounded up to the minute', () => {
    expect(plain(formatWhen(i18n('en'), 2640, after(2640), NOW))).toBe('in 44 min, at 10:44 AM')
    expect(plain(formatWhen(i18n('en'), 2641, after(2641), NOW))).toBe('in 44 min 1 s, at 10:45 AM')
    expect(formatWhen(i18n('ru'), 2640, after(2640), NOW)).toBe('через 44 мин, в 10:44')
  })

  test('says tomorrow, or the date, when the wait ends on another day', () => {
    expect(plain(formatWhen(i18n('en'), 86_000, after(86_000), NOW))).toBe(
      'in 23 h 53 min, tomorrow at 9:54 AM',
    )
    expect(formatWhen(i18n('ru'), 86_000, after(86_000), NOW)).toBe('через 23 ч 53 мин, завтра в 9:54')
    expect(plain(formatWhen(i18n('en'), 2 * 86_400, after(2 * 86_400), NOW))).toBe(
      'in 48 h, on December 5 at 10:00 AM',
    )
  })
})

describe('rateLimitMessage', () => {
  const throttled = (body: object) => new ApiError(429, { detail: 'Any wording.', retry_after: 30, ...body }, '30')

  test('keys on the code, never on the wording', () => {
    const error = throttled({ code: 'resend_cooldown', detail: 'Too many requests from this address.' })
    expect(error.code).toBe('resend_cooldown')
    expect(rateLimitMessage(error, i18n('en'), 30, Date.now() + 30_000)).toBe(
      'A code was just sent to this number. You can ask for a new one in 30 s.',
    )
  })

  test("a network's cap says it is the network's, which others may share", () => {
    const error = throttled({ code: 'network_rate_limit' })
    expect(rateLimitMessage(error, i18n('en'), 30, Date.now() + 30_000)).toBe(
      'Too many sign-in requests from your network, which others may share. Try again in 30 s.',
    )
    expect(rateLimitMessage(error, i18n('ru'), 30, Date.now() + 30_000)).toBe(
      'Слишком много запросов на вход из вашей сети: ею могут пользоваться и другие. Попробуйте через 30 с.',
    )
  })

  test('a prefix paused by the conversion watch says codes are not sent to numbers like this one', () => {
    const error = throttled({ code: 'prefix_blocked', retry_after: 3600 })
    expect(rateLimitMessage(error, i18n('en'), 30, Date.now() + 30_000)).toBe(
      'Sign-in codes are not being sent to numbers like this one for now. Try again in 30 s.',
    )
    expect(rateLimitMessage(error, i18n('ru'), 30, Date.now() + 30_000)).toBe(
      'На похожие номера коды для входа пока не отправляются. Попробуйте через 30 с.',
    )
  })

  test('an unknown or missing code gets the general sentence', () => {
    for (const error of [throttled({ code: 'something_new' }), throttled({})]) {
      expect(rateLimitMessage(error, i18n('en'), 30, Date.now() + 30_000)).toBe('Too many requests. Try again in 30 s.')
      expect(rateLimitMessage(error, i18n('ru'), 30, Date.now() + 30_000)).toBe('Слишком много запросов. Попробуйте через 30 с.')
    }
  })

  test('a code is not mistaken for a field error', () => {
    expect(throttled({ code: 'ip_rate_limit' }).fieldErrors).toEqual({})
  })
})
