import { screen, waitFor } from '@testing-library/react'
import { delay, http, HttpResponse } from 'msw'
import { afterEach, describe, expect, test, vi } from 'vitest'
import type { ApiErrorCode, Language } from '@/lib/i18n'
import { fieldError, loginOk, loosely, server, throttled } from '@/test/server'
import { renderWithProviders } from '@/test/render'
import { PhoneForm } from './phone-form'

function setup(language: Language = 'en') {
  const onSent = vi.fn()
  const utils = renderWithProviders(<PhoneForm onSent={onSent} />, { language })
  const field = screen.getByLabelText(language === 'en' ? 'Phone number' : 'Номер телефона')
  const button = screen.getByRole('button', { name: language === 'en' ? 'Get code' : 'Получить код' })
  return { ...utils, onSent, field, button }
}

describe('PhoneForm', () => {
  afterEach(() => vi.useRealTimers())

  test('formats the number as it is typed', async () => {
    const { user, field } = setup()
    await user.type(field, '89161234567')
    expect(field).toHaveValue('8 (916) 123-45-67')
  })

  test('deleting a bracket deletes the digit before it, so backspace never sticks', async () => {
    const { user, field } = setup()
    await user.type(field, '8916')
    expect(field).toHaveValue('8 (916)')
    await user.type(field, '{Backspace}')
    expect(field).toHaveValue('8 91')
  })

  test('says what is wrong before sending anything', async () => {
    const requests = vi.fn()
    server.use(http.post('/api/login/', () => (requests(), HttpResponse.json(loginOk()))))
    const { user, field, button } = setup()

    await user.click(button)
    expect(await screen.findByText('Enter your phone number.')).toBeInTheDocument()

    await user.type(field, '123')
    await user.click(button)
    expect(await screen.findByText(/doesn't look like a valid phone number/)).toBeInTheDocument()
    expect(field).toHaveAttribute('aria-invalid', 'true')
    expect(requests).not.toHaveBeenCalled()
  })

  test('sends the number in E.164 and hands over the answer', async () => {
    let body: unknown
    server.use(
      http.post('/api/login/', async ({ request }) => {
        body = await request.json()
        return HttpResponse.json(loginOk())
      }),
    )
    const { user, field, button, onSent } = setup()

    await user.type(field, '9161234567')
    await user.click(button)

    await waitFor(() => expect(onSent).toHaveBeenCalledWith(loginOk(), '916 123-45-67'))
    expect(body).toEqual({ phone: '+79161234567' })
  })

  test('shows progress while sending and cannot be pressed twice', async () => {
    let calls = 0
    server.use(
      http.post('/api/login/', async () => {
        calls += 1
        await delay(150)
        return HttpResponse.json(loginOk())
      }),
    )
    const { user, field, button, onSent } = setup()

    await user.type(field, '+7 916 123 45 67')
    await user.click(button)
    expect(button).toHaveAttribute('aria-busy', 'true')
    expect(button).toHaveTextContent('Sending code…')
    await user.click(button)
    await user.keyboard('{Enter}')

    await waitFor(() => expect(onSent).toHaveBeenCalledTimes(1))
    expect(calls).toBe(1)
  })

  test("shows the API's 400 at the field, by its code", async () => {
    server.use(http.post('/api/login/', () => fieldError('phone', 'phone_not_mobile', 'Not a mobile number.')))
    const { user, field, button, onSent } = setup()

    await user.type(field, '84951234567')
    await user.click(button)

    expect(await screen.findByText("This number can't receive SMS. Enter a mobile phone number.")).toBeInTheDocument()
    expect(field).toHaveAttribute('aria-invalid', 'true')
    expect(onSent).not.toHaveBeenCalled()
  })

  test("an API that sends no codes: its own message at the field, as it wrote it", async () => {
    server.use(http.post('/api/login/', () => HttpResponse.json({ phone: ['Enter a mobile phone number.'] }, { status: 400 })))
    const { user, field, button } = setup()

    await user.type(field, '84951234567')
    await user.click(button)

    expect(await screen.findByText('Enter a mobile phone number.')).toBeInTheDocument()
    expect(field).toHaveAttribute('aria-invalid', 'true')
  })

  test('a 429 says when to try again and holds the button until then', async () => {
    let calls = 0
    server.use(http.post('/api/login/', () => (calls++, throttled(42, 'ip_rate_limit'))))
    const { user, field, button } = setup()

    await user.type(field, '9161234567')
    await user.click(button)

    await waitFor(() => expect(field).toHaveAccessibleDescription(/Try again in 42 s/))
    expect(button).toHaveAttribute('aria-disabled', 'true')
    await user.click(button)
    expect(calls).toBe(1)
  })

  test('when the wait is over, the message goes and the button works again', async () => {
    server.use(http.post('/api/login/', () => throttled(1)))
    const { user, field, button } = setup()

    await user.type(field, '9161234567')
    await user.click(button)
    await waitFor(() => expect(field).toHaveAccessibleDescription(/Try again in 1 s/))

    await waitFor(() => expect(button).not.toHaveAttribute('aria-disabled'), { timeout: 2500 })
    expect(field).not.toHaveAccessibleDescription(/Try again/)
  })

  // 10:00 local time, so the clock times below don't depend on when or where the tests run.
  const NOW = new Date(2026, 11, 3, 10, 0, 0)

  test.each<[ApiErrorCode | undefined, number, Language, string]>([
    [
      'ip_rate_limit',
      42,
      'en',
      'Too many sign-in requests from this device or network. Try again in 42 s.',
    ],
    ['resend_cooldown', 57, 'en', 'A code was just sent to this number. You can ask for a new one in 57 s.'],
    [
      'daily_code_limit',
      86_000,
      'en',
      'This number has had as many codes as it can get in a day. New codes can be sent in 23 h 53 min, tomorrow at 9:54 AM.',
    ],
    [
      'wrong_code_limit',
      44 * 60,
      'en',
      'Too many wrong codes were entered for this number, so signing in with it is paused. Try again in 44 min, at 10:44 AM.',
    ],
    [undefined, 42, 'en', 'Too many requests. Try again in 42 s.'],
    [
      'ip_rate_limit',
      42,
      'ru',
      'Слишком много запросов на вход с этого устройства или из этой сети. Попробуйте через 42 с.',
    ],
    ['resend_cooldown', 57, 'ru', 'Код на этот номер только что отправлен. Новый можно запросить через 57 с.'],
    [
      'daily_code_limit',
      86_000,
      'ru',
      'На этот номер отправлено максимальное число кодов за сутки. Новые коды можно будет получить через 23 ч 53 мин, завтра в 9:54.',
    ],
    [
      'wrong_code_limit',
      44 * 60,
      'ru',
      'Для этого номера введено слишком много неверных кодов, вход с ним приостановлен. Попробуйте через 44 мин, в 10:44.',
    ],
  ])('a 429 %s (%i s, %s) says which limit and when it lifts', async (code, retryAfter, language, message) => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW })
    server.use(http.post('/api/login/', () => throttled(retryAfter, code)))
    const { user, field, button } = setup(language)

    await user.type(field, '9161234567')
    await user.click(button)

    await waitFor(() => expect(field).toHaveAccessibleDescription(loosely(message)))
    expect(button).toHaveAttribute('aria-disabled', 'true')
  })

  test('a country codes are not sent to: says so under the field, in Russian too', async () => {
    server.use(
      http.post('/api/login/', () => fieldError('phone', 'phone_region_not_allowed', "SMS sign-in isn't available for this country.")),
    )
    const { user, field, button } = setup('ru')

    await user.type(field, '+881631234567')
    await user.click(button)

    await waitFor(() => expect(field).toHaveAccessibleDescription(loosely('Вход по SMS для номеров этой страны недоступен.')))
  })

  test('no SMS provider took the code: says to try again shortly, and nothing is handed over', async () => {
    server.use(
      http.post('/api/login/', () =>
        HttpResponse.json(
          { detail: 'The code could not be sent by SMS right now. Try again shortly.', code: 'sms_unavailable', retry_after: 30 },
          { status: 503, headers: { 'Retry-After': '30' } },
        ),
      ),
    )
    const { user, field, button, onSent } = setup()

    await user.type(field, '9161234567')
    await user.click(button)

    expect(await screen.findByText('The code could not be sent by SMS right now. Try again shortly.')).toBeInTheDocument()
    expect(onSent).not.toHaveBeenCalled()
  })

  test('no connection gets its own message', async () => {
    server.use(http.post('/api/login/', () => HttpResponse.error()))
    const { user, field, button } = setup()

    await user.type(field, '9161234567')
    await user.click(button)

    expect(await screen.findByText(/Can't reach the server/)).toBeInTheDocument()
  })
})
