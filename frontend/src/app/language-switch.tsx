import { useTranslation } from 'react-i18next'
import { chooseLanguage, currentLanguage, LANGUAGES, type Language } from '@/lib/i18n'

const NAMES: Record<Language, { short: string; full: string }> = {
  ru: { short: 'RU', full: 'Русский' },
  en: { short: 'EN', full: 'English' },
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
          // The name starts with what is on the button ("RU"), so a voice command that reads it works too.
          aria-label={`${NAMES[code].short} — ${NAMES[code].full}`}
          onClick={() => chooseLanguage(i18n, code)}
        >
          {NAMES[code].short}
        </button>
      ))}
    </div>
  )
}
