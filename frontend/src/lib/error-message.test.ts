import { describe, expect, test } from 'vitest'
import { ApiError, NetworkError } from '@/lib/api/errors'
import { createI18n } from '@/lib/i18n'
import { errorMessage } from './error-message'

const en = createI18n({ language: 'en' })
const ru = createI18n({ language: 'ru' })

describe('errorMessage', () => {
  test("a field's code picks our sentence, in the app's language, whatever the API wrote", () => {
    const error = new ApiError(
      400,
      { phone: ['(any wording)'], code: 'phone_not_mobile', codes: { phone: ['phone_not_mobile'] } },
      null,
    )
    expect(errorMessage(error, en, 'phone')).toBe("This number can't receive SMS. Enter a mobile phone number.")
    expect(errorMessage(error, ru, 'phone')).toBe('На этот номер нельзя отправить SMS. Введите номер мобильного телефона.')
  })

  test("asked about a field, the field's code wins over the body's", () => {
    const error = new ApiError(
      400,
      {
        challenge: ['Ensure this field has no more than 64 characters.'],
        token: ['Enter the code.'],
        code: 'max_length',
        codes: { challenge: ['max_length'], token: ['code_format'] },
      },
      null,
    )
    expect(errorMessage(error, en, 'token')).toBe('Enter the code from the SMS: 4 digits, or 8 if the SMS has 8.')
    expect(errorMessage(error, en)).toBe('This is too long.')
  })

  test("a request's code picks our sentence", () => {
    const error = new ApiError(400, { detail: 'Invalid or expired code.', code: 'code_invalid' }, null)
    expect(errorMessage(error, ru, 'token')).toBe('Неверный или просроченный код.')
  })

  test("a code we have no sentence for (a newer API): the API's message, which it wrote in our language", () => {
    const detail = new ApiError(400, { detail: 'Код устарел.', code: 'code_expired_v2' }, null)
    expect(errorMessage(detail, ru)).toBe('Код устарел.')
    const field = new ApiError(400, { phone: ['Номер в чёрном списке.'], code: 'x', codes: { phone: ['x'] } }, null)
    expect(errorMessage(field, ru, 'phone')).toBe('Номер в чёрном списке.')
    expect(errorMessage(field, ru)).toBe('Номер в чёрном списке.')
  })

  test('no code at all (an older API): its message as it is', () => {
    expect(errorMessage(new ApiError(400, { phone: ['Enter a mobile phone number.'] }, null), en, 'phone')).toBe(
      'Enter a mobile phone number.',
    )
    expect(errorMessage(new ApiError(409, { detail: 'Already.' }, null), en)).toBe('Already.')
  })

  test('a 429 says which limit and when it lifts', () => {
    const error = new ApiError(429, { detail: 'Slow down.', code: 'resend_cooldown', retry_after: 30 }, '30')
    expect(errorMessage(error, en)).toBe('A code was just sent to this number. You can ask for a new one in 30 s.')
  })

  test('our own words for no connection, an answer without a message, or anything else', () => {
    expect(errorMessage(new NetworkError(new TypeError('fetch failed')), en)).toBe(
      "Can't reach the server. Check your connection and try again.",
    )
    expect(errorMessage(new ApiError(502, '<h1>Bad Gateway</h1>', null), en)).toBe('Something went wrong. Please try again.')
    expect(errorMessage(new Error('boom'), ru)).toBe('Что-то пошло не так. Попробуйте ещё раз.')
  })
})
