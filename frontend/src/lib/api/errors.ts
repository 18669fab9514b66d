/**
 * An answer from the API with a non-2xx status. Its body: `{"detail": "...", "code": "..."}`, or for
 * field errors `{"<field>": ["...", ...], "code": "<the first field's code>", "codes": {"<field>": ["...", ...]}}`;
 * the messages are in the request's Accept-Language. Key on the codes, never on the wording.
 */
export class ApiError extends Error {
  readonly status: number
  /** `{"detail": "..."}`: the message, in the user's language. */
  readonly detail: string | undefined
  /** `{"field": ["message", ...]}` */
  readonly fieldErrors: Record<string, string[]>
  /** `{"codes": {"field": ["code", ...]}}`: the machine codes of the field errors, in the same order. */
  readonly fieldCodes: Record<string, string[]>
  /** The body's machine `code`: what went wrong (`code_invalid`, which limit a 429 hit, ...). */
  readonly code: string | undefined
  /** Seconds until a 429 lifts: the body's `retry_after`, else the Retry-After header. */
  readonly retryAfter: number | undefined
  /** The parsed body as sent. */
  readonly body: unknown

  constructor(status: number, body: unknown, retryAfterHeader: string | null) {
    const { detail, code, fieldErrors, fieldCodes, retryAfter } = parseErrorBody(body)
    super(detail ?? `Request failed with status ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.body = body
    this.detail = detail
    this.code = code
    this.fieldErrors = fieldErrors
    this.fieldCodes = fieldCodes
    const header = retryAfterHeader === null ? NaN : Number(retryAfterHeader)
    this.retryAfter = retryAfter ?? (Number.isFinite(header) ? Math.max(0, Math.ceil(header)) : undefined)
  }

  /** The first message for one field (DRF sends a list; one sentence is what fits under a field). */
  fieldMessage(field: string): string | undefined {
    return this.fieldErrors[field]?.[0]
  }

  /** The code of that first message. */
  fieldCode(field: string): string | undefined {
    return this.fieldCodes[field]?.[0]
  }
}

/** The request never got an answer (offline, server down, CORS). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('Network request failed', { cause })
    this.name = 'NetworkError'
  }
}

// Keys of an error body that are not fields.
const NOT_FIELDS = new Set(['detail', 'code', 'codes', 'retry_after', 'altcha'])

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseErrorBody(body: unknown): {
  detail: string | undefined
  code: string | undefined
  fieldErrors: Record<string, string[]>
  fieldCodes: Record<string, string[]>
  retryAfter: number | undefined
} {
  const fieldErrors: Record<string, string[]> = {}
  const fieldCodes: Record<string, string[]> = {}
  if (!isRecord(body)) return { detail: undefined, code: undefined, fieldErrors, fieldCodes, retryAfter: undefined }
  for (const [key, value] of Object.entries(body)) {
    if (!NOT_FIELDS.has(key) && strings(value).length) fieldErrors[key] = strings(value)
  }
  if (isRecord(body.codes)) {
    for (const [key, value] of Object.entries(body.codes)) fieldCodes[key] = strings(value)
  }
  return {
    detail: typeof body.detail === 'string' ? body.detail : undefined,
    code: typeof body.code === 'string' ? body.code : undefined,
    fieldErrors,
    fieldCodes,
    retryAfter: typeof body.retry_after === 'number' ? Math.max(0, Math.ceil(body.retry_after)) : undefined,
  }
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status)
}
