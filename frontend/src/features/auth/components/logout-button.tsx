import { useTranslation } from 'react-i18next'
import { Button } from '@/components/ui/button'
import { useLogout } from '../api/logout'

export function LogoutButton() {
  const { t } = useTranslation()
  const logout = useLogout()
  return (
    <Button variant="secondary" className="btn--small" loading={logout.isPending} loadingLabel={t('header.loggingOut')} onClick={() => logout.mutate()}>
      {t('header.logout')}
    </Button>
  )
}
