import type { ReactNode } from 'react'

/** Always in the DOM, so screen readers announce whatever appears in it. */
export function LiveRegion({ children, className }: { children?: ReactNode; className?: string }) {
  return (
    <p className={['live', className].filter(Boolean).join(' ')} aria-live="polite" role="status">
      {children}
    </p>
  )
}
