/// <reference types="node" />
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { en } from './en'
import { ru } from './ru'

// What the API says about its error codes: components.schemas.ErrorCode, a string enum.
type Schema = { components?: { schemas?: { ErrorCode?: { enum?: unknown } } } }
const schema: Schema = parse(readFileSync(resolve(import.meta.dirname, '../../../../backend/openapi.yaml'), 'utf8'))
const apiCodes = schema.components?.schemas?.ErrorCode?.enum

const english: Record<string, string> = en.apiError
const russian: Record<string, string> = ru.apiError
const has = (messages: Record<string, string>, code: string) => Object.hasOwn(messages, code) && messages[code] !== ''

describe("the API's error codes (backend/openapi.yaml)", () => {
  test('are listed as the ErrorCode enum', () => {
    expect(Array.isArray(apiCodes) && apiCodes.length > 0).toBe(true)
  })

  test('each have a message in English and in Russian', () => {
    const codes = Array.isArray(apiCodes) ? apiCodes.map(String) : []
    const missing = { en: codes.filter((code) => !has(english, code)), ru: codes.filter((code) => !has(russian, code)) }
    expect(missing).toEqual({ en: [], ru: [] })
  })

  test('are all the codes we have messages for (none left over from an older API)', () => {
    const codes = new Set(Array.isArray(apiCodes) ? apiCodes.map(String) : [])
    expect(Object.keys(english).filter((code) => !codes.has(code))).toEqual([])
  })
})
