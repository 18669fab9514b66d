import { useTranslation } from 'react-i18next'
import { chooseLanguage, currentLanguage, LANGUAGES, type Language } from '@/lib/i18n'

// Each language by its own name, in its own language: the label on the button is its accessible name, so what
// a sighted user reads is what a screen reader says and a voice command can use.
const NAMES: Record<Language, string> = {
  ru: 'Русский',
  en: 'English',
}

export function LanguageSwitch() {
  const { t, i18n } = useTranslation()
  const lang = currentLanguage(i18n)
  return (
    <div className="lang-switch" role="group" aria-label={t('lang.label')}>
      {LANGUAGES.map((code) => (
        <button
          key={code}
          type="button"
          lang={code}
          className="lang-switch__option"
          aria-pressed={lang === code}
          onClick={() => chooseLanguage(i18n, code)}
        >
          {NAMES[code]}
        </button>
      ))}
    </div>
  )
}
