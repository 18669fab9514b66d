export { useI18n, type I18nValue } from './context'
export { I18nProvider } from './i18n-provider'
export { detectLanguage, formatDuration, LANGUAGES, translate, type Language, type Translate } from './translate'
export type { MessageKey } from './dictionary'
