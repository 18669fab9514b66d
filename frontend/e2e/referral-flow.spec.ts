import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Browser, type Page } from '@playwright/test'
import jsQRModule from 'jsqr'
import { PNG } from 'pngjs'

// jsqr is CommonJS with types that declare an ES default export: under Node's ESM, the function is its `.default`.
const jsQR = jsQRModule.default

// Every screen is saved here at desktop size and at 360 px (gitignored; `npm run screenshots:docs`
// copies a curated set into frontend/docs/screenshots for the README).
const ARTIFACTS = fileURLToPath(new URL('../e2e-artifacts/', import.meta.url))
mkdirSync(ARTIFACTS, { recursive: true })

const DESKTOP = { width: 1280, height: 860 }
const PHONE = { width: 360, height: 780 }

// What axe found on each screen at each width, one JSON line per check (the serious and critical ones fail the test).
const AXE_LOG = `${ARTIFACTS}axe.jsonl`
writeFileSync(AXE_LOG, '')

/** A fresh Russian mobile number per run, so the test also passes against a database in use. */
function randomPhone(): string {
  const rest = String(Math.floor(Math.random() * 10_000_000)).padStart(7, '0')
  return `+7916${rest}`
}

/** +79161234567 → +7 916 123 45 67, the way the app shows numbers. */
function shown(e164: string): string {
  return `+7 ${e164.slice(2, 5)} ${e164.slice(5, 8)} ${e164.slice(8, 10)} ${e164.slice(10)}`
}

/**
 * axe-core on the page as it is: every rule it has (WCAG 2.2 A/AA and its best practices). A serious or
 * critical violation fails the test, named with its rule and the elements; the rest are logged.
 */
async function checkA11y(page: Page, screen: string) {
  const { violations } = await new AxeBuilder({ page }).analyze()
  appendFileSync(
    AXE_LOG,
    JSON.stringify({ screen, violations: violations.map(({ id, impact, nodes }) => ({ id, impact, nodes: nodes.length })) }) + '\n',
  )
  const blocking = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(({ id, impact, help, nodes }) => `${impact} ${id}: ${help} (${nodes.map((node) => node.target.join(' ')).join(', ')})`)
  expect(blocking, `axe on ${screen}`).toEqual([])
}

/** Screenshots at desktop size and at 360 px, checked by axe at both, and checks nothing scrolls sideways on the phone. */
async function shoot(page: Page, name: string) {
  await page.evaluate(() => document.fonts.ready)
  await page.setViewportSize(DESKTOP)
  await page.screenshot({ path: `${ARTIFACTS}${name}-desktop.png`, fullPage: true, animations: 'disabled' })
  await checkA11y(page, `${name} at ${DESKTOP.width} px`)
  await page.setViewportSize(PHONE)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow, `${name} must fit a 360 px screen`).toBeLessThanOrEqual(0)
  await page.screenshot({ path: `${ARTIFACTS}${name}-mobile.png`, fullPage: true, animations: 'disabled' })
  await checkA11y(page, `${name} at ${PHONE.width} px`)
  await page.setViewportSize(DESKTOP)
}

/** Reads the QR code on the page the way a phone camera would: from its pixels (a screenshot), with jsQR. */
async function scanQr(page: Page): Promise<string> {
  const qr = page.getByRole('img', { name: 'QR code of your link' })
  await expect(qr).toBeVisible()
  const image = PNG.sync.read(await qr.screenshot({ animations: 'disabled' }))
  const found = jsQR(new Uint8ClampedArray(image.data), image.width, image.height)
  expect(found, 'a readable QR code').not.toBeNull()
  return found!.data
}

