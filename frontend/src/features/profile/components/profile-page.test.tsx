import { screen, waitFor, within } from '@testing-library/react'
import { delay, http, HttpResponse } from 'msw'
import { beforeEach, describe, expect, test } from 'vitest'
import { setTokens } from '@/lib/token-storage'
import type { Profile, ReferralPage } from '@/lib/api/types'
import { makeProfile, server, throttled, TOKENS } from '@/test/server'
import { renderWithProviders } from '@/test/render'
import { ProfilePage } from './profile-page'

function serveProfile(profile: Profile) {
  server.use(http.get('/api/profile/', () => HttpResponse.json(profile)))
}

function patchAnswers(resolver: (body: { foreign_invite_code?: string }) => Response | Promise<Response>) {
  const bodies: unknown[] = []
  server.use(
    http.patch('/api/profile/', async ({ request }) => {
      const body = (await request.json()) as { foreign_invite_code?: string }
      bodies.push(body)
      return resolver(body)
    }),
  )
  return bodies
}

async function activateWith(user: ReturnType<typeof renderWithProviders>['user'], code: string) {
  await user.type(await screen.findByLabelText('Invite code'), code)
  await user.click(screen.getByRole('button', { name: 'Activate' }))
}

beforeEach(() => setTokens(TOKENS))

