from common.exceptions import DomainError, RateLimitCode, RateLimited, Unavailable


class InvalidCode(DomainError):
    # One message for wrong, expired, used, exhausted or missing codes: nothing to learn from it.
    default_message = "Invalid or expired code."


class CodeReplaced(InvalidCode):
    """The challenge is of a code that is no longer live: a newer one was sent to the phone since."""

    default_message = "A newer code was sent to this phone. Ask for a new code."

    def body(self) -> dict:
        return {"detail": self.message, "code": "code_replaced"}


class ResendTooSoon(RateLimited):
    code = RateLimitCode.RESEND_COOLDOWN
    default_message = "A code was sent recently. Wait before asking for a new one."


class TooManyCodes(RateLimited):
    code = RateLimitCode.DAILY_CODE_LIMIT
    default_message = "Too many codes were sent to this phone today. Try again later."


class PrefixBusy(RateLimited):
    """Too many codes this hour to numbers sharing all but their last 4 digits: sequential-number SMS pumping."""

    code = RateLimitCode.PREFIX_RATE_LIMIT
    default_message = "Too many codes were sent to numbers like this one. Try again later."


class SendingBlocked(RateLimited):
    """SMS to the number's prefix or country is paused: the conversion watch found its codes rarely used (SmsBlock).

    The block lasts until an operator lifts it, so `retry_after` is only when to look again.
    """

    code = RateLimitCode.PREFIX_BLOCKED
    default_message = "SMS sign-in is paused for numbers like this one. Try again later."
    retry_after_seconds = 3600

    def __init__(self) -> None:
        super().__init__(self.retry_after_seconds)


class PhoneLocked(RateLimited):
    code = RateLimitCode.WRONG_CODE_LIMIT
    default_message = "Too many wrong codes for this phone. Try again later."


class AddressRateLimited(RateLimited):
    code = RateLimitCode.IP_RATE_LIMIT
    default_message = "Too many requests from this address. Try again later."


class NetworkRateLimited(RateLimited):
    code = RateLimitCode.NETWORK_RATE_LIMIT
    default_message = "Too many requests from your network. Try again later."


class SmsUnavailable(Unavailable):
    """No provider of the SMS route took the message. `errors` holds each provider's SmsAttemptError."""

    code = "sms_unavailable"
    default_message = "The code could not be sent by SMS right now. Try again shortly."
    retry_after_seconds = 30

    def __init__(self, *, errors: tuple = (), retry_after: float | None = None, message: str | None = None) -> None:
        self.errors = errors
        super().__init__(self.retry_after_seconds if retry_after is None else retry_after, message)


class SmsBudgetExhausted(Unavailable):
    """SMS_BUDGET_PER_HOUR SMS already left this hour: none is sent until the hour's window ends (`retry_after`)."""

    code = "sms_budget_exhausted"
    default_message = "Too many sign-in codes are being sent right now. Try again later."
