from common.exceptions import DomainError, ErrorCode, RateLimited, Unavailable


class InvalidCode(DomainError):
    # One message for wrong, expired, used, exhausted or missing codes: nothing to learn from it.
    code = ErrorCode.CODE_INVALID


class CodeReplaced(InvalidCode):
    """The challenge is of a code that is no longer live: a newer one was sent to the phone since."""

    code = ErrorCode.CODE_REPLACED


class ResendTooSoon(RateLimited):
    code = ErrorCode.RESEND_COOLDOWN


class TooManyCodes(RateLimited):
    code = ErrorCode.DAILY_CODE_LIMIT


class PrefixBusy(RateLimited):
    """Too many codes this hour to numbers sharing all but their last 4 digits: sequential-number SMS pumping."""

    code = ErrorCode.PREFIX_RATE_LIMIT


class SendingBlocked(RateLimited):
    """SMS to the number's prefix or country is paused: the conversion watch found its codes rarely used (SmsBlock).

    The block lasts until an operator lifts it, so `retry_after` is only when to look again.
    """

    code = ErrorCode.PREFIX_BLOCKED
    retry_after_seconds = 3600

    def __init__(self) -> None:
        super().__init__(self.retry_after_seconds)


class PhoneLocked(RateLimited):
    code = ErrorCode.WRONG_CODE_LIMIT


class SmsUnavailable(Unavailable):
    """No provider of the SMS route took the message. `errors` holds each provider's SmsAttemptError."""

    code = ErrorCode.SMS_UNAVAILABLE
    retry_after_seconds = 30

    def __init__(self, *, errors: tuple = (), retry_after: float | None = None, message: str | None = None) -> None:
        self.errors = errors
        super().__init__(self.retry_after_seconds if retry_after is None else retry_after, message)


class SmsBudgetExhausted(Unavailable):
    """SMS_BUDGET_PER_HOUR SMS already left this hour: none is sent until the hour's window ends (`retry_after`)."""

    code = ErrorCode.SMS_BUDGET_EXHAUSTED
