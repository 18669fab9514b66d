import { useQuery } from '@tanstack/react-query'
import { authApi, dataOf } from '@/lib/api/client'
import type { ReferralStats } from '@/lib/api/types'
import { profileQueryKey } from './get-profile'

/** GET /api/profile/stats/: opens of my share link, sign-ups through it and activations, by day. */
export function getReferralStats(signal?: AbortSignal): Promise<ReferralStats> {
  return dataOf(authApi.GET('/api/profile/stats/', { signal }))
}

export function useReferralStats() {
  return useQuery({ queryKey: [...profileQueryKey, 'stats'], queryFn: ({ signal }) => getReferralStats(signal) })
}
