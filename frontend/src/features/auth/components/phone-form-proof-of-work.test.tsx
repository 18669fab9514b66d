import { screen } from '@testing-library/react'
import { createChallenge, sha, verifySolution } from 'altcha/lib'
import { delay, http, HttpResponse } from 'msw'
import { describe, expect, test, vi } from 'vitest'
import type { AltchaChallenge, LoginRequest } from '@/lib/api/types'
import { loginOk, server } from '@/test/server'
import { renderWithProviders } from '@/test/render'
import { PhoneForm } from './phone-form'

const SECRET = 'test-hmac-secret'

/** A challenge as the API makes one (ALTCHA PoW v2, SHA-256, cost 1), with a small counter to find. */
async function makeChallenge(): Promise<AltchaChallenge> {
  const challenge = await createChallenge({
    algorithm: 'SHA-256',
    cost: 1,
    counter: 150,
    deriveKey: sha.deriveKey,
    expiresAt: new Date(Date.now() + 300_000),
    hmacSignatureSecret: SECRET,
  })
  // The API always sets an expiry and a signature; the library's type lets them be left out.
  const { parameters, signature } = challenge
  if (parameters.expiresAt === undefined || signature === undefined) throw new Error('expected an expiring, signed challenge')
  return { parameters: { ...parameters, expiresAt: parameters.expiresAt }, signature }
}

function proofOfWorkRequired(altcha: AltchaChallenge) {
  return HttpResponse.json(
    { detail: 'Solve the proof-of-work challenge and send the request again.', code: 'proof_of_work_required', altcha },
    { status: 428 },
  )
}

function setup() {
  const onSent = vi.fn()
  const utils = renderWithProviders(<PhoneForm onSent={onSent} />, { language: 'en' })
  return {
    ...utils,
    onSent,
    field: screen.getByLabelText('Phone number'),
    button: screen.getByRole('button', { name: 'Get code' }),
  }
}

describe('PhoneForm and a proof-of-work challenge', () => {
  test('solves a 428 challenge in the background and resends the login with the solution', async () => {
    const challenge = await makeChallenge()
    const bodies: LoginRequest[] = []
    server.use(
      http.post<never, LoginRequest>('/api/login/', async ({ request }) => {
        const body = await request.json()
        bodies.push(body)
        if (bodies.length === 1) return proofOfWorkRequired(challenge)
        await delay(150) // long enough to see the button say what is going on
        return HttpResponse.json(loginOk())
      }),
    )
    const { user, field, button, onSent } = setup()

    await user.type(field, '9161234567')
    await user.click(button)

    expect(await screen.findByText('Checking your connection…')).toBeInTheDocument()
    await vi.waitFor(() => expect(onSent).toHaveBeenCalledWith(loginOk(), expect.any(String)))
    expect(bodies).toHaveLength(2)
    expect(bodies[0]).toEqual({ phone: '+79161234567' })
    expect(bodies[1].phone).toBe('+79161234567')
    // What ALTCHA's server side takes: base64 of {challenge, solution}, and the solution holds.
    const payload = JSON.parse(atob(bodies[1].altcha ?? ''))
    expect(payload.challenge).toEqual(challenge)
    expect(payload.solution.counter).toBe(150)
    const result = await verifySolution({
      challenge: payload.challenge,
      solution: payload.solution,
      deriveKey: sha.deriveKey,
      hmacSignatureSecret: SECRET,
    })
    expect(result.verified).toBe(true)
  })

  test('says so when the challenge is refused again', async () => {
    const challenge = await makeChallenge()
    const requests = vi.fn()
    server.use(http.post('/api/login/', () => (requests(), proofOfWorkRequired(challenge))))
    const { user, field, button, onSent } = setup()

    await user.type(field, '9161234567')
    await user.click(button)

    expect(await screen.findByText("We couldn't check your connection. Try again.")).toBeInTheDocument()
    expect(requests).toHaveBeenCalledTimes(2) // one resend, not a loop
    expect(onSent).not.toHaveBeenCalled()
    expect(screen.getByRole('button', { name: 'Get code' })).toBeInTheDocument()
  })
})
