import { useTranslation } from 'react-i18next'
import { Alert } from '@/components/ui/alert'

/** Shown only when the server echoes the code (OTP_ECHO): there is no SMS to wait for. */
export function DemoBanner({ code }: { code: string }) {
  const { t } = useTranslation()
  const [before, after] = t('code.demoText', { code: '\u0000' }).split('\u0000')
  return (
    <Alert tone="demo" title={<span className="tag">{t('code.demoTag')}</span>} className="demo-banner">
      <span data-testid="demo-code-text">
        {before}
        <strong className="demo-banner__code">{code}</strong>
        {after}
      </span>
    </Alert>
  )
}
