// Request and response shapes of the API contract. Replaced by aliases of the generated
// schema.d.ts once the backend's OpenAPI schema is available.
export type LoginRequest = { phone: string }
export type LoginResponse = { phone: string; expires_in: number; resend_in: number; code?: string }
export type VerifyRequest = { phone: string; token: string }
export type VerifyResponse = { access: string; refresh: string; is_new: boolean }
export type TokenRefreshResponse = { access: string; refresh: string }
export type Profile = {
  phone: string
  invite_code: string
  foreign_invite_code: string | null
  activated_your_code: string[]
  activated_your_code_count: number
}
export type ProfileUpdateRequest = { foreign_invite_code: string }
export type Referral = { phone: string; activated_at: string }
export type ReferralPage = { next: string | null; previous: string | null; results: Referral[] }
