import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AuthFlow, LogoutButton } from '@/features/auth'
import { ProfilePage } from '@/features/profile'
import { clearPendingInvite } from '@/lib/pending-invite'
import { subscribeTokens } from '@/lib/token-storage'
import { usePendingInvite } from '@/lib/use-pending-invite'
import { useTokens } from '@/lib/use-tokens'
import { LanguageSwitch } from './language-switch'

/** Signed out: the phone → code flow. Signed in: the profile. The tokens decide. */
export function App() {
  const { t } = useTranslation()
  const tokens = useTokens()
  const pendingInvite = usePendingInvite()
  const queryClient = useQueryClient()
  const [expired, setExpired] = useState(false)

  useEffect(
    () =>
      subscribeTokens((next, reason) => {
        if (next) {
          setExpired(false)
          return
        }
        // Nothing of the last user may show to the next one.
        queryClient.clear()
        setExpired(reason === 'expired')
      }),
    [queryClient],
  )

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <div className="topbar__inner column">
          <span className="brand">
            <span className="brand__mark" aria-hidden="true" />
            <span className="brand__name">{t('app.name')}</span>
          </span>
          <div className="topbar__actions">
            <LanguageSwitch />
            {tokens && <LogoutButton />}
          </div>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {/* One column for everything: the header, the sign-in card and the profile share its width and edges. */}
        <div className="column">
          {tokens ? (
            <ProfilePage pendingInvite={pendingInvite} onPendingInviteDone={clearPendingInvite} />
          ) : (
            <div className="panel">
              <AuthFlow notice={expired ? t('session.expired') : null} pendingInvite={pendingInvite} />
            </div>
          )}
        </div>
      </main>
      <footer className="footer muted">{t('app.tagline')}</footer>
    </div>
  )
}