// Script errors and refused resources (a Content-Security-Policy violation behind nginx, say)
// fail the test. Answers with an error status are part of the story and are not counted.
let problems: string[] = []
test.beforeEach(() => {
  problems = []
})
test.afterEach(() => {
  expect(problems, 'errors in the browser console').toEqual([])
})

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`)
    }
  })
  return page
}

/** Phone → code (read from the demo banner) → profile. Returns nothing; the page ends on the profile. */
async function signIn(page: Page, phone: string, options: { shots?: string } = {}) {
  const field = page.getByLabel('Phone number')
  await field.fill(phone.replace('+7', '8'))
  await page.getByRole('button', { name: 'Get code' }).click()

  const codeInput = page.getByLabel('Code from the SMS')
  await expect(codeInput).toBeFocused()
  const banner = page.getByTestId('demo-code-text')
  await expect(banner).toContainText(/\d{4}/)
  const code = (await banner.textContent())!.match(/\d{4}/)![0]
  if (options.shots) await shoot(page, options.shots)

  await codeInput.pressSequentially(code)
  await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible()
  await expect(page.getByTestId('profile-phone')).toHaveText(shown(phone))
  // The link's numbers load beside the profile; screenshots and axe want the page complete.
  await expect(page.getByTestId('stats-opens')).toBeVisible()
}

/** My link's numbers, as the profile shows them. */
async function funnel(page: Page) {
  await expect(page.getByTestId('stats-opens')).toBeVisible()
  const read = async (series: string) => Number(await page.getByTestId(`stats-${series}`).textContent())
  return { opens: await read('opens'), signUps: await read('sign_ups'), activations: await read('activations') }
}

test('share, scan and activate: a friend joins through the QR code of my link, end to end', async ({ browser }) => {
  const phoneA = randomPhone()
  const phoneB = randomPhone()

  // A signs in.
  const a = await newPage(browser)
  await a.goto('/')
  await expect(a.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await shoot(a, '01-phone')

  await a.getByRole('button', { name: 'Get code' }).click()
  await expect(a.getByText('Enter your phone number.')).toBeVisible()
  await a.getByLabel('Phone number').fill('12345')
  await a.getByRole('button', { name: 'Get code' }).click()
  await expect(a.getByText(/doesn't look like a valid phone number/)).toBeVisible()
  await shoot(a, '02-phone-error')
  await a.getByLabel('Phone number').fill('')

  await signIn(a, phoneA, { shots: '03-code' })
  await expect(a.getByText('No one yet')).toBeVisible()
  await expect(a.getByText('No visits yet')).toBeVisible()
  expect(await funnel(a)).toEqual({ opens: 0, signUps: 0, activations: 0 })
  await shoot(a, '04-profile-empty')

  const inviteCode = (await a.getByTestId('invite-code').textContent())!.trim()
  expect(inviteCode).toMatch(/^[0-9A-Z]{6}$/)
  // The whole link is in view, and it is what the share button shares (or copies, without the Web Share API).
  const shareLink = (await a.getByTestId('share-link').textContent())!.trim()
  expect(shareLink).toMatch(new RegExp(`/\\?invite=${inviteCode}$`))
  await a.context().grantPermissions(['clipboard-read', 'clipboard-write'])
  const hasWebShare = await a.evaluate(() => typeof navigator.share === 'function')
  if (!hasWebShare) {
    await a.getByRole('button', { name: 'Copy link' }).click()
    await expect(a.getByRole('button', { name: 'Copied' })).toBeVisible()
    expect(await a.evaluate(() => navigator.clipboard.readText())).toBe(shareLink)
  }

  // B scans the QR code on A's screen and opens what it says, in a browser of their own.
  const scanned = await scanQr(a)
  expect(scanned).toBe(shareLink)
  const b = await newPage(browser)
  const opened = b.waitForResponse((answer) => answer.url().endsWith(`/api/invites/${inviteCode}/open/`))
  await b.goto(scanned)
  expect((await opened).status()).toBe(204)
  await expect(b.getByText(`You were invited with the code ${inviteCode}`)).toBeVisible()
  await expect(b).toHaveURL(/\/$/)
  await shoot(b, '05-phone-invited')

  await signIn(b, phoneB)
  const codeB = (await b.getByTestId('invite-code').textContent())!.trim()
  await expect(b.getByText(`You opened an invite link with the code ${inviteCode}. Activate it?`)).toBeVisible()
  // One Activate button: the offer's. The form for typing a code waits until the offer is answered.
  await expect(b.getByRole('button', { name: /^Activate/ })).toHaveCount(1)
  await shoot(b, '06-profile-invite-offer')
  await b.getByRole('button', { name: `Activate ${inviteCode}` }).click()
  await expect(b.getByTestId('foreign-invite-code')).toHaveText(inviteCode)
  await expect(b.getByText(/You opened an invite link/)).toHaveCount(0)
  await shoot(b, '07-profile-activated')

  // A reloads, is still signed in, and sees B in the list.
  await a.reload()
  await expect(a.getByTestId('referral-count')).toHaveText('1 person activated your code')
  await expect(a.getByRole('list', { name: 'People you invited' }).getByRole('listitem').first()).toContainText(shown(phoneB))
  // The funnel: B's browser opened the link, B's first sign-in came through it, B activated the code.
  expect(await funnel(a)).toEqual({ opens: 1, signUps: 1, activations: 1 })
  await expect(a.getByRole('img', { name: /The last 30 days: 1 opened, 1 signed up, 1 activated/ })).toBeVisible()
  await shoot(a, '08-profile-referrals')

  // A can't now activate B's code: that would make a referral cycle.
  const field = a.getByRole('textbox', { name: 'Invite code', exact: true })
  await field.fill(codeB)
  await a.getByRole('button', { name: 'Activate', exact: true }).click()
  await expect(field).toHaveAttribute('aria-invalid', 'true')
  await expect(a.getByTestId('foreign-invite-code')).toHaveCount(0)
  await field.fill('')

  // A in Russian, for the record.
  await a.getByRole('button', { name: 'Русский' }).click()
  await expect(a.getByRole('heading', { name: 'Ваш профиль' })).toBeVisible()
  await shoot(a, '09-profile-referrals-ru')
  await a.getByRole('button', { name: 'English' }).click()

  // Logging out returns to the phone screen; a reload stays signed out.
  await b.getByRole('button', { name: 'Log out' }).click()
  await expect(b.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await b.reload()
  await expect(b.getByRole('heading', { name: 'Sign in' })).toBeVisible()
})

test('a wrong code is refused, the boxes clear, and the right one still works', async ({ browser }) => {
  const page = await newPage(browser)
  const phone = randomPhone()
  await page.goto('/')
  await page.getByLabel('Phone number').fill(phone)
  await page.getByRole('button', { name: 'Get code' }).click()

  const banner = page.getByTestId('demo-code-text')
  await expect(banner).toContainText(/\d{4}/)
  const code = (await banner.textContent())!.match(/\d{4}/)![0]
  const wrong = String((Number(code) + 1) % 10_000).padStart(4, '0')

  const input = page.getByLabel('Code from the SMS')
  await input.pressSequentially(wrong)
  await expect(page.getByText('Invalid or expired code.')).toBeVisible()
  await expect(input).toHaveValue('')
  await expect(input).toBeFocused()
  await shoot(page, '10-code-wrong')

  await input.pressSequentially(code)
  await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible()
})

test("a stranger's wrong codes can't stop the phone's owner from signing in", async ({ browser, request }) => {
  test.setTimeout(180_000)
  const phone = randomPhone()
  const wrongOf = (code: string) => String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0')

  // A stranger asks for a code to the phone and uses every try, with the challenge and without:
  // the old lock refused the phone for 24 hours after this.
  const sent = await request.post('/api/login/', { data: { phone } })
  expect(sent.status()).toBe(200)
  const { challenge, code: strangersCode } = await sent.json()
  for (const withChallenge of [true, false]) {
    for (let i = 0; i < 5; i++) {
      const data = { phone, token: wrongOf(strangersCode), ...(withChallenge && { challenge }) }
      expect((await request.post('/api/verify/', { data })).status()).toBe(400)
    }
  }

  // The owner opens the app. The stranger's code went out less than a minute ago, so the owner waits
  // out the resend cooldown, then gets a longer code.
  const page = await newPage(browser)
  await page.goto('/')
  await page.getByLabel('Phone number').fill(phone)
  const getCode = page.getByRole('button', { name: 'Get code' })
  await getCode.click()
  await expect(page.getByText(/A code was just sent to this number/).first()).toBeVisible()
  await shoot(page, '12-phone-429')
  await expect(getCode).not.toHaveAttribute('aria-disabled', 'true', { timeout: 75_000 })
  await getCode.click()
  const banner = page.getByTestId('demo-code-text')
  await expect(banner).toContainText(/\d{8}/)
  await expect(page.getByText(/We sent a code of 8 digits/)).toBeVisible()
  const code = (await banner.textContent())!.match(/\d{8}/)![0]
  await shoot(page, '11-code-eight-digits')

  // The stranger keeps guessing the owner's code, without its challenge: refused, and no try of the owner's is used.
  for (let i = 0; i < 3; i++) {
    expect((await request.post('/api/verify/', { data: { phone, token: wrongOf(code) } })).status()).toBe(429)
  }

  await page.getByLabel('Code from the SMS').pressSequentially(code)
  await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible()
  await expect(page.getByTestId('profile-phone')).toHaveText(shown(phone))
})

test('my own code is refused, by the form and by my own share link', async ({ browser }) => {
  const page = await newPage(browser)
  await page.goto('/')
  await signIn(page, randomPhone())
  const ownCode = (await page.getByTestId('invite-code').textContent())!.trim()

  const field = page.getByRole('textbox', { name: 'Invite code', exact: true })
  await field.fill(ownCode.toLowerCase())
  await page.getByRole('button', { name: 'Activate', exact: true }).click()
  await expect(field).toHaveAttribute('aria-invalid', 'true')
  await expect(field).toHaveAccessibleDescription(/own invite code/)
  await shoot(page, '11-profile-own-code')
  await expect(page.getByTestId('foreign-invite-code')).toHaveCount(0)

  await page.goto(`/?invite=${ownCode}`)
  await expect(page.getByText('That link carries your own code')).toBeVisible()
  await expect(page.getByRole('button', { name: `Activate ${ownCode}` })).toHaveCount(0)
})

test('the whole flow works from the keyboard alone', async ({ browser }) => {
  const page = await newPage(browser)
  await page.goto('/')
  // The phone field has focus on arrival.
  await expect(page.getByLabel('Phone number')).toBeFocused()
  await page.keyboard.type(randomPhone())
  await page.keyboard.press('Enter')
  const banner = page.getByTestId('demo-code-text')
  await expect(banner).toContainText(/\d{4}/)
  const code = (await banner.textContent())!.match(/\d{4}/)![0]
  await expect(page.getByLabel('Code from the SMS')).toBeFocused()
  await page.keyboard.type(code)
  await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible()

  // Tab reaches the copy button, which shows a visible focus ring.
  const copy = page.getByRole('button', { name: 'Copy code' })
  for (let i = 0; i < 10 && !(await copy.evaluate((el) => el === document.activeElement)); i += 1) {
    await page.keyboard.press('Tab')
  }
  await expect(copy).toBeFocused()
  const outline = await copy.evaluate((el) => getComputedStyle(el).outlineStyle)
  expect(outline).not.toBe('none')
})

test('two tabs renewing the session at once both stay signed in', async ({ browser }) => {
  const context = await browser.newContext()
  const first = await context.newPage()
  const phone = randomPhone()
  await first.goto('/')
  await signIn(first, phone)
  const second = await context.newPage() // the same browser: the tabs share localStorage
  for (const page of [first, second]) {
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  }

  for (let round = 0; round < 3; round++) {
    // Both tabs' access token has expired: each needs a refresh, with the one refresh token they share.
    await first.evaluate(() => {
      const tokens = JSON.parse(localStorage.getItem('referral.tokens')!)
      localStorage.setItem('referral.tokens', JSON.stringify({ ...tokens, access: 'not-a-token' }))
    })
    await Promise.all([first.reload(), round === 0 ? second.goto('/') : second.reload()])
    for (const page of [first, second]) await expect(page.getByTestId('profile-phone')).toHaveText(shown(phone))
  }
  // The session survived: a refresh token was never spent twice.
  const refresh = await first.evaluate(() => JSON.parse(localStorage.getItem('referral.tokens')!).refresh)
  const renewed = await first.request.post('/api/token/refresh/', { data: { refresh } })
  expect(renewed.status()).toBe(200)
  await context.close()
})

test('a bad access token is refreshed; a refused refresh ends the session with a message', async ({ browser }) => {
  const page = await newPage(browser)
  const phone = randomPhone()
  await page.goto('/')
  await signIn(page, phone)

  // Spoil the access token, as if it had expired: the app refreshes it and carries on.
  const before = await page.evaluate(() => JSON.parse(localStorage.getItem('referral.tokens')!))
  await page.evaluate(() => {
    const tokens = JSON.parse(localStorage.getItem('referral.tokens')!)
    localStorage.setItem('referral.tokens', JSON.stringify({ ...tokens, access: 'not-a-token' }))
  })
  await page.reload()
  await expect(page.getByTestId('profile-phone')).toHaveText(shown(phone))
  const after = await page.evaluate(() => JSON.parse(localStorage.getItem('referral.tokens')!))
  expect(after.access).not.toBe('not-a-token')
  expect(after.refresh).not.toBe(before.refresh) // rotated

  // Now the refresh token is the old, already used one: the session is over.
  await page.evaluate((refresh) => {
    localStorage.setItem('referral.tokens', JSON.stringify({ access: 'not-a-token', refresh }))
  }, before.refresh)
  await page.reload()
  await expect(page.getByText('Your session has ended. Please sign in again.')).toBeVisible()
  await expect(page.getByLabel('Phone number')).toBeVisible()
  expect(await page.evaluate(() => localStorage.getItem('referral.tokens'))).toBeNull()
})
