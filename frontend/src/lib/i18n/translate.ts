import type { Dictionary, MessageKey } from './dictionary'
import { en } from './en'
import { ru } from './ru'

export const LANGUAGES = ['ru', 'en'] as const
export type Language = (typeof LANGUAGES)[number]
export const LANGUAGE_STORAGE_KEY = 'referral.lang'

type Vars = Record<string, string | number>
export type Translate = (key: MessageKey, vars?: Vars) => string

const dictionaries: Record<Language, Dictionary> = { en, ru }

/** The remembered choice, else the first browser language we speak, else English. */
export function detectLanguage(): Language {
  try {
    const saved = window.localStorage.getItem(LANGUAGE_STORAGE_KEY)
    if (saved === 'ru' || saved === 'en') return saved
  } catch {
    // No storage: fall through to the browser's preference.
  }
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language]
  for (const tag of preferred) {
    const base = tag?.toLowerCase().split('-')[0]
    if (base === 'ru' || base === 'en') return base
  }
  return 'en'
}

/** The message for `key`, with `{name}` placeholders filled; `count` also picks the plural form. */
export function translate(lang: Language, key: MessageKey, vars: Vars = {}): string {
  const dict = dictionaries[lang] as Record<string, string | undefined>
  let template = dict[key]
  if (template === undefined && typeof vars.count === 'number') {
    const form = new Intl.PluralRules(lang).select(vars.count)
    template = dict[`${key}_${form}`] ?? dict[`${key}_other`]
  }
  template ??= key
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in vars ? String(vars[name]) : match))
}

/** "45 s" (up to two minutes, so a countdown reads smoothly), "2 min 5 s", "10 min", "3 h 10 min". */
export function formatDuration(t: Translate, totalSeconds: number): string {
  const seconds = Math.max(0, Math.ceil(totalSeconds))
  if (seconds < 120) return t('time.seconds', { s: seconds })
  if (seconds < 3600) {
    const minutes = Math.floor(seconds / 60)
    return seconds % 60 ? t('time.minutes', { m: minutes, s: seconds % 60 }) : t('time.wholeMinutes', { m: minutes })
  }
  const hours = Math.floor(seconds / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  return minutes ? t('time.hours', { h: hours, m: minutes }) : t('time.wholeHours', { h: hours })
}
