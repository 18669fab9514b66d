import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react'
import { setApiLanguage } from '@/lib/api/client'
import { translateApiMessage } from './api-messages'
import { I18nContext } from './context'
import { detectLanguage, LANGUAGE_STORAGE_KEY, translate, type Language, type Translate } from './translate'

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
      window.localStorage.setItem(LANGUAGE_STORAGE_KEY, next)
    } catch {
      // The choice lasts for this visit only.
    }
  }, [])

  const t = useCallback<Translate>((key, vars) => translate(lang, key, vars), [lang])
  const tApi = useCallback((message: string) => translateApiMessage(lang, message), [lang])
  const value = useMemo(() => ({ lang, setLang, t, tApi }), [lang, setLang, t, tApi])
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
}
