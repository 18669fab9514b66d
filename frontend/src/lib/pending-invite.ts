/**
 * An invite code that arrived in a share link (`/?invite=CODE`) and waits for the user to accept
 * it. Kept in sessionStorage so it survives sign-in and reloads in this tab, and removed from the
 * address bar so a reload does not bring back an offer the user already answered.
 */
const STORAGE_KEY = 'referral.pendingInvite'
const PARAM = 'invite'
const CODE_PATTERN = /^[0-9A-Z]{1,32}$/

type Listener = (code: string | null) => void
const listeners = new Set<Listener>()
let current: string | null = read()

function read(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY)
  } catch {
    return null
  }
}

function write(code: string | null) {
  current = code
  try {
    if (code) window.sessionStorage.setItem(STORAGE_KEY, code)
    else window.sessionStorage.removeItem(STORAGE_KEY)
  } catch {
    // Memory only for this page.
  }
  for (const listener of listeners) listener(code)
}

export function normalizeInviteCode(raw: string): string {
  return raw.trim().replace(/[\s-]/g, '').toUpperCase()
}

/**
 * Reads `?invite=` from the address, stores it and tidies the address. Call once at start-up. Returns the
 * code when the page was opened through a share link (a well-formed one), else null.
 */
export function captureInviteFromUrl(): string | null {
  const url = new URL(window.location.href)
  const raw = url.searchParams.get(PARAM)
  if (raw === null) return null
  const code = normalizeInviteCode(raw)
  const valid = CODE_PATTERN.test(code)
  if (valid) write(code)
  url.searchParams.delete(PARAM)
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
  return valid ? code : null
}

export function getPendingInvite(): string | null {
  return current
}

export function clearPendingInvite(): void {
  write(null)
}

export function subscribePendingInvite(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** For tests: read storage again. */
export function reloadPendingInvite(): void {
  current = read()
}

export function shareLink(code: string): string {
  return `${window.location.origin}/?${PARAM}=${encodeURIComponent(code)}`
}
