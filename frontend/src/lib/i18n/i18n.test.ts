import { afterEach, describe, expect, test, vi } from 'vitest'
import { en } from './en'
import { detectLanguage, formatDuration, translate } from './translate'
import { ru } from './ru'

describe('i18n', () => {
  afterEach(() => vi.unstubAllGlobals())

  test('Russian has every English message', () => {
    const missing = Object.keys(en).filter((key) => !(key in ru))
    expect(missing).toEqual([])
  })

  test('picks Russian plural forms', () => {
    expect(translate('ru', 'referrals.count', { count: 1 })).toBe('1 человек активировал ваш код')
    expect(translate('ru', 'referrals.count', { count: 3 })).toBe('3 человека активировали ваш код')
    expect(translate('ru', 'referrals.count', { count: 11 })).toBe('11 человек активировали ваш код')
    expect(translate('en', 'referrals.count', { count: 1 })).toBe('1 person activated your code')
  })

  test('formats waiting times', () => {
    const t = (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate('en', key, vars)
    expect(formatDuration(t, 9)).toBe('9 s')
    expect(formatDuration(t, 60)).toBe('60 s')
    expect(formatDuration(t, 150)).toBe('2 min 30 s')
    expect(formatDuration(t, 600)).toBe('10 min')
    expect(formatDuration(t, 7260)).toBe('2 h 1 min')
    expect(formatDuration(t, 7200)).toBe('2 h')
  })

  test('follows the browser unless a choice was saved', () => {
    vi.stubGlobal('navigator', { ...navigator, languages: ['ru-RU', 'en'], language: 'ru-RU' })
    expect(detectLanguage()).toBe('ru')
    window.localStorage.setItem('referral.lang', 'en')
    expect(detectLanguage()).toBe('en')
  })

  test('falls back to English for other languages', () => {
    vi.stubGlobal('navigator', { ...navigator, languages: ['de-DE'], language: 'de-DE' })
    expect(detectLanguage()).toBe('en')
  })
})
