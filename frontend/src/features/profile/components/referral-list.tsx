import { useTranslation } from 'react-i18next'
import { Button } from '@/components/ui/button'
import { Card } from '@/components/ui/card'
import type { Profile } from '@/lib/api/types'
import { errorMessage } from '@/lib/error-message'
import { displayPhone } from '@/lib/phone'
import { useReferrals } from '../api/get-referrals'

/**
 * The people who activated my code, newest first. The profile's own list shows at once; the
 * paginated endpoint adds dates and "show more" beyond it.
 */
export function ReferralList({ profile }: { profile: Profile }) {
  const { t, i18n } = useTranslation()
  const count = profile.activated_your_code_count
  const referrals = useReferrals({ enabled: count > 0 })
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium' })

  const rows = referrals.data
    ? referrals.data.pages.flatMap((page) => page.results)
    : profile.activated_your_code.map((phone) => ({ phone, activated_at: null as string | null }))

  return (
    <Card aria-labelledby="referrals-title">
      <h2 id="referrals-title">{t('referrals.title')}</h2>
      {count === 0 ? (
        <div className="empty">
          <p className="empty__title">{t('referrals.emptyTitle')}</p>
          <p className="muted">{t('referrals.emptyText')}</p>
        </div>
      ) : (
        <>
          <p className="referral-count" data-testid="referral-count">
            {t('referrals.count', { count })}
          </p>
          <ol className="referrals" aria-labelledby="referrals-title">
            {rows.map((row) => (
              <li key={row.phone} className="referrals__item">
                <span className="referrals__phone">{displayPhone(row.phone)}</span>
                {row.activated_at && (
                  <time className="referrals__date muted" dateTime={row.activated_at}>
                    {t('referrals.joined', { date: dateFormat.format(new Date(row.activated_at)) })}
                  </time>
                )}
              </li>
            ))}
          </ol>
          {referrals.isError && (
            <p className="field__error" role="alert">
              {t('referrals.loadError')} {errorMessage(referrals.error, i18n)}
            </p>
          )}
          {referrals.hasNextPage && (
            <Button
              variant="secondary"
              loading={referrals.isFetchingNextPage}
              loadingLabel={t('referrals.loadingMore')}
              onClick={() => void referrals.fetchNextPage()}
            >
              {t('referrals.showMore')}
            </Button>
          )}
        </>
      )}
    </Card>
  )
}
