from common.exceptions import Conflict, DomainError, RateLimitCode, RateLimited


class InviteCodeNotFound(DomainError):
    field = "foreign_invite_code"
    default_message = "Invite code not found."


class InviteCodeIsOwn(DomainError):
    field = "foreign_invite_code"
    default_message = "You can't activate your own invite code."


class InviteCodeCycle(DomainError):
    field = "foreign_invite_code"
    default_message = "This code belongs to someone who joined through your invitation."


class InviteCodeAlreadyActivated(Conflict):
    default_message = "You have already activated an invite code."


class TooManyActivationAttempts(RateLimited):
    code = RateLimitCode.INVITE_ATTEMPT_LIMIT
    default_message = "Too many failed invite code attempts. Try again later."
