import { ApiError, NetworkError } from '@/lib/api/errors'
import { isApiErrorCode, type I18n } from '@/lib/i18n'
import { rateLimitMessage } from '@/lib/rate-limit'

/**
 * A sentence for an error, in the app's language. For an answer from the API: our sentence for its code
 * (the code of `field`'s error when asked about a field and there is one, else the body's `code`); for a
 * code we have no sentence for (a newer API), the API's own message, which it wrote in the language we
 * asked for. Our own words for no connection or anything unexpected.
 */
export function errorMessage(error: unknown, i18n: I18n, field?: string): string {
  if (error instanceof NetworkError) return i18n.t('error.network')
  if (!(error instanceof ApiError)) return i18n.t('error.unknown')
  if (error.status === 429) {
    const wait = error.retryAfter ?? 60
    return rateLimitMessage(error, i18n, wait, Date.now() + wait * 1000)
  }
  if (field) {
    const code = error.fieldCode(field)
    if (isApiErrorCode(code)) return i18n.t(`apiError.${code}`)
    const message = error.fieldMessage(field)
    if (message) return message
  }
  if (isApiErrorCode(error.code)) return i18n.t(`apiError.${error.code}`)
  return error.detail ?? Object.values(error.fieldErrors)[0]?.[0] ?? i18n.t('error.unknown')
}
