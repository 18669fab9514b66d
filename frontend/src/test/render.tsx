import { render, type RenderOptions } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import type { ReactElement } from 'react'
import { Providers } from '@/app/providers'
import type { Language } from '@/lib/i18n'
import { createQueryClient } from '@/lib/query-client'

type Options = Omit<RenderOptions, 'wrapper'> & { language?: Language }

/** Renders with the app's real providers (a fresh query cache, English unless told). */
export function renderWithProviders(ui: ReactElement, { language = 'en', ...options }: Options = {}) {
  const queryClient = createQueryClient()
  queryClient.setDefaultOptions({ queries: { retry: false, refetchOnWindowFocus: false }, mutations: { retry: false } })
  const user = userEvent.setup()
  const result = render(ui, {
    wrapper: ({ children }) => (
      <Providers queryClient={queryClient} language={language}>
        {children}
      </Providers>
    ),
    ...options,
  })
  return { ...result, user, queryClient }
}
