import { useCallback, useEffect, useState } from 'react'

/**
 * Seconds left until a moment in the future, ticking once a second.
 * `start(n)` (re)starts it at n seconds; `left` is 0 when idle or done; `endsAt` is the moment (ms).
 */
export function useCountdown(initialSeconds = 0): { left: number; endsAt: number; start: (seconds: number) => void } {
  const [endsAt, setEndsAt] = useState(() => (initialSeconds > 0 ? Date.now() + initialSeconds * 1000 : 0))
  const [now, setNow] = useState(() => Date.now())

  const start = useCallback((seconds: number) => {
    const at = Date.now()
    setNow(at)
    setEndsAt(seconds > 0 ? at + seconds * 1000 : 0)
  }, [])

  const running = endsAt > now
  useEffect(() => {
    if (!running) return
    const timer = window.setInterval(() => setNow(Date.now()), 1000)
    return () => window.clearInterval(timer)
  }, [running])

  return { left: running ? Math.ceil((endsAt - now) / 1000) : 0, endsAt, start }
}
