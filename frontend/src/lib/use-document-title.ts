import { useEffect } from 'react'

/** Names the browser tab after the screen, which is also what screen readers announce on arrival. */
export function useDocumentTitle(title: string, appName: string): void {
  useEffect(() => {
    document.title = `${title} · ${appName}`
  }, [title, appName])
}
