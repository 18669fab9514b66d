/**
 * Counting share-link opens (POST /api/invites/{code}/open/): once per browser and code, with a random id of
 * this browser kept in localStorage. Best effort: a failure is never shown and never stands in the way of
 * signing in; one that may pass later (no answer, a 429, a 5xx) is tried again the next time the link is opened.
 */
import { api } from '@/lib/api/client'

const VISITOR_KEY = 'referral.visitor'
const OPENED_KEY = 'referral.invitesOpened'
// Enough for anyone; keeps the list from growing without end.
const MAX_REMEMBERED = 50

// Without localStorage (a locked-down browser), an id for this page only: opens still count, if more than once.
let memoryVisitor: string | null = null
const inFlight = new Set<string>()

function newUuid(): string {
  // randomUUID exists only in secure contexts (https, localhost); the fallback builds the same version 4 UUID.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** This browser's random id, made on first use. */
export function visitorId(): string {
  try {
    let id = window.localStorage.getItem(VISITOR_KEY)
    if (!id) {
      id = newUuid()
      window.localStorage.setItem(VISITOR_KEY, id)
    }
    return id
  } catch {
    memoryVisitor ??= newUuid()
    return memoryVisitor
  }
}

function opened(): string[] {
  try {
    const list: unknown = JSON.parse(window.localStorage.getItem(OPENED_KEY) ?? '[]')
    return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : []
  } catch {
    return []
  }
}

function remember(code: string) {
  try {
    window.localStorage.setItem(OPENED_KEY, JSON.stringify([...opened().filter((c) => c !== code), code].slice(-MAX_REMEMBERED)))
  } catch {
    // Not remembered: the API counts a browser once anyway.
  }
}

/** Tells the API this browser opened a share link with `code`, unless it already did. Never throws. */
export async function reportInviteOpen(code: string): Promise<void> {
  if (inFlight.has(code) || opened().includes(code)) return
  inFlight.add(code)
  try {
    const { response } = await api.POST('/api/invites/{code}/open/', {
      params: { path: { code } },
      body: { visitor: visitorId() },
    })
    // Counted (204), or nothing to count ever (a code that is no one's, a refused body): don't ask again.
    if (response.ok || response.status === 404 || response.status === 400) remember(code)
  } catch {
    // No answer: try again on the next open.
  } finally {
    inFlight.delete(code)
  }
}
