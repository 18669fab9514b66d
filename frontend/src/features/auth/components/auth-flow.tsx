import { useState } from 'react'
import type { LoginResponse } from '@/lib/api/types'
import { CodeForm } from './code-form'
import { PhoneForm } from './phone-form'

type Step = { name: 'phone' } | { name: 'code'; login: LoginResponse }

type Props = {
  notice?: string | null
  pendingInvite?: string | null
}

/** Phone, then code. A successful verify stores the tokens, and the app shell moves on. */
export function AuthFlow({ notice, pendingInvite }: Props) {
  const [step, setStep] = useState<Step>({ name: 'phone' })
  const [typed, setTyped] = useState('')

  if (step.name === 'code') {
    return (
      <CodeForm
        key={step.login.phone}
        login={step.login}
        pendingInvite={pendingInvite}
        onBack={() => setStep({ name: 'phone' })}
        onResent={(login) => setStep({ name: 'code', login })}
      />
    )
  }
  return (
    <PhoneForm
      initialValue={typed}
      notice={notice}
      pendingInvite={pendingInvite}
      onSent={(login, value) => {
        setTyped(value)
        setStep({ name: 'code', login })
      }}
    />
  )
}
