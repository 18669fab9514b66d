import { ApiError, NetworkError } from '@/lib/api/errors'
import type { Translate } from '@/lib/i18n'

/** A sentence for an error that has no better place than a general message. */
export function errorMessage(error: unknown, t: Translate): string {
  if (error instanceof NetworkError) return t('error.network')
  if (error instanceof ApiError) {
    if (error.detail) return error.detail
    const first = Object.values(error.fieldErrors)[0]
    if (first?.length) return first.join(' ')
  }
  return t('error.unknown')
}
