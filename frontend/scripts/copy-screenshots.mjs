// Copies the README's screenshots from the last end-to-end run (e2e-artifacts/) to frontend/docs/screenshots/.
import { copyFile, mkdir } from 'node:fs/promises'

const from = new URL('../e2e-artifacts/', import.meta.url)
const to = new URL('../docs/screenshots/', import.meta.url)
const shots = ['01-phone', '03-code', '04-profile-empty', '06-profile-invite-offer', '08-profile-referrals']

await mkdir(to, { recursive: true })
for (const shot of shots) {
  for (const size of ['desktop', 'mobile']) {
    await copyFile(new URL(`${shot}-${size}.png`, from), new URL(`${shot}-${size}.png`, to))
  }
}
console.log(`copied ${shots.length * 2} screenshots to frontend/docs/screenshots/`)
