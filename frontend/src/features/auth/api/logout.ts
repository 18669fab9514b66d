import { useMutation } from '@tanstack/react-query'
import { apiRequest } from '@/lib/api/client'
import { clearTokens, getTokens } from '@/lib/token-storage'

/**
 * POST /api/logout/ blacklists the refresh token. The local session ends whatever the server
 * says: a user who presses "log out" offline is still logged out on this device.
 */
export async function logout(): Promise<void> {
  const tokens = getTokens()
  try {
    if (tokens) await apiRequest<void>('/api/logout/', { method: 'POST', body: { refresh: tokens.refresh } })
  } catch {
    // The token expires by itself; nothing more to do here.
  } finally {
    clearTokens('logout')
  }
}

export function useLogout() {
  return useMutation({ mutationFn: logout })
}
