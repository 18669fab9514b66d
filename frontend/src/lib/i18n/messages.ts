import type { en } from './en'

type PluralSuffix = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other'
type PluralBase<K> = K extends `${infer Base}_${PluralSuffix}` ? Base : never

// A group of another language's messages: every key English has, and for a plural key the other forms its
// language needs (Russian: `_few`, `_many`).
type Group<G> = { [K in keyof G]: string } & { [K in `${PluralBase<keyof G>}_${PluralSuffix}`]?: string }

/** The shape every language's messages have: English's, with its own plural forms. */
export type Messages = { [G in keyof typeof en]: Group<(typeof en)[G]> }

/** A code the API may send in an error body (`code`, `codes`) that we have our own sentence for. */
export type ApiErrorCode = keyof (typeof en)['apiError']
