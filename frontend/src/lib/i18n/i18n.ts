import i18next, { type i18n as I18n } from 'i18next'
import LanguageDetector from 'i18next-browser-languagedetector'
import { setApiLanguage } from '@/lib/api/client'
import { en } from './en'
import type { ApiErrorCode } from './messages'
import { ru } from './ru'

export type { I18n }

export const LANGUAGES = ['ru', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

// Where the language switch remembers a choice; i18next's detector reads it first.
const LANGUAGE_STORAGE_KEY = 'referral.lang'

/**
 * The app's i18next instance. Without `language`: the choice saved with the language switch, else the first
 * browser language we speak, else English. The page's `lang` and the API's Accept-Language follow it.
 */
export function createI18n({ language }: { language?: Language } = {}): I18n {
  const instance = i18next.createInstance()
  instance.on('languageChanged', (lng) => {
    document.documentElement.lang = lng
    // The API answers in it: its `detail` is what we show for a code we have no sentence for.
    setApiLanguage(lng)
  })
  void instance.use(LanguageDetector).init({
    resources: { en: { translation: en }, ru: { translation: ru } },
    lng: language,
    supportedLngs: LANGUAGES,
    fallbackLng: 'en',
    // Resources are here already: ready before the first render, no Suspense.
    initAsync: false,
    react: { useSuspense: false },
    // React escapes what it renders.
    interpolation: { escapeValue: false },
    detection: {
      order: ['localStorage', 'navigator'],
      lookupLocalStorage: LANGUAGE_STORAGE_KEY,
      // Only a choice made with the switch is saved (chooseLanguage): until then the browser's language is followed.
      caches: [],
      // "ru-RU" is Russian: the first browser language we speak wins, even over a later exact "en".
      convertDetectedLanguage: (lng) => lng.split('-')[0].toLowerCase(),
    },
  })
  return instance
}

/** The language the instance speaks, one of ours. */
export function currentLanguage(i18n: I18n): Language {
  return i18n.resolvedLanguage === 'ru' ? 'ru' : 'en'
}

/** Switches the language and remembers the choice for the next visit. */
export function chooseLanguage(i18n: I18n, language: Language): void {
  try {
    window.localStorage.setItem(LANGUAGE_STORAGE_KEY, language)
  } catch {
    // The choice lasts for this visit only.
  }
  void i18n.changeLanguage(language)
}

/** Whether we have our own sentence for an error code the API sent. */
export function isApiErrorCode(code: string | undefined): code is ApiErrorCode {
  return code !== undefined && Object.hasOwn(en.apiError, code)
}

/** "45 s" (up to two minutes, so a countdown reads smoothly), "2 min 5 s", "10 min", "3 h 10 min". */
export function formatDuration(i18n: I18n, totalSeconds: number): string {
  const seconds = Math.max(0, Math.ceil(totalSeconds))
  if (seconds < 120) return i18n.t('time.seconds', { s: seconds })
  if (seconds < 3600) {
    const minutes = Math.floor(seconds / 60)
    return seconds % 60
      ? i18n.t('time.minutes', { m: minutes, s: seconds % 60 })
      : i18n.t('time.wholeMinutes', { m: minutes })
  }
  const hours = Math.floor(seconds / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  return minutes ? i18n.t('time.hours', { h: hours, m: minutes }) : i18n.t('time.wholeHours', { h: hours })
}
