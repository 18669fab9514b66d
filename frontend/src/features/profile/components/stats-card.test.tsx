import { screen, within } from '@testing-library/react'
import { delay, http, HttpResponse } from 'msw'
import { beforeEach, describe, expect, test } from 'vitest'
import { setTokens } from '@/lib/token-storage'
import { makeStats, refused, server, TOKENS } from '@/test/server'
import { renderWithProviders } from '@/test/render'
import { StatsCard } from './stats-card'

function serveStats(...answers: (() => Response | Promise<Response>)[]) {
  let call = 0
  server.use(http.get('/api/profile/stats/', () => answers[Math.min(call++, answers.length - 1)]()))
}

/** The three numbers as a person reads them: each label with its number. */
function totals() {
  return screen.getAllByRole('term').map((term) => `${term.textContent}: ${term.nextElementSibling?.textContent}`)
}

beforeEach(() => setTokens(TOKENS))

describe('StatsCard', () => {
  test('says it is loading until the numbers arrive', async () => {
    serveStats(async () => {
      await delay(100)
      return HttpResponse.json(makeStats({ 29: { opens: 1 } }))
    })
    renderWithProviders(<StatsCard />)
    expect(screen.getByRole('status')).toHaveTextContent('Loading the numbers…')
    expect(await screen.findByTestId('stats-opens')).toHaveTextContent('1')
    expect(screen.queryByRole('status')).not.toBeInTheDocument()
  })

  test('nothing yet: three zeros and what to do, no empty chart', async () => {
    renderWithProviders(<StatsCard />)
    expect(await screen.findByText('No visits yet')).toBeInTheDocument()
    expect(screen.getByTestId('stats-opens')).toHaveTextContent('0')
    expect(screen.getByTestId('stats-sign_ups')).toHaveTextContent('0')
    expect(screen.getByTestId('stats-activations')).toHaveTextContent('0')
    expect(screen.queryByRole('img')).not.toBeInTheDocument()
  })

  test('the totals, and a chart of the last 30 days with its words and a table by day', async () => {
    // Totals count since the beginning, so they may exceed what the 30 days show.
    const stats = makeStats({ 20: { opens: 3, sign_ups: 1 }, 29: { opens: 2, sign_ups: 1, activations: 2 } })
    serveStats(() => HttpResponse.json({ ...stats, totals: { opens: 12, sign_ups: 4, activations: 3 } }))
    renderWithProviders(<StatsCard />)

    await screen.findByTestId('stats-opens')
    expect(totals()).toEqual(['Opened: 12', 'Signed up: 4', 'Activated: 3'])
    expect(screen.getByRole('img', { name: 'The last 30 days: 5 opened, 2 signed up, 2 activated.' })).toBeInTheDocument()

    const table = screen.getByRole('table')
    const rows = within(table).getAllByRole('row')
    expect(rows.map((row) => row.textContent)).toEqual(['DayOpenedSigned upActivated', 'Dec 3212', 'Nov 24310'])
  })

  test('a failed load says so and can be retried', async () => {
    serveStats(
      () => refused(503, 'service_unavailable', 'Service temporarily unavailable.'),
      () => HttpResponse.json(makeStats({ 29: { opens: 7 } })),
    )
    const { user } = renderWithProviders(<StatsCard />)

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent("Couldn't load your link's numbers.")
    expect(alert).toHaveTextContent('The service is briefly unavailable. Try again shortly.')
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByTestId('stats-opens')).toHaveTextContent('7')
  })

  test('in Russian', async () => {
    serveStats(() => HttpResponse.json(makeStats({ 29: { opens: 2, sign_ups: 1 } })))
    renderWithProviders(<StatsCard />, { language: 'ru' })
    expect(await screen.findByRole('heading', { name: 'Как работает ваша ссылка' })).toBeInTheDocument()
    expect(await screen.findByRole('img', { name: 'За 30 дней: открыли 2, вошли 1, активировали 0.' })).toBeInTheDocument()
  })
})
