import { AsYouType, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'

export const DEFAULT_COUNTRY: CountryCode = 'RU'

function digitsOf(value: string): string {
  return value.replace(/\D/g, '')
}

/**
 * Formats what the user typed, as they type. `previous` is the field's value before this edit:
 * when an edit removed only formatting (a bracket, a dash), the digit before it goes too, or the
 * formatter would put the character straight back and backspace would seem stuck.
 */
export function formatPhoneInput(next: string, previous = ''): string {
  const plus = next.trimStart().startsWith('+')
  let digits = digitsOf(next).slice(0, 15)
  if (next.length < previous.length && digits === digitsOf(previous) && digits.length > 0) {
    digits = digits.slice(0, -1)
  }
  if (!digits) return plus ? '+' : ''
  return new AsYouType(DEFAULT_COUNTRY).input((plus ? '+' : '') + digits)
}

export type PhoneCheck = { ok: true; e164: string } | { ok: false; reason: 'empty' | 'invalid' }

/** Client-side check before sending; the server has the last word (it also rejects landlines). */
export function checkPhone(value: string): PhoneCheck {
  if (!digitsOf(value)) return { ok: false, reason: 'empty' }
  const parsed = parsePhoneNumberFromString(value, DEFAULT_COUNTRY)
  if (!parsed || !parsed.isValid()) return { ok: false, reason: 'invalid' }
  return { ok: true, e164: parsed.number }
}

/** +79161234567 → +7 916 123 45 67; anything unparsable is shown as it came. */
export function displayPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164)
  return parsed ? parsed.formatInternational() : e164
}
