from common.exceptions import Conflict, DomainError, ErrorCode, RateLimited


class InviteCodeNotFound(DomainError):
    field = "foreign_invite_code"
    code = ErrorCode.INVITE_CODE_NOT_FOUND


class InviteCodeIsOwn(DomainError):
    field = "foreign_invite_code"
    code = ErrorCode.INVITE_CODE_OWN


class InviteCodeCycle(DomainError):
    field = "foreign_invite_code"
    code = ErrorCode.INVITE_CODE_CYCLE


class InviteCodeAlreadyActivated(Conflict):
    code = ErrorCode.INVITE_CODE_ALREADY_ACTIVATED


class TooManyActivationAttempts(RateLimited):
    code = ErrorCode.INVITE_ATTEMPT_LIMIT


class InviteLinkNotFound(DomainError):
    """A share link's code that is no one's: 404, as for any address that names nothing."""

    status_code = 404
    code = ErrorCode.INVITE_CODE_NOT_FOUND
