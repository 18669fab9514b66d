import { useMutation, useQueryClient } from '@tanstack/react-query'
import { authApi, dataOf } from '@/lib/api/client'
import type { Profile } from '@/lib/api/types'
import { profileQueryKey } from './get-profile'

/** PATCH /api/profile/ with the code of the person who invited this user. Answers the whole profile. */
export function activateInvite(code: string): Promise<Profile> {
  return dataOf(authApi.PATCH('/api/profile/', { body: { foreign_invite_code: code } }))
}

export function useActivateInvite() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: activateInvite,
    onSuccess: (profile) => queryClient.setQueryData(profileQueryKey, profile),
  })
}
