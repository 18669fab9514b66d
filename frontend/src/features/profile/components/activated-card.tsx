import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { Card } from '@/components/ui/card'

/** The code this user activated. Takes focus when it replaces the form the user was in. */
export function ActivatedCard({ code, takeFocus }: { code: string; takeFocus: boolean }) {
  const { t } = useTranslation()
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
