import { useQuery } from '@tanstack/react-query'
import { apiRequest } from '@/lib/api/client'
import type { Profile } from '@/lib/api/types'

export const profileQueryKey = ['profile'] as const

/** GET /api/profile/ */
export function getProfile(signal?: AbortSignal): Promise<Profile> {
  return apiRequest<Profile>('/api/profile/', { auth: true, signal })
}

export function useProfile() {
  return useQuery({ queryKey: profileQueryKey, queryFn: ({ signal }) => getProfile(signal) })
}
