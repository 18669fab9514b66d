import { useRef, useState, type FormEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { Button } from '@/components/ui/button'
import { CountdownText } from '@/components/ui/countdown-text'
import { ApiError } from '@/lib/api/errors'
import type { LoginResponse } from '@/lib/api/types'
import { errorMessage } from '@/lib/error-message'
import { formatDuration } from '@/lib/i18n'
import { displayPhone } from '@/lib/phone'
import { rateLimitMessage } from '@/lib/rate-limit'
import { useCountdown } from '@/lib/use-countdown'
import { useDocumentTitle } from '@/lib/use-document-title'
import { useRequestCode } from '../api/request-code'
import { useVerifyCode } from '../api/verify-code'
import { CodeInput } from './code-input'
import { DemoBanner } from './demo-banner'

type Props = {
  login: LoginResponse
  /** A share link's code: sent with the code, so a first sign-in counts for the link's owner. */
  pendingInvite?: string | null
  onBack: () => void
  onResent: (login: LoginResponse) => void
}

export function CodeForm({ login, pendingInvite = null, onBack, onResent }: Props) {
  const { t, i18n } = useTranslation()
  const [code, setCode] = useState('')
  const [clientError, setClientError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const inputRef = useRef<HTMLInputElement>(null)
  const verify = useVerifyCode()
  const resend = useRequestCode()
  const lock = useCountdown()
  const resendTimer = useCountdown(login.resend_in)
  useDocumentTitle(t('code.title'), t('app.name'))

  const locked = lock.left > 0
  // 4 digits, or 8 when someone entered a wrong code for this phone today (older servers don't say: 4).
  const codeLength = login.code_length ?? 4
  const [leadBefore, leadAfter] = t('code.lead', { phone: '\u0000', digits: codeLength }).split('\u0000')
  const leadId = 'code-lead'

  function submit(value: string) {
    if (verify.isPending || locked) return
    if (value.length < codeLength) {
      setClientError(t('code.errorIncomplete', { count: codeLength }))
      inputRef.current?.focus()
      return
    }
    setClientError(null)
    setNotice(null)
    verify.mutate(
      // The challenge makes the code's tries ours alone: nobody else's wrong guesses can use them up.
      { phone: login.phone, token: value, challenge: login.challenge, ...(pendingInvite && { invite_code: pendingInvite }) },
      {
        onError: (err) => {
          setCode('')
          if (err instanceof ApiError && err.status === 429) {
            lock.start(err.retryAfter ?? 60)
          } else {
            // Back to the boxes for the next try; the lock case leaves the field disabled.
            window.setTimeout(() => inputRef.current?.focus(), 0)
          }
        },
      },
    )
  }

  function resendCode() {
    if (resend.isPending || resendTimer.left > 0) return
    setNotice(null)
    resend.mutate(
      { phone: login.phone },
      {
        onSuccess: (next) => {
          resendTimer.start(next.resend_in)
          setCode('')
          setNotice(t('code.resent'))
          onResent(next)
          inputRef.current?.focus()
        },
        onError: (err) => {
          if (err instanceof ApiError && err.status === 429) resendTimer.start(err.retryAfter ?? 60)
        },
      },
    )
  }

  let error: ReactNode = clientError
  if (!error && verify.error) {
    if (verify.error instanceof ApiError && verify.error.status === 429) {
      error = locked ? <CountdownText text={rateLimitMessage(verify.error, i18n, lock.left, lock.endsAt)} /> : null
    } else {
      error = errorMessage(verify.error, i18n, 'token')
    }
  }
  // A refused resend says which limit it hit (the button counts down too); other failures say what went wrong.
  let resendError: ReactNode = null
  if (resend.error instanceof ApiError && resend.error.status === 429) {
    resendError =
      resendTimer.left > 0 ? (
        <CountdownText text={rateLimitMessage(resend.error, i18n, resendTimer.left, resendTimer.endsAt)} />
      ) : null
  } else if (resend.error) {
    resendError = errorMessage(resend.error, i18n)
  }

  return (
    <form
      className="stack"
      noValidate
      aria-busy={verify.isPending || undefined}
      onSubmit={(event: FormEvent) => {
        event.preventDefault()
        submit(code)
      }}
    >
      <header className="screen-header">
        <h1>{t('code.title')}</h1>
        <p className="muted" id={leadId}>
          {leadBefore}
          <strong className="nowrap">{displayPhone(login.phone)}</strong>
          {leadAfter}
        </p>
      </header>
      {login.code && (
        <DemoBanner
          code={login.code}
          onUse={(demoCode) => {
            setCode(demoCode)
            setClientError(null)
            if (verify.isError && !locked) verify.reset()
            submit(demoCode)
          }}
        />
      )}
      <CodeInput
        className="field--center"
        inputRef={inputRef}
        length={codeLength}
        autoFocus
        label={t('code.label')}
        value={code}
        error={error ?? undefined}
        describedBy={leadId}
        disabled={locked}
        readOnly={verify.isPending}
        onChange={(next) => {
          setCode(next)
          setClientError(null)
          if (verify.isError && !locked) verify.reset()
          if (next.length === codeLength && next !== code) submit(next)
        }}
      />
      <Button type="submit" loading={verify.isPending} loadingLabel={t('code.checking')} aria-disabled={locked || undefined}>
        {t('code.submit')}
      </Button>
      <div className="row row--spread">
        <Button variant="link" onClick={onBack}>
          {t('code.changeNumber')}
        </Button>
        <Button
          variant="link"
          onClick={resendCode}
          loading={resend.isPending}
          aria-disabled={resendTimer.left > 0 || undefined}
        >
          {resendTimer.left > 0 ? t('code.resendIn', { time: formatDuration(i18n, resendTimer.left) }) : t('code.resend')}
        </Button>
      </div>
      <p className="live" role="status" aria-live="polite">
        {notice ?? resendError}
      </p>
    </form>
  )
}