describe('ProfilePage', () => {
  test('says it is loading until the profile arrives', async () => {
    server.use(
      http.get('/api/profile/', async () => {
        await delay(100)
        return HttpResponse.json(makeProfile())
      }),
    )
    renderWithProviders(<ProfilePage />)
    expect(screen.getByRole('status')).toHaveTextContent('Loading your profile…')
    expect(await screen.findByRole('heading', { name: 'Your profile' })).toBeInTheDocument()
  })

  test('shows the phone, the invite code, its share link and the empty referral list', async () => {
    renderWithProviders(<ProfilePage />)

    expect(await screen.findByTestId('profile-phone')).toHaveTextContent('+7 916 123 45 67')
    expect(screen.getByTestId('invite-code')).toHaveTextContent('K7M2QX')
    expect(screen.getByLabelText('Share link')).toHaveValue(`${window.location.origin}/?invite=K7M2QX`)
    expect(screen.getByText('No one yet')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Copy code' })).toBeInTheDocument()
  })

  test('copies the code and says so', async () => {
    const { user } = renderWithProviders(<ProfilePage />)
    await user.click(await screen.findByRole('button', { name: 'Copy code' }))
    await expect(navigator.clipboard.readText()).resolves.toBe('K7M2QX')
    expect(await screen.findByText('Copied.')).toBeInTheDocument()
  })

  test('a failed load says so and can be retried', async () => {
    let calls = 0
    server.use(
      http.get('/api/profile/', () => {
        calls += 1
        return calls === 1
          ? HttpResponse.json({ detail: 'Service unavailable.' }, { status: 503 })
          : HttpResponse.json(makeProfile())
      }),
    )
    const { user } = renderWithProviders(<ProfilePage />)

    expect(await screen.findByRole('alert')).toHaveTextContent("Couldn't load your profile.")
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByTestId('invite-code')).toHaveTextContent('K7M2QX')
  })

  test('lists referrals newest first with their count, and shows more on request', async () => {
    serveProfile(makeProfile({ activated_your_code: ['+79030000003', '+79030000002'], activated_your_code_count: 3 }))
    const pages: Record<string, ReferralPage> = {
      first: {
        next: 'http://backend.internal/api/profile/referrals/?cursor=abc',
        previous: null,
        results: [
          { phone: '+79030000003', activated_at: '2026-11-20T10:00:00Z' },
          { phone: '+79030000002', activated_at: '2026-11-19T10:00:00Z' },
        ],
      },
      abc: { next: null, previous: null, results: [{ phone: '+79030000001', activated_at: '2026-11-18T10:00:00Z' }] },
    }
    server.use(
      http.get('/api/profile/referrals/', ({ request }) => {
        const cursor = new URL(request.url).searchParams.get('cursor') ?? 'first'
        return HttpResponse.json(pages[cursor])
      }),
    )
    const { user } = renderWithProviders(<ProfilePage />)

    expect(await screen.findByTestId('referral-count')).toHaveTextContent('3 people activated your code')
    const list = screen.getByRole('list', { name: 'People you invited' })
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(2))
    expect(within(list).getAllByRole('listitem')[0]).toHaveTextContent('+7 903 000 00 03')

    await user.click(await screen.findByRole('button', { name: 'Show more' }))

    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(3))
    expect(within(list).getAllByRole('listitem')[2]).toHaveTextContent('+7 903 000 00 01')
    expect(screen.queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument()
  })

  test('activating a code replaces the form with the activated code', async () => {
    const bodies = patchAnswers((body) =>
      HttpResponse.json(makeProfile({ foreign_invite_code: body.foreign_invite_code?.trim().toUpperCase() ?? null })),
    )
    const { user } = renderWithProviders(<ProfilePage />)

    await activateWith(user, 'ab12cd')

    expect(await screen.findByTestId('foreign-invite-code')).toHaveTextContent('AB12CD')
    expect(bodies).toEqual([{ foreign_invite_code: 'AB12CD' }])
    expect(screen.queryByLabelText('Invite code')).not.toBeInTheDocument()
    expect(screen.getByRole('heading', { name: 'Invited by' })).toHaveFocus()
  })

  test('shows the API field error for an unknown, own or cyclic code', async () => {
    patchAnswers(() => HttpResponse.json({ foreign_invite_code: ['Invite code not found.'] }, { status: 400 }))
    const { user } = renderWithProviders(<ProfilePage />)

    await activateWith(user, 'ZZZZZZ')

    const field = screen.getByLabelText('Invite code')
    await waitFor(() => expect(field).toHaveAccessibleDescription('Invite code not found.'))
    expect(field).toHaveAttribute('aria-invalid', 'true')
  })

  test('shows the 409 when a code was already activated', async () => {
    patchAnswers(() => HttpResponse.json({ detail: 'You have already activated an invite code.' }, { status: 409 }))
    const { user } = renderWithProviders(<ProfilePage />)

    await activateWith(user, 'AB12CD')

    expect(await screen.findByText('You have already activated an invite code.')).toBeInTheDocument()
  })

  test('a 429 says too many codes failed and when to try again, and sends nothing meanwhile', async () => {
    const bodies = patchAnswers(() => throttled(125, 'invite_attempt_limit'))
    const { user } = renderWithProviders(<ProfilePage />)

    await activateWith(user, 'AB12CD')

    const field = screen.getByLabelText('Invite code')
    await waitFor(() =>
      expect(field).toHaveAccessibleDescription("Too many invite codes didn't work. You can try another in 2 min 5 s."),
    )
    await user.click(screen.getByRole('button', { name: 'Activate' }))
    expect(bodies).toHaveLength(1)
  })

  test('shows progress while activating', async () => {
    patchAnswers(async () => {
      await delay(150)
      return HttpResponse.json(makeProfile({ foreign_invite_code: 'AB12CD' }))
    })
    const { user } = renderWithProviders(<ProfilePage />)
    await activateWith(user, 'AB12CD')
    expect(screen.getByRole('button', { name: 'Activating…' })).toHaveAttribute('aria-busy', 'true')
    expect(await screen.findByTestId('foreign-invite-code')).toHaveTextContent('AB12CD')
  })

  test('an empty code is caught before sending', async () => {
    const bodies = patchAnswers(() => HttpResponse.json(makeProfile()))
    const { user } = renderWithProviders(<ProfilePage />)
    await user.click(await screen.findByRole('button', { name: 'Activate' }))
    expect(await screen.findByText('Enter an invite code.')).toBeInTheDocument()
    expect(bodies).toHaveLength(0)
  })

  test("shows the API's known messages in Russian when the app speaks Russian", async () => {
    patchAnswers(() => HttpResponse.json({ foreign_invite_code: ['Invite code not found.'] }, { status: 400 }))
    const { user } = renderWithProviders(<ProfilePage />, { language: 'ru' })

    await user.type(await screen.findByLabelText('Инвайт-код'), 'ZZZZZZ')
    await user.click(screen.getByRole('button', { name: 'Активировать' }))

    expect(await screen.findByText('Такой инвайт-код не найден.')).toBeInTheDocument()
  })

  test('answers in Russian too', async () => {
    serveProfile(makeProfile({ activated_your_code: ['+79030000001', '+79030000002'], activated_your_code_count: 2 }))
    renderWithProviders(<ProfilePage />, { language: 'ru' })
    expect(await screen.findByRole('heading', { name: 'Ваш профиль' })).toBeInTheDocument()
    expect(screen.getByTestId('referral-count')).toHaveTextContent('2 человека активировали ваш код')
  })
})

