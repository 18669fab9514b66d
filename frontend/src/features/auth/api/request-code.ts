import { useState } from 'react'
import { useMutation } from '@tanstack/react-query'
import { api, dataOf } from '@/lib/api/client'
import type { AltchaChallenge, LoginRequest, LoginResponse } from '@/lib/api/types'
import { solveProofOfWork } from '@/lib/proof-of-work'

/** The 428's code: the request looked risky and must carry a solved challenge. */
const PROOF_OF_WORK_REQUIRED = 'proof_of_work_required'

function login(body: LoginRequest) {
  return api.POST('/api/login/', { body })
}

/** The challenge of a 428 `proof_of_work_required`, if this answer is one. */
function challengeOf({ error, response }: Awaited<ReturnType<typeof login>>): AltchaChallenge | null {
  if (response.status !== 428 || typeof error !== 'object' || error === null || !('altcha' in error)) return null
  return error.code === PROOF_OF_WORK_REQUIRED && error.altcha?.parameters ? error.altcha : null
}

/**
 * POST /api/login/: sends a code by SMS (or shows it, in demo mode).
 *
 * A request the API finds risky answers 428 with a proof-of-work challenge: it is solved in the background
 * (`onChallenge` is called first, to say so) and the request sent once more with the solution. A second 428,
 * or a challenge that can't be solved (ProofOfWorkError), is thrown to the caller.
 */
export async function requestCode(body: LoginRequest, onChallenge?: () => void): Promise<LoginResponse> {
  const first = login(body)
  const challenge = challengeOf(await first)
  if (!challenge) return dataOf(first)
  onChallenge?.()
  const altcha = await solveProofOfWork(challenge)
  return dataOf(login({ ...body, altcha }))
}

/** The mutation, and whether it is solving a challenge right now (for a "checking your connection" state). */
export function useRequestCode() {
  const [solving, setSolving] = useState(false)
  const mutation = useMutation({
    mutationFn: (body: LoginRequest) => requestCode(body, () => setSolving(true)),
    onSettled: () => setSolving(false),
  })
  return { ...mutation, solving }
}
