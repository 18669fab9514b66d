import { Alert } from '@/components/ui/alert'
import { useI18n } from '@/lib/i18n'

/** Shown only when the server echoes the code (OTP_ECHO): there is no SMS to wait for. */
export function DemoBanner({ code }: { code: string }) {
  const { t } = useI18n()
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
