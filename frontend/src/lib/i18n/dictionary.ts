import type { en } from './en'

// English is the reference: every key it has, the other languages must have too. Plural forms are
// keys with a CLDR suffix (`_one`, `_few`, ...), looked up with Intl.PluralRules.
type PluralSuffix = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other'
type BaseKey = keyof typeof en
type StripPlural<K> = K extends `${infer Base}_${PluralSuffix}` ? Base : K

export type MessageKey = StripPlural<BaseKey>
export type Dictionary = Record<BaseKey, string> & Partial<Record<`${string}_${PluralSuffix}`, string>>
