import { useSyncExternalStore } from 'react'
import { getTokens, subscribeTokens, type Tokens } from '@/lib/token-storage'

/** The current tokens (null when signed out), re-rendering on sign-in, refresh and sign-out. */
export function useTokens(): Tokens | null {
  return useSyncExternalStore(subscribeTokens, getTokens)
}
