import { screen, waitFor, within } from '@testing-library/react'
import { http, HttpResponse } from 'msw'
import { describe, expect, test } from 'vitest'
import { captureInviteFromUrl, getPendingInvite } from '@/lib/pending-invite'
import { getTokens, setTokens } from '@/lib/token-storage'
import type { Profile, ProfileUpdateRequest } from '@/lib/api/types'
import { CODE, fieldError, makeProfile, server, TOKENS } from '@/test/server'
import { renderWithProviders } from '@/test/render'
import { App } from './app'

/** A backend whose profile remembers an activation, as the real one does. */
function profileBackend(initial: Profile = makeProfile()) {
  let profile = initial
  const patches: unknown[] = []
  server.use(
    http.get('/api/profile/', () => HttpResponse.json(profile)),
    http.patch<never, ProfileUpdateRequest>('/api/profile/', async ({ request }) => {
      const body = await request.json()
      patches.push(body)
      profile = { ...profile, foreign_invite_code: body.foreign_invite_code ?? null }
      return HttpResponse.json(profile)
    }),
  )
  return patches
}

function openShareLink(code: string) {
  window.history.replaceState(null, '', `/?invite=${code}`)
  captureInviteFromUrl()
}

async function signIn(user: ReturnType<typeof renderWithProviders>['user']) {
  await user.type(screen.getByLabelText('Phone number'), '9161234567')
  await user.click(screen.getByRole('button', { name: 'Get code' }))
  await user.type(await screen.findByLabelText('Code from the SMS'), CODE)
}

describe('share links', () => {
  test('signed out: the code survives sign-in and is offered, not applied', async () => {
    const patches = profileBackend()
    openShareLink('ab12cd')
    expect(window.location.search).toBe('')
    const { user } = renderWithProviders(<App />)

    expect(screen.getByText(/You were invited with the code AB12CD/)).toBeInTheDocument()
    await signIn(user)

    expect(await screen.findByText(/You opened an invite link with the code AB12CD/)).toBeInTheDocument()
    expect(patches).toEqual([])

    await user.click(screen.getByRole('button', { name: 'Activate AB12CD' }))

    expect(await screen.findByTestId('foreign-invite-code')).toHaveTextContent('AB12CD')
    expect(patches).toEqual([{ foreign_invite_code: 'AB12CD' }])
    expect(getPendingInvite()).toBeNull()
    expect(screen.queryByText(/You opened an invite link/)).not.toBeInTheDocument()
  })

  test('signed in: the same offer, and "Not now" forgets it', async () => {
    setTokens(TOKENS)
    const patches = profileBackend()
    openShareLink('AB12CD')
    const { user } = renderWithProviders(<App />)

    // One way to activate at a time: the offer, not the offer and the form.
    await screen.findByRole('button', { name: 'Activate AB12CD' })
    expect(screen.getAllByRole('button', { name: /^Activate/ })).toHaveLength(1)
    expect(screen.queryByLabelText('Invite code')).not.toBeInTheDocument()

    await user.click(await screen.findByRole('button', { name: 'Not now' }))

    expect(screen.queryByText(/You opened an invite link/)).not.toBeInTheDocument()
    expect(getPendingInvite()).toBeNull()
    expect(patches).toEqual([])
    expect(screen.getByLabelText('Invite code')).toBeInTheDocument()
  })

  test('a link with my own code says so instead of offering it', async () => {
    setTokens(TOKENS)
    profileBackend(makeProfile({ invite_code: 'K7M2QX' }))
    openShareLink('k7m2qx')
    renderWithProviders(<App />)

    expect(await screen.findByText(/That link carries your own code/)).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Activate K7M2QX/ })).not.toBeInTheDocument()
  })

  test('the API refusing the offered code says why in the offer', async () => {
    setTokens(TOKENS)
    server.use(
      http.patch('/api/profile/', () => fieldError('foreign_invite_code', 'invite_code_not_found', 'Invite code not found.')),
    )
    openShareLink('ZZZZZZ')
    const { user } = renderWithProviders(<App />)

    await user.click(await screen.findByRole('button', { name: 'Activate ZZZZZZ' }))
    expect(await screen.findByText('Invite code not found.')).toBeInTheDocument()
  })
})

