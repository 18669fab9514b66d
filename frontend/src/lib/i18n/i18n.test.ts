import { afterEach, describe, expect, test, vi } from 'vitest'
import { chooseLanguage, createI18n, formatDuration } from './i18n'
import { en } from './en'
import { ru } from './ru'

/** Every key of a message tree, `group.key`. */
function keys(messages: object, prefix = ''): string[] {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  )
}

describe('i18n', () => {
  afterEach(() => vi.unstubAllGlobals())

  test('Russian has every English message', () => {
    const russian = new Set(keys(ru))
    expect(keys(en).filter((key) => !russian.has(key))).toEqual([])
  })

  test('picks Russian plural forms', () => {
    const { t } = createI18n({ language: 'ru' })
    expect(t('referrals.count', { count: 1 })).toBe('1 человек активировал ваш код')
    expect(t('referrals.count', { count: 3 })).toBe('3 человека активировали ваш код')
    expect(t('referrals.count', { count: 11 })).toBe('11 человек активировали ваш код')
    expect(t('referrals.count', { count: 21 })).toBe('21 человек активировал ваш код')
    expect(t('code.errorIncomplete', { count: 8 })).toBe('Введите все 8 цифр.')
    expect(createI18n({ language: 'en' }).t('referrals.count', { count: 1 })).toBe('1 person activated your code')
  })

  test('formats waiting times', () => {
    const i18n = createI18n({ language: 'en' })
    expect(formatDuration(i18n, 9)).toBe('9 s')
    expect(formatDuration(i18n, 60)).toBe('60 s')
    expect(formatDuration(i18n, 150)).toBe('2 min 30 s')
    expect(formatDuration(i18n, 600)).toBe('10 min')
    expect(formatDuration(i18n, 7260)).toBe('2 h 1 min')
    expect(formatDuration(i18n, 7200)).toBe('2 h')
  })

  test('follows the browser unless a choice was saved', () => {
    vi.stubGlobal('navigator', { ...navigator, languages: ['ru-RU', 'en'], language: 'ru-RU' })
    expect(createI18n().language).toBe('ru')
    window.localStorage.setItem('referral.lang', 'en')
    expect(createI18n().language).toBe('en')
  })

  test('falls back to English for other languages', () => {
    vi.stubGlobal('navigator', { ...navigator, languages: ['de-DE'], language: 'de-DE' })
    expect(createI18n().language).toBe('en')
  })

  test('remembers only a language chosen with the switch', () => {
    vi.stubGlobal('navigator', { ...navigator, languages: ['ru-RU'], language: 'ru-RU' })
    const i18n = createI18n()
    expect(window.localStorage.getItem('referral.lang')).toBeNull()

    chooseLanguage(i18n, 'en')
    expect(i18n.language).toBe('en')
    expect(window.localStorage.getItem('referral.lang')).toBe('en')
  })

  test('the page and the API follow the language', () => {
    const i18n = createI18n({ language: 'ru' })
    expect(document.documentElement.lang).toBe('ru')
    chooseLanguage(i18n, 'en')
    expect(document.documentElement.lang).toBe('en')
  })
})
