import { useEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '@/components/ui/alert'
import { Button } from '@/components/ui/button'
import type { Profile } from '@/lib/api/types'
import { useActivation } from './use-activation'

type Props = {
  code: string
  profile: Profile
  onActivated: (profile: Profile, code: string) => void
  /** The offer was answered (accepted, declined or moot): forget the pending code. */
  onDone: () => void
}

/**
 * The code from a share link, offered for activation with one click and never applied silently.
 * When it can't apply (my own code, or I already activated one) it says so instead.
 */
export function PendingInviteOffer({ code, profile, onActivated, onDone }: Props) {
  const { t } = useTranslation()
  const activation = useActivation((next, used) => {
    onActivated(next, used)
    onDone()
  })
  const alreadySame = profile.foreign_invite_code !== null && profile.foreign_invite_code.toUpperCase() === code

  useEffect(() => {
    // Nothing to offer or explain: this very code is already the one activated.
    if (alreadySame && !activation.pending) onDone()
  }, [alreadySame, activation.pending, onDone])

  if (alreadySame) return null

  if (code === profile.invite_code.toUpperCase()) {
    return (
      <Alert tone="info" live={false} className="offer">
        <p>{t('offer.own')}</p>
        <Button variant="secondary" className="btn--small" onClick={onDone}>
          {t('offer.close')}
        </Button>
      </Alert>
    )
  }

  if (profile.foreign_invite_code !== null) {
    return (
      <Alert tone="info" live={false} className="offer">
        <p>{t('offer.already', { code })}</p>
        <Button variant="secondary" className="btn--small" onClick={onDone}>
          {t('offer.close')}
        </Button>
      </Alert>
    )
  }

  return (
    <Alert tone="success" live={false} title={t('offer.title')} className="offer">
      <p>{t('offer.text', { code })}</p>
      <p className="field__error" aria-live="polite">
        {activation.error}
      </p>
      <div className="button-pair">
        <Button
          loading={activation.pending}
          loadingLabel={t('activate.submitting')}
          aria-disabled={activation.blocked || undefined}
          onClick={() => activation.activate(code)}
        >
          {t('offer.accept', { code })}
        </Button>
        <Button variant="secondary" onClick={onDone}>
          {t('offer.dismiss')}
        </Button>
      </div>
    </Alert>
  )
}
