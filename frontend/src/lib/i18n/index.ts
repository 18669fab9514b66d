export {
  chooseLanguage,
  createI18n,
  currentLanguage,
  formatDuration,
  isApiErrorCode,
  LANGUAGES,
  type I18n,
  type Language,
} from './i18n'
export type { ApiErrorCode, Messages } from './messages'
