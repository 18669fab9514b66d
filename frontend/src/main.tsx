import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from '@/app/app'
import { Providers } from '@/app/providers'
import { reportInviteOpen } from '@/lib/invite-open'
import { captureInviteFromUrl } from '@/lib/pending-invite'
import './index.css'

const openedWith = captureInviteFromUrl()
// Counts the open for the link's owner; it never waits for the answer, and a failure changes nothing here.
if (openedWith) void reportInviteOpen(openedWith)

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Providers>
      <App />
    </Providers>
  </StrictMode>,
)
