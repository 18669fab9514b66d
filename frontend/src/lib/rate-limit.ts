import type { ApiError } from '@/lib/api/errors'
import { currentLanguage, formatDuration, isApiErrorCode, type I18n } from '@/lib/i18n'

// A 429's `code` says which limit stopped the person, and each has its own sentence (apiError.<code>): their
// address, their network, this phone's resend cooldown, this phone's codes for the day, codes to numbers like it
// (sequential-number pumping), SMS to numbers like it paused (their codes go unused), its wrong codes, or refused
// invite codes. An unknown or missing code gets the general sentence.

// From this long a wait on, the moment it lifts is said as a clock time too ("at 10:31").
const CLOCK_FROM_SECONDS = 10 * 60
const DAY_MS = 24 * 3600 * 1000

function startOfDay(ms: number): number {
  const day = new Date(ms)
  day.setHours(0, 0, 0, 0)
  return day.getTime()
}

/**
 * When a wait of `left` seconds, ending at `endsAt` (ms), lifts: "in 45 s", "in 44 min, at 10:31",
 * "in 23 h 53 min, tomorrow at 9:54 AM". The clock time is rounded up to the minute, so trying at the
 * minute shown works.
 */
export function formatWhen(i18n: I18n, left: number, endsAt: number, now = Date.now()): string {
  const lang = currentLanguage(i18n)
  const time = formatDuration(i18n, left)
  if (left < CLOCK_FROM_SECONDS) return i18n.t('when.in', { time })
  const lifts = Math.ceil(endsAt / 60_000) * 60_000
  const clock = new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit' }).format(lifts)
  const days = Math.round((startOfDay(lifts) - startOfDay(now)) / DAY_MS)
  if (days === 0) return i18n.t('when.inAt', { time, clock })
  if (days === 1) return i18n.t('when.inTomorrowAt', { time, clock })
  const date = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long' }).format(lifts)
  return i18n.t('when.inOnDateAt', { time, date, clock })
}

/** What a 429 means for the person and when it lifts; `left`/`endsAt` come from the running countdown. */
export function rateLimitMessage(error: ApiError, i18n: I18n, left: number, endsAt: number): string {
  const when = formatWhen(i18n, left, endsAt)
  return isApiErrorCode(error.code) ? i18n.t(`apiError.${error.code}`, { when }) : i18n.t('error.tooMany', { when })
}
