import { useMutation, useQueryClient } from '@tanstack/react-query'
import { apiRequest } from '@/lib/api/client'
import type { Profile, ProfileUpdateRequest } from '@/lib/api/types'
import { profileQueryKey } from './get-profile'

/** PATCH /api/profile/ with the code of the person who invited this user. Answers the whole profile. */
export function activateInvite(code: string): Promise<Profile> {
  const body: ProfileUpdateRequest = { foreign_invite_code: code }
  return apiRequest<Profile>('/api/profile/', { method: 'PATCH', auth: true, body })
}

export function useActivateInvite() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: activateInvite,
    onSuccess: (profile) => queryClient.setQueryData(profileQueryKey, profile),
  })
}
