from common.exceptions import DomainError, RateLimited


class InvalidCode(DomainError):
    # One message for wrong, expired, used, exhausted or missing codes: nothing to learn from it.
    default_message = "Invalid or expired code."


class ResendTooSoon(RateLimited):
    default_message = "A code was sent recently. Wait before asking for a new one."


class TooManyCodes(RateLimited):
    default_message = "Too many codes were sent to this phone today. Try again later."


class PhoneLocked(RateLimited):
    default_message = "Too many wrong codes for this phone. Try again later."
