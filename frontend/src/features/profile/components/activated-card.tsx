import { useEffect, useRef } from 'react'
import { Card } from '@/components/ui/card'
import { useI18n } from '@/lib/i18n'

/** The code this user activated. Takes focus when it replaces the form the user was in. */
export function ActivatedCard({ code, takeFocus }: { code: string; takeFocus: boolean }) {
  const { t } = useI18n()
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    if (takeFocus) heading.current?.focus()
  }, [takeFocus])
  return (
    <Card aria-labelledby="activated-title">
      <h2 id="activated-title" ref={heading} tabIndex={-1}>
        {t('activate.doneTitle')}
      </h2>
      <p>
        {t('activate.doneText')}{' '}
        <span className="code-chip" data-testid="foreign-invite-code">
          {code}
        </span>
      </p>
    </Card>
  )
}
