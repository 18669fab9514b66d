import { describe, expect, test } from 'vitest'
import { checkPhone, displayPhone, formatPhoneInput } from './phone'

describe('phone helpers', () => {
  test.each(['+7 916 123-45-67', '8 (916) 123-45-67', '89161234567', '9161234567'])(
    'reads %s as +79161234567',
    (spelling) => {
      expect(checkPhone(spelling)).toEqual({ ok: true, e164: '+79161234567' })
    },
  )

  test('takes other countries when they start with +', () => {
    expect(checkPhone('+44 7911 123456')).toEqual({ ok: true, e164: '+447911123456' })
  })

  test('tells empty from invalid', () => {
    expect(checkPhone('  ')).toEqual({ ok: false, reason: 'empty' })
    expect(checkPhone('12345')).toEqual({ ok: false, reason: 'invalid' })
  })

  test('formats while typing and keeps a leading +', () => {
    expect(formatPhoneInput('+79161234567')).toBe('+7 916 123 45 67')
    expect(formatPhoneInput('+')).toBe('+')
    expect(formatPhoneInput('')).toBe('')
  })

  test('shows stored numbers in international form', () => {
    expect(displayPhone('+79161234567')).toBe('+7 916 123 45 67')
  })
})
