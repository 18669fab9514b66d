import { useTranslation } from 'react-i18next'
import { Button } from '@/components/ui/button'
import { Card } from '@/components/ui/card'
import { copyText } from '@/lib/clipboard'
import { shareLink } from '@/lib/pending-invite'

type Props = { code: string; announce: (message: string) => void }

export function InviteCard({ code, announce }: Props) {
  const { t } = useTranslation()
  const link = shareLink(code)
  const canShare = typeof navigator.share === 'function'

  async function copy(text: string) {
    announce(await copyText(text) ? t('invite.copied') : t('invite.copyFailed'))
  }

  async function share() {
    try {
      await navigator.share({ title: t('app.name'), text: t('invite.shareText', { code }), url: link })
    } catch {
      // Cancelled by the user, or refused: nothing to report.
    }
  }

  return (
    <Card aria-labelledby="invite-title" className="card--accent">
      <h2 id="invite-title">{t('invite.title')}</h2>
      <div className="invite-code">
        <output className="invite-code__value" data-testid="invite-code" aria-labelledby="invite-title">
          {code}
        </output>
        <Button variant="secondary" onClick={() => void copy(code)}>
          {t('invite.copyCode')}
        </Button>
      </div>
      <p className="muted">{t('invite.lead')}</p>
      <div className="field">
        <label className="field__label" htmlFor="share-link">
          {t('invite.linkLabel')}
        </label>
        <div className="share-link">
          <input
            id="share-link"
            className="field__input share-link__input"
            readOnly
            value={link}
            onFocus={(event) => event.target.select()}
          />
          <Button variant="secondary" onClick={() => void copy(link)}>
            {t('invite.copyLink')}
          </Button>
          {canShare && (
            <Button variant="secondary" onClick={() => void share()}>
              {t('invite.share')}
            </Button>
          )}
        </div>
      </div>
    </Card>
  )
}
