import { useState, type FormEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { Alert } from '@/components/ui/alert'
import { Button } from '@/components/ui/button'
import { CountdownText } from '@/components/ui/countdown-text'
import { TextField } from '@/components/ui/text-field'
import { ApiError } from '@/lib/api/errors'
import type { LoginResponse } from '@/lib/api/types'
import { errorMessage } from '@/lib/error-message'
import { checkPhone, formatPhoneInput } from '@/lib/phone'
import { ProofOfWorkError } from '@/lib/proof-of-work'
import { rateLimitMessage } from '@/lib/rate-limit'
import { useCountdown } from '@/lib/use-countdown'
import { useDocumentTitle } from '@/lib/use-document-title'
import { useRequestCode } from '../api/request-code'

type Props = {
  initialValue?: string
  /** A message carried over from elsewhere, e.g. "your session has ended". */
  notice?: string | null
  pendingInvite?: string | null
  onSent: (login: LoginResponse, typed: string) => void
}

export function PhoneForm({ initialValue = '', notice, pendingInvite, onSent }: Props) {
  const { t, i18n } = useTranslation()
  const [value, setValue] = useState(initialValue)
  const [clientError, setClientError] = useState<string | null>(null)
  const request = useRequestCode()
  const cooldown = useCountdown()
  useDocumentTitle(t('phone.title'), t('app.name'))

  const apiError = request.error
  const throttled = apiError instanceof ApiError && apiError.status === 429
  let error: ReactNode = clientError
  if (!error && apiError) {
    if (throttled) {
      error =
        cooldown.left > 0 ? <CountdownText text={rateLimitMessage(apiError, i18n, cooldown.left, cooldown.endsAt)} /> : null
    } else if (apiError instanceof ProofOfWorkError) {
      error = t('phone.checkFailed')
    } else {
      // A second 428 (proof_of_work_required) included: its sentence is phone.checkFailed's.
      error = errorMessage(apiError, i18n, 'phone')
    }
  }
  const blocked = throttled && cooldown.left > 0

  function submit(event: FormEvent) {
    event.preventDefault()
    if (request.isPending || blocked) return
    const check = checkPhone(value)
    if (!check.ok) {
      setClientError(check.reason === 'empty' ? t('phone.errorEmpty') : t('phone.errorInvalid'))
      return
    }
    setClientError(null)
    request.mutate(
      { phone: check.e164 },
      {
        onSuccess: (login) => onSent(login, value),
        onError: (err) => {
          if (err instanceof ApiError && err.status === 429) cooldown.start(err.retryAfter ?? 60)
        },
      },
    )
  }

  return (
    <form className="stack" onSubmit={submit} noValidate aria-busy={request.isPending || undefined}>
      <header className="screen-header">
        <h1>{t('phone.title')}</h1>
        <p className="muted">{t('phone.lead')}</p>
      </header>
      {notice && <Alert tone="info">{notice}</Alert>}
      {pendingInvite && (
        <Alert tone="success" live={false}>
          {t('phone.inviteNote', { code: pendingInvite })}
        </Alert>
      )}
      <TextField
        label={t('phone.label')}
        hint={t('phone.hint')}
        error={error}
        type="tel"
        name="phone"
        inputMode="tel"
        autoComplete="tel"
        placeholder="+7 900 000-00-00"
        autoFocus
        value={value}
        inputClassName="field__input--large"
        onChange={(event) => {
          setValue(formatPhoneInput(event.target.value, value))
          setClientError(null)
          if (request.isError) request.reset()
        }}
      />
      <Button type="submit" loading={request.isPending} loadingLabel={request.solving ? t('phone.checking') : t('phone.sending')} aria-disabled={blocked || undefined}>
        {t('phone.submit')}
      </Button>
    </form>
  )
}
