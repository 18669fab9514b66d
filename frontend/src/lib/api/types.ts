// Names for the shapes of the API, taken from the types generated from the backend's OpenAPI
// schema (schema.d.ts), so a change in the API shows up here as a type error.
import type { components } from './schema'

type Schemas = components['schemas']

export type LoginRequest = Schemas['LoginInputRequest']
export type LoginResponse = Schemas['LoginOutput']
export type VerifyRequest = Schemas['VerifyInputRequest']
export type VerifyResponse = Schemas['VerifyOutput']
export type TokenPair = Schemas['TokenPairOutput']
export type Profile = Schemas['ProfileOutput']
export type ProfileUpdateRequest = Schemas['PatchedProfileUpdateInputRequest']
export type Referral = Schemas['ReferralOutput']
export type ReferralPage = Schemas['PaginatedReferralOutputList']
/** A 428's challenge: solve it (lib/proof-of-work.ts) and resend the request with the solution. */
export type AltchaChallenge = Schemas['AltchaChallenge']
/** My share link's funnel: totals since the beginning and the last 30 days, oldest first. */
export type ReferralStats = Schemas['ReferralStatsOutput']
export type FunnelDay = Schemas['FunnelDayOutput']
