import { useQuery } from '@tanstack/react-query'
import { authApi, dataOf } from '@/lib/api/client'
import type { Profile } from '@/lib/api/types'

export const profileQueryKey = ['profile'] as const

/** GET /api/profile/ */
export function getProfile(signal?: AbortSignal): Promise<Profile> {
  return dataOf(authApi.GET('/api/profile/', { signal }))
}

export function useProfile() {
  return useQuery({ queryKey: profileQueryKey, queryFn: ({ signal }) => getProfile(signal) })
}
