import { useId, type ReactNode, type Ref } from 'react'

type Props = {
  value: string
  onChange: (value: string) => void
  label: string
  error?: ReactNode
  describedBy?: string
  disabled?: boolean
  readOnly?: boolean
  inputRef?: Ref<HTMLInputElement>
  length?: number
  autoFocus?: boolean
  className?: string
}

/**
 * One real input drawn as digit boxes. A single field keeps paste, SMS autofill
 * (`autocomplete="one-time-code"`) and screen readers simple; the boxes are decoration.
 */
export function CodeInput({ value, onChange, label, error, describedBy, disabled, readOnly, inputRef, length = 4, autoFocus, className }: Props) {
  const id = useId()
  const errorId = `${id}-error`
  const active = Math.min(value.length, length - 1)
  return (
    <div className={['field', className].filter(Boolean).join(' ')}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <div className={['otp', length > 6 ? 'otp--long' : '', disabled ? 'otp--disabled' : '', error ? 'otp--invalid' : ''].join(' ')}>
        <input
          ref={inputRef}
          id={id}
          className="otp__input"
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]*"
          value={value}
          autoFocus={autoFocus}
          disabled={disabled}
          readOnly={readOnly}
          aria-invalid={error ? true : undefined}
          aria-describedby={[describedBy, errorId].filter(Boolean).join(' ')}
          onChange={(event) => onChange(event.target.value.replace(/\D/g, '').slice(0, length))}
          onFocus={(event) => {
            // Typing always continues at the end, like in separate boxes.
            const end = event.target.value.length
            event.target.setSelectionRange(end, end)
          }}
        />
        <div className="otp__boxes" aria-hidden="true">
          {Array.from({ length }, (_, i) => (
            <span key={i} className={['otp__box', i === active ? 'otp__box--active' : '', value[i] ? 'otp__box--filled' : ''].join(' ')}>
              {value[i] ?? ''}
            </span>
          ))}
        </div>
      </div>
      <p className="field__error" id={errorId} aria-live="polite">
        {error}
      </p>
    </div>
  )
}
