from common.exceptions import DomainError, RateLimitCode, RateLimited


class InvalidCode(DomainError):
    # One message for wrong, expired, used, exhausted or missing codes: nothing to learn from it.
    default_message = "Invalid or expired code."


class ResendTooSoon(RateLimited):
    code = RateLimitCode.RESEND_COOLDOWN
    default_message = "A code was sent recently. Wait before asking for a new one."


class TooManyCodes(RateLimited):
    code = RateLimitCode.DAILY_CODE_LIMIT
    default_message = "Too many codes were sent to this phone today. Try again later."


class PhoneLocked(RateLimited):
    code = RateLimitCode.WRONG_CODE_LIMIT
    default_message = "Too many wrong codes for this phone. Try again later."
