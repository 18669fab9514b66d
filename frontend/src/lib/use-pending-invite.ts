import { useSyncExternalStore } from 'react'
import { getPendingInvite, subscribePendingInvite } from '@/lib/pending-invite'

export function usePendingInvite(): string | null {
  return useSyncExternalStore(subscribePendingInvite, getPendingInvite)
}
