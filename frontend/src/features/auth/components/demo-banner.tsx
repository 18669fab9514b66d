import { Alert } from '@/components/ui/alert'
import { useI18n } from '@/lib/i18n'

/** Shown only when the server echoes the code (OTP_ECHO): there is no SMS to wait for. */
export function DemoBanner({ code }: { code: string }) {
  const { t } = useI18n()
  return (
    <Alert tone="demo" title={<span className="tag">{t('code.demoTag')}</span>} className="demo-banner">
      <span data-testid="demo-code-text">{t('code.demoText', { code })}</span>
    </Alert>
  )
}
