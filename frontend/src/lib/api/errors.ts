/** An answer from the API with a non-2xx status, in DRF's error shapes. */
export class ApiError extends Error {
  readonly status: number
  /** `{"detail": "..."}` */
  readonly detail: string | undefined
  /** `{"field": ["message", ...]}` */
  readonly fieldErrors: Record<string, string[]>
  /** The body's machine `code`: which limit a 429 hit (`resend_cooldown`, ...); key on it, not on `detail`. */
  readonly code: string | undefined
  /** Seconds until a 429 lifts: the body's `retry_after`, else the Retry-After header. */
  readonly retryAfter: number | undefined
  /** The parsed body as sent, for answers that carry more than a message (a 428's `altcha` challenge). */
  readonly body: unknown

  constructor(status: number, body: unknown, retryAfterHeader: string | null) {
    const { detail, code, fieldErrors, retryAfter } = parseErrorBody(body)
    super(detail ?? `Request failed with status ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.body = body
    this.detail = detail
    this.code = code
    this.fieldErrors = fieldErrors
    const header = retryAfterHeader === null ? NaN : Number(retryAfterHeader)
    this.retryAfter = retryAfter ?? (Number.isFinite(header) ? Math.max(0, Math.ceil(header)) : undefined)
  }

  /** The first message for one field (DRF sends a list; one sentence is what fits under a field). */
  fieldMessage(field: string): string | undefined {
    return this.fieldErrors[field]?.[0]
  }
}

/** The request never got an answer (offline, server down, CORS). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('Network request failed', { cause })
    this.name = 'NetworkError'
  }
}

function parseErrorBody(body: unknown): {
  detail: string | undefined
  code: string | undefined
  fieldErrors: Record<string, string[]>
  retryAfter: number | undefined
} {
  const fieldErrors: Record<string, string[]> = {}
  let detail: string | undefined
  let code: string | undefined
  let retryAfter: number | undefined
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (key === 'detail' && typeof value === 'string') detail = value
      else if (key === 'code' && typeof value === 'string') code = value
      else if (key === 'retry_after' && typeof value === 'number') retryAfter = Math.max(0, Math.ceil(value))
      else if (Array.isArray(value)) fieldErrors[key] = value.filter((v): v is string => typeof v === 'string')
      else if (typeof value === 'string') fieldErrors[key] = [value]
    }
  }
  return { detail, code, fieldErrors, retryAfter }
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status)
}
