import { create } from 'qrcode'
import { useMemo } from 'react'

// The quiet zone the QR spec asks for around the symbol, in modules: scanners need it to find the code.
const QUIET = 4

type Props = {
  value: string
  /** What the picture is, for screen readers (it has no text of its own). */
  label: string
  className?: string
}

/**
 * A QR code of `value` drawn as one SVG path: no canvas and no inline markup, so it scales crisply, prints,
 * and passes a strict Content-Security-Policy. Always dark on white, even in dark mode: that is what phone
 * cameras read best.
 */
export function QrCode({ value, label, className }: Props) {
  const { path, size } = useMemo(() => {
    const { modules } = create(value, { errorCorrectionLevel: 'M' })
    const n = modules.size
    let d = ''
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        if (modules.data[y * n + x]) d += `M${x + QUIET} ${y + QUIET}h1v1h-1z`
      }
    }
    return { path: d, size: n + 2 * QUIET }
  }, [value])
  return (
    <svg
      role="img"
      aria-label={label}
      viewBox={`0 0 ${size} ${size}`}
      shapeRendering="crispEdges"
      className={['qr', className].filter(Boolean).join(' ')}
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  )
}
