import type { ApiError } from '@/lib/api/errors'
import type { RateLimitCode } from '@/lib/api/types'
import { formatDuration, type Language, type MessageKey, type Translate } from '@/lib/i18n'

// A sentence for each limit a 429 can name (the API's `code`), so a person knows which limit stopped
// them: their address, their network, this phone's resend cooldown, this phone's codes for the day, codes to
// numbers like it (sequential-number pumping), SMS to numbers like it paused (their codes go unused), its
// wrong codes, or refused invite codes. An unknown or missing code gets the general sentence.
const MESSAGES: Record<RateLimitCode, MessageKey> = {
  ip_rate_limit: 'limit.ipRateLimit',
  network_rate_limit: 'limit.networkRateLimit',
  resend_cooldown: 'limit.resendCooldown',
  daily_code_limit: 'limit.dailyCodeLimit',
  prefix_rate_limit: 'limit.prefixRateLimit',
  prefix_blocked: 'limit.prefixBlocked',
  wrong_code_limit: 'limit.wrongCodeLimit',
  invite_attempt_limit: 'limit.inviteAttemptLimit',
}

// From this long a wait on, the moment it lifts is said as a clock time too ("at 10:31").
const CLOCK_FROM_SECONDS = 10 * 60
const DAY_MS = 24 * 3600 * 1000

function isRateLimitCode(code: string | undefined): code is RateLimitCode {
  return code !== undefined && Object.hasOwn(MESSAGES, code)
}

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
export function formatWhen(t: Translate, lang: Language, left: number, endsAt: number, now = Date.now()): string {
  const time = formatDuration(t, left)
  if (left < CLOCK_FROM_SECONDS) return t('when.in', { time })
  const lifts = Math.ceil(endsAt / 60_000) * 60_000
  const clock = new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit' }).format(lifts)
  const days = Math.round((startOfDay(lifts) - startOfDay(now)) / DAY_MS)
  if (days === 0) return t('when.inAt', { time, clock })
  if (days === 1) return t('when.inTomorrowAt', { time, clock })
  const date = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long' }).format(lifts)
  return t('when.inOnDateAt', { time, date, clock })
}

/** What a 429 means for the person and when it lifts; `left`/`endsAt` come from the running countdown. */
export function rateLimitMessage(
  error: ApiError,
  { t, lang }: { t: Translate; lang: Language },
  left: number,
  endsAt: number,
): string {
  const key = isRateLimitCode(error.code) ? MESSAGES[error.code] : 'error.tooMany'
  return t(key, { when: formatWhen(t, lang, left, endsAt) })
}
