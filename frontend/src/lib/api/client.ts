import { clearTokens, getTokens, setTokens, syncTokensFromStorage } from '@/lib/token-storage'
import { ApiError, NetworkError } from './errors'

type Method = 'GET' | 'POST' | 'PATCH'

export type RequestOptions = {
  method?: Method
  body?: unknown
  /** Send the access token, and on a 401 refresh it once and retry. */
  auth?: boolean
  signal?: AbortSignal
}

let language = 'en'

/** The UI language, sent as Accept-Language so the API can answer in it. */
export function setApiLanguage(lang: string): void {
  language = lang
}

function absolute(path: string): string {
  // Relative to the page, so the same build works behind any host (dev proxy, nginx, Django).
  return new URL(path, window.location.href).toString()
}

async function send(path: string, options: RequestOptions, access: string | undefined): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': language }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (access) headers.Authorization = `Bearer ${access}`
  try {
    return await fetch(absolute(path), {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new NetworkError(error)
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text()
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

// One refresh at a time: several requests failing with 401 together share it, because the
// refresh token rotates and may be used only once.
let refreshInFlight: Promise<boolean> | null = null

/**
 * Tabs share the tokens (localStorage), so they take turns too (the Web Locks API): the API takes a
 * refresh token spent twice for a stolen copy and ends the session. A tab that waited its turn and
 * finds the tokens renewed by another one just uses them.
 */
async function refreshOnce(): Promise<boolean> {
  const spending = getTokens()?.refresh
  if (!spending) return false
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  if (!locks) return refreshUnlessRenewed(spending)
  return locks.request('referral.token-refresh', () => refreshUnlessRenewed(spending))
}

async function refreshUnlessRenewed(spending: string): Promise<boolean> {
  const tokens = syncTokensFromStorage()
  if (!tokens) return false
  if (tokens.refresh !== spending) return true
  const response = await send('/api/token/refresh/', { method: 'POST', body: { refresh: tokens.refresh } }, undefined)
  if (!response.ok) return false
  const body = (await readJson(response)) as { access?: unknown; refresh?: unknown } | undefined
  if (typeof body?.access !== 'string') return false
  setTokens({ access: body.access, refresh: typeof body.refresh === 'string' ? body.refresh : tokens.refresh })
  return true
}

function refreshTokens(): Promise<boolean> {
  refreshInFlight ??= refreshOnce().finally(() => {
    refreshInFlight = null
  })
  return refreshInFlight
}

/**
 * Calls the API and returns the parsed JSON body.
 *
 * Throws ApiError for a non-2xx answer and NetworkError when there is no answer. With `auth`,
 * a 401 triggers one token refresh and one retry; if either fails the tokens are cleared with
 * reason 'expired', which sends the app back to the phone screen.
 */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const usedAccess = options.auth ? getTokens()?.access : undefined
  let response = await send(path, options, usedAccess)

  if (response.status === 401 && options.auth) {
    const latest = getTokens()
    // Another request may have refreshed while this one was on the wire: just retry with its token.
    const renewed = latest !== null && latest.access !== usedAccess ? true : await refreshTokens()
    const access = getTokens()?.access
    if (renewed && access) response = await send(path, options, access)
    if (!renewed || !access || response.status === 401) {
      const body = renewed && access ? await readJson(response) : { detail: 'Session expired.' }
      if (getTokens()) clearTokens('expired')
      throw new ApiError(401, body, null)
    }
  }

  const body = await readJson(response)
  if (!response.ok) throw new ApiError(response.status, body, response.headers.get('Retry-After'))
  return body as T
}
