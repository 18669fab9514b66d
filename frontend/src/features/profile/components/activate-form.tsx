import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Button } from '@/components/ui/button'
import { Card } from '@/components/ui/card'
import { TextField } from '@/components/ui/text-field'
import type { Profile } from '@/lib/api/types'
import { useActivation } from './use-activation'

export function ActivateForm({ onActivated }: { onActivated: (profile: Profile, code: string) => void }) {
  const { t } = useTranslation()
  const [value, setValue] = useState('')
  const [clientError, setClientError] = useState<string | null>(null)
  const activation = useActivation(onActivated)

  function submit(event: FormEvent) {
    event.preventDefault()
    const code = value.trim()
    if (!code) {
      setClientError(t('activate.errorEmpty'))
      return
    }
    setClientError(null)
    activation.activate(code)
  }

  return (
    // A one-time side task, so a quiet card with an outline button: sharing is what this screen is for.
    <Card aria-labelledby="activate-title" className="card--quiet">
      <header className="card__header">
        <h2 id="activate-title">{t('activate.title')}</h2>
        <p className="muted">{t('activate.lead')}</p>
      </header>
      <form className="inline-form" onSubmit={submit} noValidate aria-busy={activation.pending || undefined}>
        <TextField
          label={t('activate.label')}
          name="invite-code"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={32}
          value={value}
          error={clientError ?? activation.error}
          inputClassName="field__input--code"
          onChange={(event) => {
            setValue(event.target.value.toUpperCase())
            setClientError(null)
            if (!activation.blocked) activation.reset()
          }}
        />
        <Button
          type="submit"
          variant="secondary"
          loading={activation.pending}
          loadingLabel={t('activate.submitting')}
          aria-disabled={activation.blocked || undefined}
        >
          {t('activate.submit')}
        </Button>
      </form>
    </Card>
  )
}
