import { screen, waitFor } from '@testing-library/react'
import { delay, http, HttpResponse } from 'msw'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { getTokens } from '@/lib/token-storage'
import { CHALLENGE, CODE, fieldError, loginOk, loosely, refused, server, throttled, TOKENS } from '@/test/server'
import { renderWithProviders } from '@/test/render'
import type { LoginResponse } from '@/lib/api/types'
import type { Language } from '@/lib/i18n'
import { CodeForm } from './code-form'

function setup(login: LoginResponse = loginOk(), language: Language = 'en') {
  const onBack = vi.fn()
  const onResent = vi.fn()
  const utils = renderWithProviders(<CodeForm login={login} onBack={onBack} onResent={onResent} />, { language })
  const input = screen.getByLabelText(language === 'en' ? 'Code from the SMS' : 'Код из SMS')
  return { ...utils, onBack, onResent, input }
}

describe('CodeForm', () => {
  afterEach(() => vi.useRealTimers())

  test('is a one-time-code field with a numeric keyboard, focused on arrival', () => {
    const { input } = setup()
    expect(input).toHaveAttribute('autocomplete', 'one-time-code')
    expect(input).toHaveAttribute('inputmode', 'numeric')
    expect(input).toHaveFocus()
    expect(screen.getByText(/\+7 916 123 45 67/)).toBeInTheDocument()
  })

  test('shows the demo code in a banner marked as a demo, and only then', () => {
    setup()
    expect(screen.getByText('Demo')).toBeInTheDocument()
    expect(screen.getByText('No real SMS is sent in demo mode. Your code:')).toBeInTheDocument()
    expect(screen.getByTestId('demo-code-text')).toHaveTextContent(/^1234$/)
  })

  test('a tap on the demo code fills the boxes and signs in', async () => {
    let body: unknown
    server.use(
      http.post('/api/verify/', async ({ request }) => {
        body = await request.json()
        return HttpResponse.json({ ...TOKENS, is_new: true })
      }),
    )
    const { user, input } = setup()

    await user.click(screen.getByRole('button', { name: '1234 Fill in the code' }))

    expect(input).toHaveValue(CODE)
    await waitFor(() => expect(getTokens()).toEqual(TOKENS))
    expect(body).toEqual({ phone: '+79161234567', token: CODE, challenge: CHALLENGE })
  })

  test('no demo banner when the server keeps the code to itself', () => {
    const { code: _omit, ...login } = loginOk()
    setup(login)
    expect(screen.queryByText('Demo')).not.toBeInTheDocument()
  })

  test('the fourth digit submits and a right code stores the tokens', async () => {
    let body: unknown
    server.use(
      http.post('/api/verify/', async ({ request }) => {
        body = await request.json()
        return HttpResponse.json({ ...TOKENS, is_new: true })
      }),
    )
    const { user, input } = setup()

    await user.type(input, CODE)

    await waitFor(() => expect(getTokens()).toEqual(TOKENS))
    expect(body).toEqual({ phone: '+79161234567', token: CODE, challenge: CHALLENGE })
  })

  test("a share link's code goes with the sign-in, so the link's owner is credited with it", async () => {
    let body: unknown
    server.use(
      http.post('/api/verify/', async ({ request }) => {
        body = await request.json()
        return HttpResponse.json({ ...TOKENS, is_new: true })
      }),
    )
    const { user } = renderWithProviders(<CodeForm login={loginOk()} pendingInvite="AB12CD" onBack={vi.fn()} onResent={vi.fn()} />)

    await user.type(screen.getByLabelText('Code from the SMS'), CODE)

    await waitFor(() => expect(getTokens()).toEqual(TOKENS))
    expect(body).toEqual({ phone: '+79161234567', token: CODE, challenge: CHALLENGE, invite_code: 'AB12CD' })
  })

  test('pasting the whole code fills the boxes and submits', async () => {
    const { user, input } = setup()
    await user.click(input)
    await user.paste(' 12-34 ')
    await waitFor(() => expect(getTokens()).toEqual(TOKENS))
  })

  test('shows progress while checking', async () => {
    server.use(
      http.post('/api/verify/', async () => {
        await delay(150)
        return HttpResponse.json({ ...TOKENS, is_new: false })
      }),
    )
    const { user, input } = setup()
    await user.type(input, CODE)
    expect(screen.getByRole('button', { name: 'Checking the code…' })).toHaveAttribute('aria-busy', 'true')
    await waitFor(() => expect(getTokens()).toEqual(TOKENS))
  })

  test('a wrong code says so in the language of the app, whatever the API wrote', async () => {
    server.use(http.post('/api/verify/', () => refused(400, 'code_invalid', 'Invalid or expired code.')))
    const { user, input } = setup(loginOk(), 'ru')

    await user.type(input, '9999')

    expect(await screen.findByText('Неверный или просроченный код.')).toBeInTheDocument()
  })

  test("a malformed code is told at the field by its code", async () => {
    server.use(
      http.post('/api/verify/', () => fieldError('token', 'code_format', 'Enter the code from the SMS: 4 digits, or 8 if the SMS has 8.')),
    )
    const { user, input } = setup()
    await user.type(input, '0000')
    expect(await screen.findByText('Enter the code from the SMS: 4 digits, or 8 if the SMS has 8.')).toBeInTheDocument()
  })

  test('a wrong code says so and clears the boxes', async () => {
    const { user, input } = setup()

    await user.type(input, '9999')

    expect(await screen.findByText('Invalid or expired code.')).toBeInTheDocument()
    expect(input).toHaveValue('')
    await waitFor(() => expect(input).toHaveFocus())
    expect(getTokens()).toBeNull()
  })

  test('Enter with fewer than four digits asks for the rest', async () => {
    const { user, input } = setup()
    await user.type(input, '12{Enter}')
    expect(await screen.findByText('Enter all 4 digits.')).toBeInTheDocument()
  })

  test('an 8-digit code: eight boxes, the lead says so, and only the eighth digit submits', async () => {
    let body: unknown
    server.use(
      http.post('/api/verify/', async ({ request }) => {
        body = await request.json()
        return HttpResponse.json({ ...TOKENS, is_new: false })
      }),
    )
    const { user, input, container } = setup(loginOk({ code: '12345678', code_length: 8 }))
    expect(screen.getByText(/We sent a code of 8 digits to/)).toBeInTheDocument()
    expect(container.querySelectorAll('.otp__box')).toHaveLength(8)

    await user.type(input, '1234{Enter}')
    expect(await screen.findByText('Enter all 8 digits.')).toBeInTheDocument()
    expect(body).toBeUndefined()

    await user.type(input, '5678')
    await waitFor(() => expect(getTokens()).toEqual(TOKENS))
    expect(body).toEqual({ phone: '+79161234567', token: '12345678', challenge: CHALLENGE })
  })

  test('a newer code replaced this one: says so', async () => {
    server.use(
      http.post('/api/verify/', () =>
        HttpResponse.json(
          { detail: 'A newer code was sent to this phone. Ask for a new code.', code: 'code_replaced' },
          { status: 400 },
        ),
      ),
    )
    const { user, input } = setup()
    await user.type(input, CODE)
    expect(await screen.findByText('A newer code was sent to this phone. Ask for a new code.')).toBeInTheDocument()
    expect(getTokens()).toBeNull()
  })

  test('too many wrong codes: says so and when it lifts, and blocks the field', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(2026, 11, 3, 10, 0, 0) })
    server.use(http.post('/api/verify/', () => throttled(86_000, 'wrong_code_limit')))
    const { user, input } = setup()

    await user.type(input, '9999')

    await waitFor(() => expect(input).toBeDisabled())
    expect(input).toHaveAccessibleDescription(
      loosely(
        'Too many wrong codes were entered for this number, so signing in with it is paused. ' +
          'Try again in 23 h 53 min, tomorrow at 9:54 AM.',
      ),
    )
  })

  test("the device's request cap on verify is told apart from the phone's lock", async () => {
    server.use(http.post('/api/verify/', () => throttled(42, 'ip_rate_limit')))
    const { user, input } = setup()

    await user.type(input, '9999')

    await waitFor(() => expect(input).toBeDisabled())
    expect(input).toHaveAccessibleDescription(
      /Too many sign-in requests from this device or network\. Try again in 42 s\./,
    )
  })

  test('a refused resend says which limit it hit, and the button counts down', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(2026, 11, 3, 10, 0, 0) })
    server.use(http.post('/api/login/', () => throttled(40_000, 'daily_code_limit')))
    const { user } = setup(loginOk({ resend_in: 0 }))

    await user.click(screen.getByRole('button', { name: 'Send a new code' }))

    const message = loosely(
      'This number has had as many codes as it can get in a day. New codes can be sent in 11 h 6 min, at 9:07 PM.',
    )
    await waitFor(() =>
      expect(screen.getAllByRole('status').filter((region) => message.test(region.textContent ?? ''))).toHaveLength(1),
    )
    expect(screen.getByRole('button', { name: 'New code in 11 h 6 min' })).toHaveAttribute('aria-disabled', 'true')
  })

  test('resend counts down from resend_in', () => {
    setup(loginOk({ resend_in: 45 }))
    expect(screen.getByRole('button', { name: 'New code in 45 s' })).toHaveAttribute('aria-disabled', 'true')
  })

  test('resend asks for a new code once the countdown is over', async () => {
    const next = loginOk({ code: '5678', resend_in: 60 })
    server.use(http.post('/api/login/', () => HttpResponse.json(next)))
    const { user, onResent } = setup(loginOk({ resend_in: 0 }))

    await user.click(screen.getByRole('button', { name: 'Send a new code' }))

    await waitFor(() => expect(onResent).toHaveBeenCalledWith(next))
    expect(await screen.findByText('We sent a new code.')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'New code in 60 s' })).toBeInTheDocument()
  })

  test('"Change number" goes back', async () => {
    const { user, onBack } = setup()
    await user.click(screen.getByRole('button', { name: 'Change number' }))
    expect(onBack).toHaveBeenCalled()
  })
})
