import { QueryClientProvider, type QueryClient } from '@tanstack/react-query'
import { useState, type ReactNode } from 'react'
import { I18nextProvider } from 'react-i18next'
import { createI18n, type Language } from '@/lib/i18n'
import { createQueryClient } from '@/lib/query-client'

type Props = { children: ReactNode; queryClient?: QueryClient; language?: Language }

/** The query cache and i18next; `language` fixes the language (tests), else it is detected. */
export function Providers({ children, queryClient, language }: Props) {
  const [client] = useState(() => queryClient ?? createQueryClient())
  const [i18n] = useState(() => createI18n({ language }))
  return (
    <QueryClientProvider client={client}>
      <I18nextProvider i18n={i18n}>{children}</I18nextProvider>
    </QueryClientProvider>
  )
}
