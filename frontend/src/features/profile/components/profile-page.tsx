import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '@/components/ui/alert'
import { Button } from '@/components/ui/button'
import { LiveRegion } from '@/components/ui/live-region'
import { Spinner } from '@/components/ui/spinner'
import { errorMessage } from '@/lib/error-message'
import { displayPhone } from '@/lib/phone'
import { useDocumentTitle } from '@/lib/use-document-title'
import { useProfile } from '../api/get-profile'
import { ActivateForm } from './activate-form'
import { ActivatedCard } from './activated-card'
import { InviteCard } from './invite-card'
import { PendingInviteOffer } from './pending-invite-offer'
import { ReferralList } from './referral-list'
import { StatsCard } from './stats-card'

type Props = {
  /** A code from a share link, waiting for the user's yes or no. */
  pendingInvite?: string | null
  onPendingInviteDone?: () => void
}

export function ProfilePage({ pendingInvite = null, onPendingInviteDone = () => {} }: Props) {
  const { t, i18n } = useTranslation()
  const profile = useProfile()
  const [announcement, setAnnouncement] = useState('')
  const [justActivated, setJustActivated] = useState(false)
  const heading = useRef<HTMLHeadingElement>(null)
  const loaded = profile.isSuccess
  useDocumentTitle(t('profile.title'), t('app.name'))

  // Arriving from the code screen, focus would otherwise fall back to the page itself.
  useEffect(() => {
    if (loaded && (document.activeElement === document.body || document.activeElement === null)) heading.current?.focus()
  }, [loaded])

  // A short-lived toast; the live region itself stays so screen readers hear each message.
  useEffect(() => {
    if (!announcement) return
    const timer = window.setTimeout(() => setAnnouncement(''), 3000)
    return () => window.clearTimeout(timer)
  }, [announcement])

  if (profile.isPending) {
    return (
      <div className="screen-loading" role="status">
        <Spinner large />
        <p>{t('profile.loading')}</p>
      </div>
    )
  }

  if (profile.isError) {
    return (
      <div className="stack">
        <h1>{t('profile.title')}</h1>
        <Alert tone="error" title={t('profile.loadError')}>
          {errorMessage(profile.error, i18n)}
        </Alert>
        <Button variant="secondary" loading={profile.isFetching} onClick={() => void profile.refetch()}>
          {t('profile.retry')}
        </Button>
      </div>
    )
  }

  const data = profile.data
  const offering =
    pendingInvite !== null && data.foreign_invite_code === null && pendingInvite !== data.invite_code.toUpperCase()
  const onActivated = (_: unknown, code: string) => {
    setJustActivated(true)
    setAnnouncement(t('activate.success', { code: code.trim().toUpperCase() }))
  }

  return (
    <div className="stack stack--wide">
      <header className="screen-header">
        <h1 ref={heading} tabIndex={-1}>
          {t('profile.title')}
        </h1>
        <p className="muted">
          {t('profile.phone')} <strong className="nowrap" data-testid="profile-phone">{displayPhone(data.phone)}</strong>
        </p>
      </header>
      {pendingInvite && (
        <PendingInviteOffer code={pendingInvite} profile={data} onActivated={onActivated} onDone={onPendingInviteDone} />
      )}
      <InviteCard code={data.invite_code} announce={setAnnouncement} />
      <StatsCard />
      <ReferralList profile={data} />
      {data.foreign_invite_code ? (
        <ActivatedCard code={data.foreign_invite_code} takeFocus={justActivated} />
      ) : (
        // While a share link's code is on offer above, a second "Activate" would only compete with it.
        !offering && <ActivateForm onActivated={onActivated} />
      )}
      <LiveRegion className="sr-only">{announcement}</LiveRegion>
    </div>
  )
}
