import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { CountdownText } from '@/components/ui/countdown-text'
import { isApiError } from '@/lib/api/errors'
import type { Profile } from '@/lib/api/types'
import { errorMessage } from '@/lib/error-message'
import { rateLimitMessage } from '@/lib/rate-limit'
import { useCountdown } from '@/lib/use-countdown'
import { useActivateInvite } from '../api/activate-invite'

/**
 * Activation with its error text: the API's field message (not found, own code, cycle), the 409
 * "already activated" detail, or a 429 countdown during which another try is not sent.
 */
export function useActivation(onActivated: (profile: Profile, code: string) => void) {
  const { i18n } = useTranslation()
  const mutation = useActivateInvite()
  const cooldown = useCountdown()
  const throttled = isApiError(mutation.error, 429) ? mutation.error : null
  const blocked = throttled !== null && cooldown.left > 0
  const { reset } = mutation

  let error: ReactNode = null
  if (mutation.error) {
    if (throttled) {
      error = blocked ? <CountdownText text={rateLimitMessage(throttled, i18n, cooldown.left, cooldown.endsAt)} /> : null
    } else {
      error = errorMessage(mutation.error, i18n, 'foreign_invite_code')
    }
  }

  function activate(code: string) {
    if (mutation.isPending || blocked) return
    mutation.mutate(code, {
      onSuccess: (profile) => onActivated(profile, code),
      onError: (err) => {
        if (isApiError(err, 429)) cooldown.start(err.retryAfter ?? 60)
      },
    })
  }

  return { activate, error, pending: mutation.isPending, blocked, reset }
}
