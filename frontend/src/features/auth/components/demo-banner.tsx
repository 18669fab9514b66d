import { useTranslation } from 'react-i18next'

type Props = {
  code: string
  /** Puts the code in the boxes, as if typed. */
  onUse: (code: string) => void
}

/** Shown only when the server echoes the code (OTP_ECHO): there is no SMS to wait for, so the code is one tap away. */
export function DemoBanner({ code, onUse }: Props) {
  const { t } = useTranslation()
  return (
    <div className="demo">
      <p className="demo__text">
        <span className="tag">{t('code.demoTag')}</span> {t('code.demoText')}
      </p>
      <button type="button" className="demo__code" onClick={() => onUse(code)}>
        <span className="demo__digits" data-testid="demo-code-text">
          {code}
        </span>{' '}
        <span className="demo__hint">{t('code.demoFill')}</span>
      </button>
    </div>
  )
}
