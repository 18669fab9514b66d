export { AuthFlow } from './components/auth-flow'
export { LogoutButton } from './components/logout-button'
