import type { Language } from './translate'

// The API answers in English. Its messages that a person meets in this app, in Russian; any other
// message is shown as the API wrote it.
const ru: Record<string, string> = {
  'Enter a valid mobile phone number, e.g. +7 916 123-45-67.': 'Введите номер мобильного телефона, например +7 916 123-45-67.',
  "This number can't receive SMS. Enter a mobile phone number.": 'На этот номер нельзя отправить SMS. Введите номер мобильного телефона.',
  "SMS sign-in isn't available for this country.": 'Вход по SMS для номеров этой страны недоступен.',
  'The code could not be sent by SMS right now. Try again shortly.': 'Сейчас не удалось отправить код по SMS. Попробуйте чуть позже.',
  'Too many sign-in codes are being sent right now. Try again later.': 'Сейчас отправляется слишком много кодов для входа. Попробуйте позже.',
  'Enter the code from the SMS: 4 digits, or 8 if the SMS has 8.': 'Введите код из SMS: 4 цифры или 8, если в SMS их 8.',
  'A newer code was sent to this phone. Ask for a new code.': 'На этот номер отправлен более новый код. Запросите новый код.',
  'Invalid or expired code.': 'Неверный или просроченный код.',
  'A code was sent recently. Wait before asking for a new one.': 'Код уже отправлен. Подождите, прежде чем запрашивать новый.',
  'Too many codes were sent to this phone today. Try again later.': 'На этот номер сегодня отправлено слишком много кодов. Попробуйте позже.',
  'Too many wrong codes for this phone. Try again later.': 'Слишком много неверных кодов для этого номера. Попробуйте позже.',
  'Too many attempts. Try again later.': 'Слишком много попыток. Попробуйте позже.',
  'Invite code not found.': 'Такой инвайт-код не найден.',
  "You can't activate your own invite code.": 'Нельзя активировать собственный инвайт-код.',
  'This code belongs to someone who joined through your invitation.': 'Этот код принадлежит тому, кто пришёл по вашему приглашению.',
  'You have already activated an invite code.': 'Вы уже активировали инвайт-код.',
  'Too many failed invite code attempts. Try again later.': 'Слишком много неудачных попыток ввести инвайт-код. Попробуйте позже.',
  'This field is required.': 'Обязательное поле.',
}

const byLanguage: Record<Language, Record<string, string>> = { en: {}, ru }

export function translateApiMessage(lang: Language, message: string): string {
  return byLanguage[lang][message] ?? message
}
