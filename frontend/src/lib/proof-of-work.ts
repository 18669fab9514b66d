import type { AltchaChallenge } from '@/lib/api/types'

/** The challenge couldn't be solved in time (or the browser can't hash): the request can't go through. */
export class ProofOfWorkError extends Error {
  constructor(cause?: unknown) {
    super('The proof-of-work challenge could not be solved', { cause })
    this.name = 'ProofOfWorkError'
  }
}

// A 428 may take a slow phone several seconds; past this the person is better off trying again.
const TIMEOUT_MS = 60_000

/**
 * Solves an ALTCHA challenge (a 428 `proof_of_work_required` from the API) and returns what the API takes
 * back in the request's `altcha` field: base64 of `{"challenge", "solution"}`, as ALTCHA's own widget sends it.
 *
 * The work runs in Web Workers (the `altcha` package's SHA worker, served from this origin, which the
 * `script-src 'self'` CSP allows), so the page stays responsive; without Worker support, on the page itself.
 * The solver is loaded on first use: most people never meet a challenge.
 */
export async function solveProofOfWork(challenge: AltchaChallenge): Promise<string> {
  const { sha, solveChallenge, solveChallengeWorkers } = await import('altcha/lib')
  let solution
  try {
    if (typeof Worker === 'undefined') {
      solution = await solveChallenge({ challenge, deriveKey: sha.deriveKey, timeout: TIMEOUT_MS })
    } else {
      const { default: ShaWorker } = await import('altcha/workers/sha?worker')
      solution = await solveChallengeWorkers({
        challenge,
        concurrency: Math.min(4, navigator.hardwareConcurrency || 2),
        createWorker: () => new ShaWorker(),
        timeout: TIMEOUT_MS,
      })
    }
  } catch (error) {
    throw new ProofOfWorkError(error)
  }
  if (!solution) throw new ProofOfWorkError()
  return btoa(JSON.stringify({ challenge, solution }))
}
