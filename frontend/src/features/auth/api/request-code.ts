import { useMutation } from '@tanstack/react-query'
import { apiRequest } from '@/lib/api/client'
import type { LoginRequest, LoginResponse } from '@/lib/api/types'

/** POST /api/login/: sends a code by SMS (or shows it, in demo mode). */
export function requestCode(body: LoginRequest): Promise<LoginResponse> {
  return apiRequest<LoginResponse>('/api/login/', { method: 'POST', body })
}

export function useRequestCode() {
  return useMutation({ mutationFn: requestCode })
}
