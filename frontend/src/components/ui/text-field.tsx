import { useId, type InputHTMLAttributes, type ReactNode, type Ref } from 'react'

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> & {
  label: ReactNode
  hint?: ReactNode
  error?: ReactNode
  inputRef?: Ref<HTMLInputElement>
  inputClassName?: string
}

/** A labelled input whose hint and error are tied to it and whose error is announced. */
export function TextField({ label, hint, error, inputRef, className, inputClassName, ...inputProps }: Props) {
  const id = useId()
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined
  return (
    <div className={['field', className].filter(Boolean).join(' ')}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <input
        {...inputProps}
        ref={inputRef}
        id={id}
        className={['field__input', inputClassName].filter(Boolean).join(' ')}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {hint && (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      )}
      <p className="field__error" id={errorId} aria-live="polite">
        {error}
      </p>
    </div>
  )
}
