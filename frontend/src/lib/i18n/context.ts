import { createContext, useContext } from 'react'
import type { Language, Translate } from './translate'

export type I18nValue = {
  lang: Language
  setLang: (lang: Language) => void
  t: Translate
  /** An API message in the current language, when we know it; else as the API wrote it. */
  tApi: (message: string) => string
}

export const I18nContext = createContext<I18nValue | null>(null)

export function useI18n(): I18nValue {
  const value = useContext(I18nContext)
  if (!value) throw new Error('useI18n must be used inside <I18nProvider>')
  return value
}
