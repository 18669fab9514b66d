import createClient, { type Middleware } from 'openapi-fetch'
import { clearTokens, getTokens, setTokens, syncTokensFromStorage } from '@/lib/token-storage'
import { ApiError, NetworkError } from './errors'
import type { paths } from './schema'

let language = 'en'

/** The UI language, sent as Accept-Language: the API writes its messages (`detail`) in it. */
export function setApiLanguage(lang: string): void {
  language = lang
}

/** fetch, with "no answer at all" (offline, server down) as a NetworkError; a cancelled request stays an AbortError. */
async function send(request: Request): Promise<Response> {
  try {
    // Looked up on each call, not kept: tests put their mock server in front of it after this module loads.
    return await globalThis.fetch(request)
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new NetworkError(error)
  }
}

const acceptLanguage: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept-Language', language)
    return request
  },
}

function newClient() {
  // The page's own origin, so the same build works behind any host (the dev proxy, nginx, Django).
  const client = createClient<paths>({ baseUrl: window.location.origin, fetch: send, headers: { Accept: 'application/json' } })
  client.use(acceptLanguage)
  return client
}

/** The API without a session: sign-in, token refresh, logout. */
export const api = newClient()

/**
 * The API as the signed-in user: sends the access token, and on a 401 refreshes the tokens once and retries.
 * If the refresh or the retry fails, the tokens are cleared with reason 'expired', which sends the app back to
 * the phone screen, and the caller gets the 401.
 */
export const authApi = newClient()

// Each request as it left (before its body was read), with the access token it carried: a 401 resends it.
const sent = new Map<string, { retry: Request; access: string | undefined }>()

const session: Middleware = {
  onRequest({ request, id }) {
    const access = getTokens()?.access
    if (access) request.headers.set('Authorization', `Bearer ${access}`)
    sent.set(id, { retry: request.clone(), access })
    return request
  },
  async onResponse({ response, id }) {
    const original = sent.get(id)
    sent.delete(id)
    if (response.status !== 401 || !original) return undefined
    const latest = getTokens()
    // Another request may have refreshed while this one was on the wire: just retry with its token.
    const renewed = latest !== null && latest.access !== original.access ? true : await refreshTokens()
    const access = getTokens()?.access
    let answer = response
    if (renewed && access) {
      original.retry.headers.set('Authorization', `Bearer ${access}`)
      answer = await send(original.retry)
    }
    if ((!renewed || !access || answer.status === 401) && getTokens()) clearTokens('expired')
    return answer
  },
  onError({ id }) {
    sent.delete(id)
  },
}
authApi.use(session)

// One refresh at a time: several requests failing with 401 together share it, because the
// refresh token rotates and may be used only once.
let refreshInFlight: Promise<boolean> | null = null

function refreshTokens(): Promise<boolean> {
  refreshInFlight ??= refreshOnce().finally(() => {
    refreshInFlight = null
  })
  return refreshInFlight
}

/**
 * Tabs share the tokens (localStorage), so they take turns too (the Web Locks API): the API takes a
 * refresh token spent twice for a stolen copy and ends the session. A tab that waited its turn and
 * finds the tokens renewed by another one just uses them. It may not find them at once: Chromium passes
 * one tab's localStorage writes to the others asynchronously, so the tab that waited behind another's
 * refresh gives that tab's new tokens a moment to arrive before it spends the refresh token itself.
 */
async function refreshOnce(): Promise<boolean> {
  const spending = getTokens()?.refresh
  if (!spending) return false
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  if (!locks) return refreshUnlessRenewed(spending, false)
  const first = await locks.request(REFRESH_LOCK, { ifAvailable: true }, (lock) =>
    lock ? refreshUnlessRenewed(spending, false) : BEHIND_ANOTHER_TAB,
  )
  if (first !== BEHIND_ANOTHER_TAB) return first
  return locks.request(REFRESH_LOCK, () => refreshUnlessRenewed(spending, true))
}

const REFRESH_LOCK = 'referral.token-refresh'
const BEHIND_ANOTHER_TAB = 'behind another tab'
// How long a tab that waited behind another tab's refresh waits for that tab's tokens to reach it.
const OTHER_TAB_TOKENS_MS = 1000

async function refreshUnlessRenewed(spending: string, behindAnotherTab: boolean): Promise<boolean> {
  let tokens = syncTokensFromStorage()
  if (behindAnotherTab && tokens?.refresh === spending) tokens = await renewedElsewhere(spending)
  if (!tokens) return false
  if (tokens.refresh !== spending) return true
  const { data } = await api.POST('/api/token/refresh/', { body: { refresh: tokens.refresh } })
  if (!data) return false
  setTokens({ access: data.access, refresh: data.refresh })
  return true
}

/** The tokens once storage no longer holds `spending` (another tab renewed or ended the session), or as they
 * are after OTHER_TAB_TOKENS_MS. */
function renewedElsewhere(spending: string): Promise<ReturnType<typeof syncTokensFromStorage>> {
  return new Promise((resolve) => {
    const started = Date.now()
    const look = () => {
      const tokens = syncTokensFromStorage()
      if (tokens?.refresh !== spending || Date.now() - started >= OTHER_TAB_TOKENS_MS) resolve(tokens)
      else setTimeout(look, 20)
    }
    look()
  })
}

/** What `api` and `authApi` calls resolve to: the 2xx body typed by the schema, or the error body. */
type Answer<T> = { data: T; error?: never; response: Response } | { data?: never; error: unknown; response: Response }

/**
 * The body of a 2xx answer from `api` or `authApi`, typed by the schema. Any other status (or a 2xx without
 * the body the schema promises) is thrown as an ApiError, with the error's `code`, `codes` and `retry_after`;
 * no answer at all as a NetworkError.
 */
export async function dataOf<T>(pending: Promise<Answer<T>>): Promise<NonNullable<T>> {
  const { data, error, response } = await pending
  if (!response.ok || error !== undefined || data === undefined || data === null) {
    throw new ApiError(response.status, error, response.headers.get('Retry-After'))
  }
  return data
}
