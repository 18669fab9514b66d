/**
 * The only place that reads or writes the session tokens.
 *
 * Tokens live in localStorage so a reload keeps the user signed in. Other modules subscribe to
 * changes instead of reading storage themselves; the `storage` event keeps several tabs in step.
 */
export type Tokens = { access: string; refresh: string }

/** Why the tokens went away: the user logged out, or the session could not be renewed. */
export type ClearReason = 'logout' | 'expired'

type Listener = (tokens: Tokens | null, reason?: ClearReason) => void

const STORAGE_KEY = 'referral.tokens'
const listeners = new Set<Listener>()

function readStorage(): Tokens | null {
  try {
    const raw = window.localStorage.getItem(STORAGE_KEY)
    if (!raw) return null
    const parsed: unknown = JSON.parse(raw)
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'access' in parsed &&
      'refresh' in parsed &&
      typeof parsed.access === 'string' &&
      typeof parsed.refresh === 'string'
    ) {
      return { access: parsed.access, refresh: parsed.refresh }
    }
  } catch {
    // Storage unavailable (private mode) or corrupted: behave as signed out.
  }
  return null
}

// Cached so useSyncExternalStore sees a stable reference between changes.
let current: Tokens | null = readStorage()

function notify(reason?: ClearReason) {
  for (const listener of listeners) listener(current, reason)
}

export function getTokens(): Tokens | null {
  return current
}

export function setTokens(tokens: Tokens): void {
  current = { access: tokens.access, refresh: tokens.refresh }
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(current))
  } catch {
    // Keep the session in memory for this tab only.
  }
  notify()
}

export function clearTokens(reason: ClearReason = 'logout'): void {
  current = null
  try {
    window.localStorage.removeItem(STORAGE_KEY)
  } catch {
    // Nothing stored, nothing to remove.
  }
  notify(reason)
}

export function subscribeTokens(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key !== STORAGE_KEY && event.key !== null) return
    current = readStorage()
    notify(current ? undefined : 'logout')
  })
}

/**
 * The tokens as storage holds them now, which another tab may have changed a moment ago (before its
 * `storage` event reached this one); listeners hear of a change.
 */
export function syncTokensFromStorage(): Tokens | null {
  const stored = readStorage()
  if (stored?.access !== current?.access || stored?.refresh !== current?.refresh) {
    current = stored
    notify(current ? undefined : 'expired')
  }
  return current
}

/** For tests: forget the cached value and read storage again. */
export function reloadTokensFromStorage(): void {
  current = readStorage()
}
