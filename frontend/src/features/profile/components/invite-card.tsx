import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Button } from '@/components/ui/button'
import { Card } from '@/components/ui/card'
import { QrCode } from '@/components/ui/qr-code'
import { copyText } from '@/lib/clipboard'
import { shareLink } from '@/lib/pending-invite'

type Props = { code: string; announce: (message: string) => void }

type Copied = 'code' | 'link' | null

/**
 * Sharing is this screen's main job: the share sheet of the phone (the Web Share API) where there is one,
 * copying the link elsewhere, a QR code for a friend standing next to you, and the whole link in view.
 */
export function InviteCard({ code, announce }: Props) {
  const { t } = useTranslation()
  const link = shareLink(code)
  const canShare = typeof navigator.share === 'function'
  const [copied, setCopied] = useState<Copied>(null)
  const [copyFailed, setCopyFailed] = useState(false)

  // "Copied" stays on the button for a moment, where the user is looking, instead of in a toast over the page.
  useEffect(() => {
    if (!copied) return
    const timer = window.setTimeout(() => setCopied(null), 2000)
    return () => window.clearTimeout(timer)
  }, [copied])

  async function copy(what: 'code' | 'link') {
    const ok = await copyText(what === 'code' ? code : link)
    setCopyFailed(!ok)
    setCopied(ok ? what : null)
    announce(ok ? t('invite.copied') : t('invite.copyFailed'))
  }

  async function share() {
    try {
      await navigator.share({ title: t('app.name'), text: t('invite.shareText', { code }), url: link })
    } catch {
      // Cancelled by the user, or refused: nothing to report.
    }
  }

  const copyLinkLabel = copied === 'link' ? t('invite.copiedShort') : t('invite.copyLink')

  return (
    <Card aria-labelledby="invite-title" className="card--accent share">
      <header className="card__header">
        <h2 id="invite-title">{t('invite.title')}</h2>
        <p className="muted">{t('invite.lead')}</p>
      </header>
      <div className="share__grid">
        <div className="share__details">
          <div className="share__item">
            <p className="share__label" id="invite-code-label">
              {t('invite.codeLabel')}
            </p>
            <div className="invite-code">
              <output className="invite-code__value" data-testid="invite-code" aria-labelledby="invite-code-label">
                {code}
              </output>
              <Button variant="secondary" className="btn--small" onClick={() => void copy('code')}>
                {copied === 'code' ? t('invite.copiedShort') : t('invite.copyCode')}
              </Button>
            </div>
          </div>
          <div className="share__item">
            <p className="share__label">{t('invite.linkLabel')}</p>
            {/* The whole link, wrapped where it must: the code at its end is the part that matters. */}
            <p className="share-link" data-testid="share-link">
              {link}
            </p>
          </div>
        </div>
        <div className="share__actions">
          {canShare ? (
            <>
              <Button onClick={() => void share()}>{t('invite.share')}</Button>
              <Button variant="secondary" onClick={() => void copy('link')}>
                {copyLinkLabel}
              </Button>
            </>
          ) : (
            <Button onClick={() => void copy('link')}>{copyLinkLabel}</Button>
          )}
        </div>
        <figure className="share__qr">
          <QrCode value={link} label={t('invite.qrLabel')} />
          <figcaption className="share__qr-caption muted">{t('invite.qrCaption')}</figcaption>
        </figure>
      </div>
      {copyFailed && (
        <p className="field__error" role="alert">
          {t('invite.copyFailed')}
        </p>
      )}
    </Card>
  )
}
