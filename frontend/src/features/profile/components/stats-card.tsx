import { useTranslation } from 'react-i18next'
import { Alert } from '@/components/ui/alert'
import { Button } from '@/components/ui/button'
import { Card } from '@/components/ui/card'
import { Spinner } from '@/components/ui/spinner'
import type { FunnelDay } from '@/lib/api/types'
import { errorMessage } from '@/lib/error-message'
import { useReferralStats } from '../api/get-stats'

const SERIES = ['opens', 'sign_ups', 'activations'] as const
type Series = (typeof SERIES)[number]

const LABEL_KEYS = { opens: 'stats.opens', sign_ups: 'stats.signUps', activations: 'stats.activations' } as const

/** My share link's funnel: opens → sign-ups → activations, the totals and a small chart of the last 30 days. */
export function StatsCard() {
  const { t, i18n } = useTranslation()
  const stats = useReferralStats()

  let body
  if (stats.isPending) {
    body = (
      <p className="stats-state muted" role="status">
        <Spinner /> {t('stats.loading')}
      </p>
    )
  } else if (stats.isError) {
    body = (
      <>
        <Alert tone="error" title={t('stats.loadError')}>
          {errorMessage(stats.error, i18n)}
        </Alert>
        <Button variant="secondary" className="btn--small stats-retry" loading={stats.isFetching} onClick={() => void stats.refetch()}>
          {t('profile.retry')}
        </Button>
      </>
    )
  } else {
    const { totals, days } = stats.data
    const nothingYet = SERIES.every((series) => totals[series] === 0)
    body = (
      <>
        <dl className="stats">
          {SERIES.map((series) => (
            <div key={series} className={`stats__item stats__item--${series}`}>
              <dt>{t(LABEL_KEYS[series])}</dt>
              <dd data-testid={`stats-${series}`}>{totals[series]}</dd>
            </div>
          ))}
        </dl>
        {nothingYet ? (
          <div className="empty">
            <p className="empty__title">{t('stats.emptyTitle')}</p>
            <p className="muted">{t('stats.emptyText')}</p>
          </div>
        ) : (
          <FunnelChart days={days} />
        )}
      </>
    )
  }

  return (
    <Card aria-labelledby="stats-title" aria-busy={stats.isPending || undefined}>
      <header className="card__header">
        <h2 id="stats-title">{t('stats.title')}</h2>
        <p className="muted">{t('stats.lead')}</p>
      </header>
      {body}
    </Card>
  )
}

// The chart's own units: one slot per day, bars drawn from the bottom.
const SLOT = 10
const HEIGHT = 60
// Nested bars, widest at the back: the funnel narrows from opens to activations, and so do the bars.
const BAR_WIDTH: Record<Series, number> = { opens: 8, sign_ups: 5, activations: 2.5 }

function FunnelChart({ days }: { days: FunnelDay[] }) {
  const { t, i18n } = useTranslation()
  const sums = Object.fromEntries(SERIES.map((series) => [series, days.reduce((sum, day) => sum + day[series], 0)])) as Record<
    Series,
    number
  >
  const max = Math.max(1, ...days.flatMap((day) => SERIES.map((series) => day[series])))
  const dayFormat = new Intl.DateTimeFormat(i18n.language, { day: 'numeric', month: 'short', timeZone: 'UTC' })
  const dateOf = (day: FunnelDay) => dayFormat.format(new Date(`${day.date}T00:00:00Z`))
  const active = days.filter((day) => SERIES.some((series) => day[series] > 0)).reverse()
  const summary = t('stats.chartSummary', { count: days.length, opens: sums.opens, signUps: sums.sign_ups, activations: sums.activations })

  return (
    <figure className="chart">
      <figcaption className="chart__caption">{t('stats.chartTitle', { count: days.length })}</figcaption>
      <svg
        className="chart__svg"
        role="img"
        aria-label={summary}
        viewBox={`0 0 ${days.length * SLOT} ${HEIGHT}`}
        preserveAspectRatio="none"
      >
        <line className="chart__baseline" x1={0} x2={days.length * SLOT} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} />
        {days.map((day, i) =>
          SERIES.map((series) => {
            if (day[series] === 0) return null
            const height = Math.max(2, (day[series] / max) * (HEIGHT - 4))
            const width = BAR_WIDTH[series]
            return (
              <rect
                key={`${day.date}-${series}`}
                className={`chart__bar chart__bar--${series}`}
                x={i * SLOT + (SLOT - width) / 2}
                y={HEIGHT - height}
                width={width}
                height={height}
              />
            )
          }),
        )}
      </svg>
      <div className="chart__axis muted" aria-hidden="true">
        <span>{days.length > 0 && dateOf(days[0])}</span>
        <span>{days.length > 0 && dateOf(days[days.length - 1])}</span>
      </div>
      <ul className="chart__legend">
        {SERIES.map((series) => (
          <li key={series}>
            <span className={`chart__swatch chart__swatch--${series}`} aria-hidden="true" />
            {t(LABEL_KEYS[series])}
          </li>
        ))}
      </ul>
      <details className="chart__table">
        <summary>{t('stats.byDay')}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('stats.day')}</th>
              {SERIES.map((series) => (
                <th key={series} scope="col">
                  {t(LABEL_KEYS[series])}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {active.map((day) => (
              <tr key={day.date}>
                <th scope="row">
                  <time dateTime={day.date}>{dateOf(day)}</time>
                </th>
                {SERIES.map((series) => (
                  <td key={series}>{day[series]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted chart__note">{t('stats.otherDays')}</p>
      </details>
    </figure>
  )
}