describe('session', () => {
  test('a reload with stored tokens opens the profile', async () => {
    setTokens(TOKENS)
    renderWithProviders(<App />)
    expect(await screen.findByTestId('invite-code')).toHaveTextContent('K7M2QX')
  })

  test('an expired access token is refreshed and the request retried', async () => {
    setTokens({ access: 'stale', refresh: 'r1' })
    server.use(http.post('/api/token/refresh/', () => HttpResponse.json({ access: TOKENS.access, refresh: 'r2' })))
    renderWithProviders(<App />)

    expect(await screen.findByTestId('invite-code')).toHaveTextContent('K7M2QX')
    expect(getTokens()).toEqual({ access: TOKENS.access, refresh: 'r2' })
  })

  test('when the refresh fails too, back to the phone screen with a message', async () => {
    setTokens({ access: 'stale', refresh: 'revoked' })
    renderWithProviders(<App />)

    expect(await screen.findByText('Your session has ended. Please sign in again.')).toBeInTheDocument()
    expect(screen.getByLabelText('Phone number')).toBeInTheDocument()
    expect(getTokens()).toBeNull()
  })

  test('logout revokes the refresh token and returns to the phone screen', async () => {
    setTokens(TOKENS)
    let revoked: unknown
    server.use(
      http.post('/api/logout/', async ({ request }) => {
        revoked = await request.json()
        return new HttpResponse(null, { status: 204 })
      }),
    )
    const { user } = renderWithProviders(<App />)

    await user.click(await screen.findByRole('button', { name: 'Log out' }))

    expect(await screen.findByLabelText('Phone number')).toBeInTheDocument()
    expect(revoked).toEqual({ refresh: TOKENS.refresh })
    expect(getTokens()).toBeNull()
    expect(screen.queryByText(/session has ended/)).not.toBeInTheDocument()
  })

  test('the whole sign-in goes phone → code → profile, and "change number" goes back', async () => {
    const { user } = renderWithProviders(<App />)
    await user.type(screen.getByLabelText('Phone number'), '9161234567')
    await user.click(screen.getByRole('button', { name: 'Get code' }))
    await user.click(await screen.findByRole('button', { name: 'Change number' }))
    expect(screen.getByLabelText('Phone number')).toHaveValue('916 123-45-67')

    await user.click(screen.getByRole('button', { name: 'Get code' }))
    await user.type(await screen.findByLabelText('Code from the SMS'), CODE)

    const heading = await screen.findByRole('heading', { name: 'Your profile' })
    await waitFor(() => expect(heading).toHaveFocus())
    expect(document.title).toBe('Your profile · Referrals')
  })
})

describe('language', () => {
  test('the switch changes the language and remembers it', async () => {
    const { user } = renderWithProviders(<App />)
    await user.click(screen.getByRole('button', { name: 'Русский' }))

    expect(screen.getByRole('heading', { name: 'Вход' })).toBeInTheDocument()
    expect(screen.getByLabelText('Номер телефона')).toBeInTheDocument()
    expect(document.documentElement.lang).toBe('ru')
    expect(window.localStorage.getItem('referral.lang')).toBe('ru')
    await waitFor(() => expect(screen.getByRole('button', { name: 'Русский' })).toHaveAttribute('aria-pressed', 'true'))
    expect(screen.getByRole('button', { name: 'English' })).toHaveAttribute('aria-pressed', 'false')
  })

  test('each option is named by the words on it, the language’s own name', () => {
    renderWithProviders(<App />)
    const group = screen.getByRole('group', { name: 'Language' })
    for (const button of within(group).getAllByRole('button')) {
      // What is seen is what is heard (WCAG 2.5.3, axe's label-content-name-mismatch).
      expect(button).toHaveAccessibleName(button.textContent!)
    }
    expect(within(group).getAllByRole('button').map((button) => button.textContent)).toEqual(['Русский', 'English'])
    expect(screen.getByRole('button', { name: 'Русский' })).toHaveAttribute('lang', 'ru')
    expect(screen.getByRole('button', { name: 'English' })).toHaveAttribute('aria-pressed', 'true')
  })
})
