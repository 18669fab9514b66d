import type { ReactNode } from 'react'

type Props = {
  tone?: 'info' | 'error' | 'success' | 'demo'
  title?: ReactNode
  children: ReactNode
  /** Errors interrupt, the rest wait their turn. Off for content that is there on arrival. */
  live?: boolean
  className?: string
}

export function Alert({ tone = 'info', title, children, live = true, className }: Props) {
  const role = live ? (tone === 'error' ? 'alert' : 'status') : undefined
  return (
    <div className={['alert', `alert--${tone}`, className].filter(Boolean).join(' ')} role={role}>
      {title && <p className="alert__title">{title}</p>}
      <div className="alert__body">{children}</div>
    </div>
  )
}
