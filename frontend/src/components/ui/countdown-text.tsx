import { useState } from 'react'

/**
 * A sentence with a ticking number. Screen readers get the first version only, so a live region
 * around it does not re-announce every second.
 */
export function CountdownText({ text }: { text: string }) {
  const [first] = useState(text)
  return (
    <>
      <span aria-hidden="true">{text}</span>
      <span className="sr-only">{first}</span>
    </>
  )
}
