import { ApiError, NetworkError } from '@/lib/api/errors'
import type { I18nValue } from '@/lib/i18n'

/**
 * A sentence for an error: the API's message for `field` if it sent one, else its `detail`, else
 * its first field message; our own words for no connection or anything unexpected.
 */
export function errorMessage(error: unknown, { t, tApi }: Pick<I18nValue, 't' | 'tApi'>, field?: string): string {
  if (error instanceof NetworkError) return t('error.network')
  if (error instanceof ApiError) {
    const message =
      (field ? error.fieldMessage(field) : undefined) ?? error.detail ?? Object.values(error.fieldErrors)[0]?.[0]
    if (message) return tApi(message)
  }
  return t('error.unknown')
}
