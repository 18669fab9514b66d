import { LANGUAGES, useI18n, type Language } from '@/lib/i18n'

const NAMES: Record<Language, { short: string; full: string }> = {
  ru: { short: 'RU', full: 'Русский' },
  en: { short: 'EN', full: 'English' },
}

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n()
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
          onClick={() => setLang(code)}
        >
          {NAMES[code].short}
        </button>
      ))}
    </div>
  )
}
