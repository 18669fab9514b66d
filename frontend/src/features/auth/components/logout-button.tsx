import { Button } from '@/components/ui/button'
import { useI18n } from '@/lib/i18n'
import { useLogout } from '../api/logout'

export function LogoutButton() {
  const { t } = useI18n()
  const logout = useLogout()
  return (
    <Button variant="secondary" className="btn--small" loading={logout.isPending} loadingLabel={t('header.loggingOut')} onClick={() => logout.mutate()}>
      {t('header.logout')}
    </Button>
  )
}
