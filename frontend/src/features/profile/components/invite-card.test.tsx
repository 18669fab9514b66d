import { screen } from '@testing-library/react'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { renderWithProviders } from '@/test/render'
import { InviteCard } from './invite-card'

const LINK = `${window.location.origin}/?invite=K7M2QX`

function setup(language: 'en' | 'ru' = 'en') {
  const announce = vi.fn()
  const utils = renderWithProviders(<InviteCard code="K7M2QX" announce={announce} />, { language })
  return { ...utils, announce }
}

/** The buttons that look filled: the card's primary action. */
function primaryButtons() {
  return screen.getAllByRole('button').filter((button) => button.classList.contains('btn--primary'))
}

describe('InviteCard', () => {
  afterEach(() => {
    // jsdom has no Web Share API; tests that give it one take it away again.
    delete (navigator as { share?: unknown }).share
  })

  test('shows the code, the whole link and a QR code of it', () => {
    setup()
    expect(screen.getByRole('heading', { name: 'Invite friends' })).toBeInTheDocument()
    expect(screen.getByTestId('invite-code')).toHaveTextContent('K7M2QX')
    expect(screen.getByText(LINK)).toBeInTheDocument()
    const qr = screen.getByRole('img', { name: 'QR code of your link' })
    expect(qr.tagName.toLowerCase()).toBe('svg')
  })

  test('with the Web Share API (a phone): sharing is the one filled button and opens the share sheet', async () => {
    const share = vi.fn().mockResolvedValue(undefined)
    Object.defineProperty(navigator, 'share', { value: share, configurable: true, writable: true })
    const { user } = setup()

    expect(primaryButtons()).toEqual([screen.getByRole('button', { name: 'Share link' })])
    expect(screen.getByRole('button', { name: 'Copy link' })).toHaveClass('btn--secondary')
    await user.click(screen.getByRole('button', { name: 'Share link' }))

    expect(share).toHaveBeenCalledWith({ title: 'Referrals', text: 'Join me with my invite code K7M2QX', url: LINK })
  })

  test('a cancelled share sheet is no error', async () => {
    const share = vi.fn().mockRejectedValue(new DOMException('Share canceled', 'AbortError'))
    Object.defineProperty(navigator, 'share', { value: share, configurable: true, writable: true })
    const { user, announce } = setup()
    await user.click(screen.getByRole('button', { name: 'Share link' }))
    expect(share).toHaveBeenCalledTimes(1)
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
    expect(announce).not.toHaveBeenCalled()
  })

  test('without it (a desktop browser): copying the link is the filled button, and the button says it copied', async () => {
    const { user, announce } = setup()

    expect(screen.queryByRole('button', { name: 'Share link' })).not.toBeInTheDocument()
    expect(primaryButtons()).toEqual([screen.getByRole('button', { name: 'Copy link' })])
    await user.click(screen.getByRole('button', { name: 'Copy link' }))

    await expect(navigator.clipboard.readText()).resolves.toBe(LINK)
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeInTheDocument()
    expect(announce).toHaveBeenCalledWith('Copied.')
  })

  test('when copying fails it says how to copy by hand', async () => {
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new Error('denied'))
    document.execCommand = vi.fn().mockReturnValue(false)
    const { user } = setup()
    await user.click(screen.getByRole('button', { name: 'Copy link' }))
    expect(await screen.findByRole('alert')).toHaveTextContent("Couldn't copy. Select the text and copy it yourself.")
  })

  test('in Russian', () => {
    setup('ru')
    expect(screen.getByRole('heading', { name: 'Пригласите друзей' })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Скопировать ссылку' })).toHaveClass('btn--primary')
    expect(screen.getByRole('img', { name: 'QR-код вашей ссылки' })).toBeInTheDocument()
  })
})
