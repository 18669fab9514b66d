import { useState } from 'react'
import { useMutation } from '@tanstack/react-query'
import { apiRequest } from '@/lib/api/client'
import { ApiError } from '@/lib/api/errors'
import type { AltchaChallenge, LoginRequest, LoginResponse } from '@/lib/api/types'
import { solveProofOfWork } from '@/lib/proof-of-work'

/** The 428's code: the request looked risky and must carry a solved challenge. */
export const PROOF_OF_WORK_REQUIRED = 'proof_of_work_required'

function challengeOf(error: unknown): AltchaChallenge | null {
  if (!(error instanceof ApiError) || error.status !== 428 || error.code !== PROOF_OF_WORK_REQUIRED) return null
  const altcha = (error.body as { altcha?: AltchaChallenge } | undefined)?.altcha
  return altcha?.parameters ? altcha : null
}

/**
 * POST /api/login/: sends a code by SMS (or shows it, in demo mode).
 *
 * A request the API finds risky answers 428 with a proof-of-work challenge: it is solved in the background
 * (`onChallenge` is called first, to say so) and the request sent once more with the solution. A second 428,
 * or a challenge that can't be solved (ProofOfWorkError), is thrown to the caller.
 */
export async function requestCode(body: LoginRequest, onChallenge?: () => void): Promise<LoginResponse> {
  try {
    return await apiRequest<LoginResponse>('/api/login/', { method: 'POST', body })
  } catch (error) {
    const challenge = challengeOf(error)
    if (!challenge) throw error
    onChallenge?.()
    const altcha = await solveProofOfWork(challenge)
    return apiRequest<LoginResponse>('/api/login/', { method: 'POST', body: { ...body, altcha } })
  }
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
