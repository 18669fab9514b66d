import '@testing-library/jest-dom/vitest'
import { cleanup } from '@testing-library/react'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { reloadPendingInvite } from '@/lib/pending-invite'
import { reloadTokensFromStorage } from '@/lib/token-storage'
import { server } from './server'

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))

afterEach(() => {
  cleanup()
  server.resetHandlers()
  window.localStorage.clear()
  window.sessionStorage.clear()
  reloadTokensFromStorage()
  reloadPendingInvite()
  window.history.replaceState(null, '', '/')
})

afterAll(() => server.close())
