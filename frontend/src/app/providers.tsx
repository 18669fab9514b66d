import { QueryClientProvider, type QueryClient } from '@tanstack/react-query'
import { useState, type ReactNode } from 'react'
import { I18nProvider, type Language } from '@/lib/i18n'
import { createQueryClient } from '@/lib/query-client'

type Props = { children: ReactNode; queryClient?: QueryClient; language?: Language }

export function Providers({ children, queryClient, language }: Props) {
  const [client] = useState(() => queryClient ?? createQueryClient())
  return (
    <QueryClientProvider client={client}>
      <I18nProvider initialLanguage={language}>{children}</I18nProvider>
    </QueryClientProvider>
  )
}
