import { useInfiniteQuery } from '@tanstack/react-query'
import { authApi, dataOf } from '@/lib/api/client'
import type { ReferralPage } from '@/lib/api/types'
import { profileQueryKey } from './get-profile'

/** GET /api/profile/referrals/: the people who activated my code, newest first, a page at a time. */
export function getReferrals(cursor: string | null, signal?: AbortSignal): Promise<ReferralPage> {
  return dataOf(authApi.GET('/api/profile/referrals/', { params: { query: { cursor: cursor ?? undefined } }, signal }))
}

// The API's `next` is an absolute URL built from the Host it saw, which behind a proxy may not
// be ours: keep only its cursor and ask our own origin.
function cursorOf(next: string | null | undefined): string | undefined {
  if (!next) return undefined
  return new URL(next, window.location.href).searchParams.get('cursor') ?? undefined
}

export function useReferrals({ enabled }: { enabled: boolean }) {
  return useInfiniteQuery({
    queryKey: [...profileQueryKey, 'referrals'],
    queryFn: ({ pageParam, signal }) => getReferrals(pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => cursorOf(lastPage.next),
    enabled,
  })
}
