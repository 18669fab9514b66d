import { screen, waitFor, within } from '@testing-library/react'
import { delay, http, HttpResponse } from 'msw'
import { beforeEach, describe, expect, test } from 'vitest'
import { setTokens } from '@/lib/token-storage'
import type { Profile, ProfileUpdateRequest, ReferralPage } from '@/lib/api/types'
import { fieldError, makeProfile, refused, server, throttled, TOKENS } from '@/test/server'
import { renderWithProviders } from '@/test/render'
import { ProfilePage } from './profile-page'

function serveProfile(profile: Profile) {
  server.use(http.get('/api/profile/', () => HttpResponse.json(profile)))
}

function patchAnswers(resolver: (body: ProfileUpdateRequest) => Response | Promise<Response>) {
  const bodies: unknown[] = []
  server.use(
    http.patch<never, ProfileUpdateRequest>('/api/profile/', async ({ request }) => {
      const body = await request.json()
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
    expect(screen.getByTestId('share-link')).toHaveTextContent(`${window.location.origin}/?invite=K7M2QX`)
    expect(screen.getByRole('img', { name: 'QR code of your link' })).toBeInTheDocument()
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
          ? refused(503, 'service_unavailable', 'Service temporarily unavailable. Try again shortly.')
          : HttpResponse.json(makeProfile())
      }),
    )
    const { user } = renderWithProviders(<ProfilePage />)

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent("Couldn't load your profile.")
    expect(alert).toHaveTextContent('The service is briefly unavailable. Try again shortly.')
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

  test.each([
    ['unknown', 'invite_code_not_found', 'Invite code not found.'],
    ['own', 'invite_code_own', "You can't activate your own invite code."],
    ['cyclic', 'invite_code_cycle', 'This code belongs to someone who joined through your invitation.'],
  ])('an %s code: the field says why, by its code (%s)', async (_case, code, message) => {
    // The API's own wording differs on purpose: the sentence shown is ours for the code.
    patchAnswers(() => fieldError('foreign_invite_code', code, `(server wording for ${code})`))
    const { user } = renderWithProviders(<ProfilePage />)

    await activateWith(user, 'ZZZZZZ')

    const field = screen.getByLabelText('Invite code')
    await waitFor(() => expect(field).toHaveAccessibleDescription(message))
    expect(field).toHaveAttribute('aria-invalid', 'true')
    expect(screen.queryByTestId('foreign-invite-code')).not.toBeInTheDocument()
  })

  test("a code this app has no sentence for (a newer API): the API's message, in the language it was asked for", async () => {
    const languages: (string | null)[] = []
    server.use(
      http.patch('/api/profile/', ({ request }) => {
        languages.push(request.headers.get('Accept-Language'))
        return fieldError('foreign_invite_code', 'invite_code_expired', 'Срок действия этого кода истёк.')
      }),
    )
    const { user } = renderWithProviders(<ProfilePage />, { language: 'ru' })

    await user.type(await screen.findByLabelText('Инвайт-код'), 'ZZZZZZ')
    await user.click(screen.getByRole('button', { name: 'Активировать' }))

    await waitFor(() => expect(screen.getByLabelText('Инвайт-код')).toHaveAccessibleDescription('Срок действия этого кода истёк.'))
    expect(languages).toEqual(['ru'])
  })

  test('shows the 409 when a code was already activated', async () => {
    patchAnswers(() => refused(409, 'invite_code_already_activated', 'You have already activated an invite code.'))
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

  test.each([
    ['invite_code_not_found', 'Такой инвайт-код не найден.'],
    ['invite_code_own', 'Нельзя активировать собственный инвайт-код.'],
    ['invite_code_cycle', 'Этот код принадлежит тому, кто пришёл по вашему приглашению.'],
  ])('in Russian, a refused code (%s) says why in Russian', async (code, message) => {
    patchAnswers(() => fieldError('foreign_invite_code', code, 'Invite code not found.'))
    const { user } = renderWithProviders(<ProfilePage />, { language: 'ru' })

    await user.type(await screen.findByLabelText('Инвайт-код'), 'ZZZZZZ')
    await user.click(screen.getByRole('button', { name: 'Активировать' }))

    expect(await screen.findByText(message)).toBeInTheDocument()
  })

  test('answers in Russian too', async () => {
    serveProfile(makeProfile({ activated_your_code: ['+79030000001', '+79030000002'], activated_your_code_count: 2 }))
    renderWithProviders(<ProfilePage />, { language: 'ru' })
    expect(await screen.findByRole('heading', { name: 'Ваш профиль' })).toBeInTheDocument()
    expect(screen.getByTestId('referral-count')).toHaveTextContent('2 человека активировали ваш код')
  })
})

