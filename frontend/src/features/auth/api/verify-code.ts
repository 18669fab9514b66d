import { useMutation } from '@tanstack/react-query'
import { api, dataOf } from '@/lib/api/client'
import type { VerifyRequest, VerifyResponse } from '@/lib/api/types'
import { setTokens } from '@/lib/token-storage'

/** POST /api/verify/: trades the SMS code for tokens and stores them, which signs the user in. */
export async function verifyCode(body: VerifyRequest): Promise<VerifyResponse> {
  const result = await dataOf(api.POST('/api/verify/', { body }))
  setTokens({ access: result.access, refresh: result.refresh })
  return result
}

export function useVerifyCode() {
  return useMutation({ mutationFn: verifyCode })
}
