import { useMutation } from '@tanstack/react-query'
import { api } from '@/lib/api/client'
import { clearTokens, getTokens } from '@/lib/token-storage'

/**
 * POST /api/logout/ blacklists the refresh token. The local session ends whatever the server
 * says: a user who presses "log out" offline is still logged out on this device.
 */
export async function logout(): Promise<void> {
  const tokens = getTokens()
  try {
    // A refusal changes nothing here: the token expires by itself.
    if (tokens) await api.POST('/api/logout/', { body: { refresh: tokens.refresh } })
  } catch {
    // No answer: the same.
  } finally {
    clearTokens('logout')
  }
}

export function useLogout() {
  return useMutation({ mutationFn: logout })
}
