import { screen, waitFor } from '@testing-library/react'
import { delay, http, HttpResponse } from 'msw'
import { describe, expect, test, vi } from 'vitest'
import { loginOk, server, throttled } from '@/test/server'
import { renderWithProviders } from '@/test/render'
import { PhoneForm } from './phone-form'

function setup() {
  const onSent = vi.fn()
  const utils = renderWithProviders(<PhoneForm onSent={onSent} />)
  const field = screen.getByLabelText('Phone number')
  const button = screen.getByRole('button', { name: 'Get code' })
  return { ...utils, onSent, field, button }
}

describe('PhoneForm', () => {
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

  test("shows the API's 400 message at the field", async () => {
    server.use(
      http.post('/api/login/', () =>
        HttpResponse.json({ phone: ['Enter a mobile phone number.'] }, { status: 400 }),
      ),
    )
    const { user, field, button, onSent } = setup()

    await user.type(field, '84951234567')
    await user.click(button)

    expect(await screen.findByText('Enter a mobile phone number.')).toBeInTheDocument()
    expect(field).toHaveAttribute('aria-invalid', 'true')
    expect(onSent).not.toHaveBeenCalled()
  })

  test('a 429 says when to try again and holds the button until then', async () => {
    let calls = 0
    server.use(http.post('/api/login/', () => (calls++, throttled(42))))
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

  test('no connection gets its own message', async () => {
    server.use(http.post('/api/login/', () => HttpResponse.error()))
    const { user, field, button } = setup()

    await user.type(field, '9161234567')
    await user.click(button)

    expect(await screen.findByText(/Can't reach the server/)).toBeInTheDocument()
  })
})
