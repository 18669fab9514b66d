import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import { setApiLanguage } from '@/lib/api/client'
import type { Dictionary, MessageKey } from './dictionary'
import { en } from './en'
import { ru } from './ru'

export const LANGUAGES = ['ru', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

const dictionaries: Record<Language, Dictionary> = { en, ru }
const STORAGE_KEY = 'referral.lang'

type Vars = Record<string, string | number>
export type Translate = (key: MessageKey, vars?: Vars) => string

type I18nValue = { lang: Language; setLang: (lang: Language) => void; t: Translate }

const I18nContext = createContext<I18nValue | null>(null)

/** The remembered choice, else the first browser language we speak, else English. */
export function detectLanguage(): Language {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY)
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

export function I18nProvider({ children, initialLanguage }: { children: ReactNode; initialLanguage?: Language }) {
  const [lang, setLangState] = useState<Language>(() => initialLanguage ?? detectLanguage())

  // Set during render, not in an effect: children's first requests go out before our effects run.
  setApiLanguage(lang)
  useEffect(() => {
    document.documentElement.lang = lang
  }, [lang])

  const setLang = useCallback((next: Language) => {
    setLangState(next)
    try {
      window.localStorage.setItem(STORAGE_KEY, next)
    } catch {
      // The choice lasts for this visit only.
    }
  }, [])

  const t = useCallback<Translate>((key, vars) => translate(lang, key, vars), [lang])
  const value = useMemo(() => ({ lang, setLang, t }), [lang, setLang, t])
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
}

export function useI18n(): I18nValue {
  const value = useContext(I18nContext)
  if (!value) throw new Error('useI18n must be used inside <I18nProvider>')
  return value
}

/** "45 s", "2 min 5 s", "3 h 10 min" in the current language. */
export function formatDuration(t: Translate, totalSeconds: number): string {
  const seconds = Math.max(0, Math.ceil(totalSeconds))
  if (seconds < 60) return t('time.seconds', { s: seconds })
  if (seconds < 3600) return t('time.minutes', { m: Math.floor(seconds / 60), s: seconds % 60 })
  return t('time.hours', { h: Math.floor(seconds / 3600), m: Math.floor((seconds % 3600) / 60) })
}
