"""Phone sign-in: sending one-time codes, checking them, issuing, rotating and revoking tokens.

All counters live in PostgreSQL and every decision about a phone is taken while holding a lock on
that phone's live code row, so the limits hold across processes and machines.
"""

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import AuthenticationFailed, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from authentication import statements
from authentication.exceptions import (
    CodeReplaced,
    InvalidCode,
    PhoneLocked,
    PrefixBusy,
    ResendTooSoon,
    SendingBlocked,
    SmsBudgetExhausted,
    SmsUnavailable,
    TooManyCodes,
)
from authentication.models import OtpCode, OtpFailure, SendStatus, SmsBlock, SmsMessage, TokenFamily
from authentication.selectors import ConversionRow, otp_conversion_of
from authentication.sms.route import SmsSendResult, sms_route, sms_send
from authentication.tokens import BLACKLISTED, FAMILY_CLAIM, INVALID, SessionRefreshToken, token_owner
from common.exceptions import ErrorCode, ProofOfWorkRequired
from common.proof_of_work import pow_challenge_create
from common.ratelimit import rate_limit_hit, rate_limit_hits
from users.models import User
from users.phones import phone_region
from users.services import SignedInUser, user_get_or_create

logger = logging.getLogger(__name__)

DAY = timedelta(hours=24)
HOUR_SECONDS = 3600
# common.ratelimit keys: every SMS of the hour, and whether this hour's exhaustion was already logged.
SMS_BUDGET_KEY = "sms-budget"
SMS_BUDGET_LOGGED_KEY = "sms-budget-logged"


def otp_hash(*, phone: str, code: str) -> str:
    # Keyed with the server's SECRET_KEY: a database dump alone doesn't reveal codes.
    return salted_hmac("authentication.otp", f"{phone}:{code}", algorithm="sha256").hexdigest()


def challenge_hash(challenge: str) -> str:
    return salted_hmac("authentication.otp.challenge", challenge, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class OtpIssued:
    phone: str
    code: str
    challenge: str
    expires_in: int
    resend_in: int

    @property
    def code_length(self) -> int:
        return len(self.code)


def _lock_live_code(phone: str) -> OtpCode | None:
    """Lock the phone's live code row (if any): concurrent requests for one phone queue here."""
    return OtpCode.objects.select_for_update().filter(phone=phone, is_active=True).first()


def _lock_live_code_id(phone: str) -> int | None:
    """_lock_live_code for a request that needs only the row's id (one hand-written statement on PostgreSQL)."""
    if statements.on_postgresql():
        return statements.live_code_lock(phone=phone)
    live = _lock_live_code(phone)
    return None if live is None else live.pk


def _recent_failures(*, phone: str, now: datetime) -> list[datetime]:
    """When the phone's wrong codes of the last 24 h were entered, newest first (at most the daily limit)."""
    return list(
        OtpFailure.objects.filter(phone=phone, created_at__gt=now - DAY)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: settings.OTP_MAX_FAILURES_PER_DAY]
    )


def _new_code(*, failures_today: int) -> str:
    """A 4-digit code while the phone has had no wrong code for 24 h, otherwise a longer one.

    This is what bounds guessing without locking anyone out: every 4-digit code of a phone's day is
    issued before the day's first wrong entry, and only the live code can be entered, so all the
    day's 4-digit guesses fall on one code (at most OTP_MAX_ATTEMPTS with its challenge and as many
    without). Later codes are long enough that their guesses don't move the odds (README, "Guessing odds").
    """
    digits = 4 if failures_today == 0 else settings.OTP_HARDENED_CODE_LENGTH
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def _sends_counted(*, phone: str, now: datetime) -> list[datetime]:
    """When the phone's codes of the last 24 h went out, newest first: those sent, and those still sending.

    A code whose SMS every provider refused doesn't count, nor does one stuck sending for longer than a
    send can take (its worker died mid-send), nor a test number's.
    """
    in_flight = now - _longest_send()
    return list(
        OtpCode.objects.filter(phone=phone, created_at__gt=now - DAY)
        .filter(Q(send_status=SendStatus.SENT) | Q(send_status=SendStatus.PENDING, created_at__gt=in_flight))
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: settings.OTP_MAX_SENDS_PER_DAY]
    )


def _send_checks(*, phone: str, prefix: str, country: str, now: datetime) -> statements.SendChecks:
    """What otp_request decides on once it holds the phone's lock: a block of the prefix or country, the wrong codes
    of the last 24 h, the codes counted toward the phone's limits. One statement on PostgreSQL (read after the lock,
    so a concurrent request's committed code is seen)."""
    if statements.on_postgresql():
        return statements.send_checks(
            phone=phone,
            prefix=prefix,
            country=country,
            since=now - DAY,
            in_flight_since=now - _longest_send(),
            failures=settings.OTP_MAX_FAILURES_PER_DAY,
            sends=settings.OTP_MAX_SENDS_PER_DAY,
        )
    return statements.SendChecks(
        blocked=_live_block(prefix=prefix, country=country) is not None,
        failures_today=len(_recent_failures(phone=phone, now=now)),
        sends=_sends_counted(phone=phone, now=now),
    )


def _longest_send() -> timedelta:
    # Every provider of the route may use its whole timeout (twice: connect, then answer), plus the console's delay.
    return timedelta(seconds=2 * settings.SMS_SEND_TIMEOUT * len(sms_route()) + settings.OTP_SEND_DELAY[1] + 5)


def sms_text(*, code: str, language: str | None) -> str:
    """The SMS for `code` in `language` (ru, en), or in OTP_SMS_TEXT's first language."""
    texts = settings.OTP_SMS_TEXT
    return texts.get(language or "", next(iter(texts.values()))).replace("{code}", code)


def _record_send(*, otp_id: int, phone: str, country: str, result: SmsSendResult | None, errors) -> None:
    """One SmsMessage row per provider tried, and the code marked sent (or failed and retired)."""

    now = timezone.now()

    def row(provider: str, latency: float, **fields) -> SmsMessage:
        return SmsMessage(
            otp_id=otp_id,
            phone=phone,
            country=country,
            provider=provider,
            latency_ms=round(latency * 1000),
            created_at=now,
            **fields,
        )

    rows = [
        row(
            error.provider,
            error.latency,
            status=SmsMessage.Status.FAILED,
            error=error.error[:2000],
            error_code=(error.code or "")[:100],
        )
        for error in errors
    ]
    if result is not None:
        rows.append(
            row(
                result.provider,
                result.latency,
                status=SmsMessage.Status.SENT,
                provider_message_id=(result.message_id or "")[:100],
            )
        )
    if statements.on_postgresql():  # one statement (atomic by itself): the rows and the code's status
        statements.send_record(otp_id=otp_id, messages=rows, sent=result is not None)
        return
    with transaction.atomic():
        SmsMessage.objects.bulk_create(rows)
        if result is not None:
            OtpCode.objects.filter(pk=otp_id, send_status=SendStatus.PENDING).update(send_status=SendStatus.SENT)
        else:
            # The code never left: it can't be entered, and it costs the person no cooldown nor daily send.
            OtpCode.objects.filter(pk=otp_id).update(send_status=SendStatus.FAILED, is_active=False)


def _live_block(*, prefix: str, country: str) -> SmsBlock | None:
    """The block (not lifted) on the number's prefix or country, if any: one query on the partial unique index."""
    match = Q(kind=SmsBlock.Kind.PREFIX, value=prefix)
    if country:
        match |= Q(kind=SmsBlock.Kind.COUNTRY, value=country)
    return SmsBlock.objects.filter(match, lifted_at=None).first()


def _budget_exhausted_log_once(*, now: datetime) -> None:
    """Log an error the first time a budget window finds the budget spent, in any process.

    A limit-1 counter in the budget's window: the first refused request of the window wins its one hit (committed
    at once: this runs outside otp_request's transaction); every later one, here or elsewhere, is refused it.
    """
    first = rate_limit_hit(key=SMS_BUDGET_LOGGED_KEY, limit=1, window_seconds=HOUR_SECONDS, now=now)
    if first.allowed:
        logger.error(
            "SMS budget spent: %d SMS sent this hour (SMS_BUDGET_PER_HOUR); no code is sent for the next %d s",
            settings.SMS_BUDGET_PER_HOUR,
            round(first.retry_after),
        )


def _conversion_watch_counts(*, prefix: str, country: str | None, now: datetime):
    """The ORM's way of conversion_watch_counts (statements.py), for databases other than PostgreSQL: the window
    start of each part not blocked yet, and its counts (two queries)."""
    values = {SmsBlock.Kind.PREFIX: prefix}
    if country:
        values[SmsBlock.Kind.COUNTRY] = country
    match = Q()
    for kind, value in values.items():
        match |= Q(kind=kind, value=value)
    since = dict.fromkeys(values, now - DAY)
    for block in SmsBlock.objects.filter(match).values("kind", "lifted_at"):
        if block["lifted_at"] is None:
            since.pop(block["kind"], None)  # blocked already (a concurrent watcher, a moment ago)
        elif block["kind"] in since:
            since[block["kind"]] = max(since[block["kind"]], block["lifted_at"])
    if not since:
        return since, None, None
    by_prefix, by_country = otp_conversion_of(
        prefix=prefix,
        prefix_since=since.get(SmsBlock.Kind.PREFIX, now),
        country=country if SmsBlock.Kind.COUNTRY in since else None,
        country_since=since.get(SmsBlock.Kind.COUNTRY, now),
    )
    return since, by_prefix, by_country


def _conversion_watch(*, prefix: str, country: str) -> None:
    """Block the prefix or the country of a code that just left if too few of its recent codes were used.

    Counted over the last 24 h, or since the newest lift of that (kind, value) if later: an operator's lift holds
    until OTP_CONVERSION_MIN_SENDS new codes went to it, rather than re-blocking on the next send with the same
    codes that made the first block. One statement on PostgreSQL (the blocks and both counts,
    statements.conversion_watch_counts; two ORM queries elsewhere), taken only when an SMS left; a concurrent
    watcher's block wins the partial unique index and ours is dropped.
    """
    if settings.OTP_MIN_CONVERSION <= 0:
        return
    now = timezone.now()
    watched_country = country if country and country not in settings.OTP_CONVERSION_WATCH_EXEMPT_REGIONS else None
    if statements.on_postgresql():
        counts = statements.conversion_watch_counts(prefix=prefix, country=watched_country, day_ago=now - DAY)
        since = {}
        if not counts.prefix_blocked:
            since[SmsBlock.Kind.PREFIX] = counts.prefix_since
        if watched_country and not counts.country_blocked:
            since[SmsBlock.Kind.COUNTRY] = counts.country_since
        by_prefix = ConversionRow(prefix, counts.prefix_sent, counts.prefix_verified)
        by_country = ConversionRow(watched_country, counts.country_sent, counts.country_verified)
    else:
        since, by_prefix, by_country = _conversion_watch_counts(prefix=prefix, country=watched_country, now=now)
    if not since:
        return
    rows = {SmsBlock.Kind.PREFIX: by_prefix, SmsBlock.Kind.COUNTRY: by_country}
    for kind, row in rows.items():
        if kind not in since or row is None or row.sent < settings.OTP_CONVERSION_MIN_SENDS:
            continue
        if row.conversion >= settings.OTP_MIN_CONVERSION:
            continue
        lifted = since[kind] > now - DAY
        reason = (
            f"{row.sent} codes sent {'since the last lift' if lifted else 'in 24 h'}, {row.verified} used "
            f"({row.conversion:.0%}, below OTP_MIN_CONVERSION {settings.OTP_MIN_CONVERSION:.0%})"
        )
        try:
            with transaction.atomic():
                SmsBlock.objects.create(
                    kind=kind, value=row.key, reason=reason, conversion=row.conversion, sends=row.sent, created_at=now
                )
        except IntegrityError:
            continue  # another request blocked it a moment ago, and logged it
        logger.warning("SMS to %s %s blocked by the conversion watch: %s", kind.label.lower(), row.key, reason)


def sms_blocks_lift(*, blocks, by: User | None) -> int:
    """Lift the given blocks not lifted yet (an admin action); returns how many. One conditional UPDATE."""
    return SmsBlock.objects.filter(pk__in=[block.pk for block in blocks], lifted_at=None).update(
        lifted_at=timezone.now(), lifted_by=by
    )


def otp_request(*, phone: str, language: str | None = None, proof_of_work: bool = False) -> OtpIssued:
    """Create a new code for `phone` (replacing any live one) and send it by SMS through the route.

    Returns the code and its challenge, an opaque id for the caller to bring back with the code.
    Raises SendingBlocked, ResendTooSoon, TooManyCodes or PrefixBusy (429, with retry_after); ProofOfWorkRequired
    (428) past ALTCHA_PREFIX_BURST codes to the prefix this hour unless `proof_of_work`; SmsBudgetExhausted
    (503) when SMS_BUDGET_PER_HOUR SMS left this hour, or SmsUnavailable (503) when no provider took the SMS: either
    way no code stays live and nothing counts toward the phone's limits. A code that left may block its
    prefix or country for the next requests (see _conversion_watch). Wrong
    codes never refuse a new one; they make it longer (see _new_code). A test number
    (OTP_TEST_NUMBERS) gets its fixed code, no SMS, and no send limit. The answer and its timing do
    not depend on whether a user with this phone exists.
    """
    now = timezone.now()
    challenge = secrets.token_urlsafe(24)
    test_code = settings.OTP_TEST_NUMBERS.get(phone)
    country = phone_region(phone)
    prefix = phone[:-4]
    budget_now = now
    try:
        with transaction.atomic():
            live_id = _lock_live_code_id(phone)
            if test_code is None:
                checks = _send_checks(phone=phone, prefix=prefix, country=country, now=now)
                if checks.blocked:
                    raise SendingBlocked()
                code = _new_code(failures_today=checks.failures_today)
                sends = checks.sends
                cooldown = timedelta(seconds=settings.OTP_RESEND_SECONDS)
                if sends and sends[0] > now - cooldown:
                    raise ResendTooSoon(retry_after=(sends[0] + cooldown - now).total_seconds())
                if len(sends) >= settings.OTP_MAX_SENDS_PER_DAY:
                    raise TooManyCodes(retry_after=(sends[-1] + DAY - now).total_seconds())
                # Last, so a request refused above isn't counted; in this transaction, so a rollback refunds them.
                # The prefix's hour, then the hour's SMS of all numbers, in one statement (rate_limit_hits): the
                # budget's row is every sender's, so it is taken last; it stays locked until this transaction ends,
                # and only the code's insert follows.
                budget_now = timezone.now()
                prefix_hit, *budget_hit = rate_limit_hits(
                    [
                        (f"otp-prefix:{prefix}", settings.OTP_MAX_SENDS_PER_PREFIX_PER_HOUR, HOUR_SECONDS),
                        (SMS_BUDGET_KEY, settings.SMS_BUDGET_PER_HOUR, HOUR_SECONDS),
                    ],
                    now=budget_now,
                )
                if not prefix_hit.allowed:
                    raise PrefixBusy(retry_after=prefix_hit.retry_after)
                # The prefix-burst signal (authentication/risk.py) read the count before this request; requests
                # arriving together all read the same. Decided again on the count this request just took: past
                # ALTCHA_PREFIX_BURST, only a request that proved work goes on (the rollback refunds both hits), and
                # this refusal comes before the budget's.
                burst = settings.ALTCHA_PREFIX_BURST
                if burst > 0 and prefix_hit.count > burst and not proof_of_work:
                    raise ProofOfWorkRequired(challenge=pow_challenge_create())
                if not budget_hit[0].allowed:
                    raise SmsBudgetExhausted(retry_after=budget_hit[0].retry_after)
            else:
                code = test_code
            if live_id is not None:
                # Retire only the row we hold the lock on. A code created meanwhile by a request that
                # found no live code either makes our insert fail on the one-live-code index.
                OtpCode.objects.filter(pk=live_id).update(is_active=False)
            otp = OtpCode(
                phone=phone,
                country=country,
                prefix=prefix,
                send_status=SendStatus.PENDING if test_code is None else SendStatus.TEST,
                code_hash=otp_hash(phone=phone, code=code),
                challenge_hash=challenge_hash(challenge),
                digits=len(code),
                created_at=now,
                expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
            )
            if statements.on_postgresql():
                otp.pk = statements.code_insert(code=otp)
            else:
                otp.save(force_insert=True)
    except IntegrityError:
        # A concurrent request for the same phone created the first live code a moment ago.
        raise ResendTooSoon(retry_after=settings.OTP_RESEND_SECONDS) from None
    except SmsBudgetExhausted:
        # After the rollback (which refunded the person's limits), so this hit is committed on its own.
        _budget_exhausted_log_once(now=budget_now)
        raise

    if test_code is None:
        # The send is slow (1–2 s): give the database connection back before waiting, so hundreds of
        # waiting requests don't hold hundreds of connections. The next query reopens one.
        if not connection.in_atomic_block:
            connection.close()
        try:
            result = sms_send(phone=phone, text=sms_text(code=code, language=language))
        except SmsUnavailable as exc:
            _record_send(otp_id=otp.pk, phone=phone, country=country, result=None, errors=exc.errors)
            raise
        _record_send(otp_id=otp.pk, phone=phone, country=country, result=result, errors=result.errors)
        _conversion_watch(prefix=prefix, country=country)
    return OtpIssued(
        phone=phone,
        code=code,
        challenge=challenge,
        expires_in=settings.OTP_TTL_SECONDS,
        resend_in=settings.OTP_RESEND_SECONDS,
    )


def otp_verify(*, phone: str, code: str, challenge: str | None = None, invite_code: str | None = None) -> SignedInUser:
    """Exchange a correct live code for the phone's user, creating the user on first sign-in (with its
    `user.signed_up` event, and `invite_code`'s owner as whose link it came through: see user_get_or_create).

    With `challenge` (from the login answer) the entry counts against that code's own tries, which
    nobody else can use up, and no limit of the phone applies. A challenge that isn't the live code's
    is refused without checking the code: CodeReplaced if it was one of the phone's earlier codes (a
    newer one was sent since), InvalidCode otherwise. Without one, the entry counts
    against the code's open tries, and the phone accepts no open entries after OTP_MAX_FAILURES_PER_DAY
    wrong codes in 24 h (PhoneLocked).

    Raises InvalidCode (wrong, expired, used, exhausted or missing code, one message for all),
    CodeReplaced or PhoneLocked. At most OTP_MAX_ATTEMPTS entries of each kind are ever checked against one code,
    however many arrive at once: they queue on the code's row lock.
    """
    now = timezone.now()
    with transaction.atomic():
        otp = _lock_live_code(phone)
        # A test number's code never changes and its new codes are free, so each new challenge would be five more
        # guesses at the same code: its wrong entries close it to everyone, challenge or not (nobody to lock out).
        if challenge is None or phone in settings.OTP_TEST_NUMBERS:
            recent = _recent_failures(phone=phone, now=now)
            if len(recent) >= settings.OTP_MAX_FAILURES_PER_DAY:
                # Open entries stop until the oldest of the last `limit` failures leaves the 24 h window.
                raise PhoneLocked(retry_after=(recent[-1] + DAY - now).total_seconds())
        holder = challenge is not None
        held = challenge_hash(challenge) if holder else ""
        if holder and (otp is None or not constant_time_compare(otp.challenge_hash, held)):
            replaced = (
                otp is not None and OtpCode.objects.filter(phone=phone, challenge_hash=held, used_at=None).exists()
            )
            raise CodeReplaced() if replaced else InvalidCode()
        tries_field = "attempts" if holder else "open_attempts"
        usable = otp is not None and otp.expires_at > now and getattr(otp, tries_field) < settings.OTP_MAX_ATTEMPTS
        accepted = False
        if usable:
            setattr(otp, tries_field, getattr(otp, tries_field) + 1)
            accepted = constant_time_compare(otp.code_hash, otp_hash(phone=phone, code=code))
            if accepted:
                otp.is_active = False
                otp.used_at = now
                otp.save(update_fields=[tries_field, "is_active", "used_at"])
            else:
                otp.save(update_fields=[tries_field])
                OtpFailure.objects.create(phone=phone, created_at=now, with_challenge=holder)
        if accepted:
            signed_in = user_get_or_create(phone=phone, invite_code=invite_code)
    if not accepted:
        raise InvalidCode()
    return signed_in


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def _pair_issue(*, user_id: int, family_id: uuid.UUID) -> TokenPair:
    """A new refresh token of the family (recorded as outstanding) and its access token."""
    refresh = RefreshToken()
    refresh[jwt_settings.USER_ID_CLAIM] = str(user_id)
    refresh[FAMILY_CLAIM] = str(family_id)
    OutstandingToken.objects.create(
        user_id=user_id,
        jti=refresh[jwt_settings.JTI_CLAIM],
        token=str(refresh),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def tokens_issue(*, user: User) -> TokenPair:
    """Start a new session (token family) for `user` and return its first pair."""
    with transaction.atomic():
        family = TokenFamily.objects.create(user=user)
        return _pair_issue(user_id=user.pk, family_id=family.pk)


def _session_of(token: SessionRefreshToken) -> tuple[TokenFamily, OutstandingToken]:
    """The token's family and outstanding row; raise TokenError if the token names no session of its user.

    A family missing (the user was deleted, or the token predates families) is reported like a revoked one.
    """
    owner = token_owner(token)
    if owner.family_id is None:
        raise TokenError(_(INVALID))
    family = TokenFamily.objects.select_related("user").filter(pk=owner.family_id, user_id=owner.user_id).first()
    outstanding = OutstandingToken.objects.filter(jti=token[jwt_settings.JTI_CLAIM], user_id=owner.user_id).first()
    if family is None or outstanding is None:
        raise TokenError(_(BLACKLISTED))
    return family, outstanding


def _spend(outstanding: OutstandingToken) -> bool:
    """Mark a refresh token used; False if it already was.

    The blacklist's unique token_id decides: of parallel requests spending one token, one insert
    succeeds and the others wait for it to commit, then fail.
    """
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        return False
    return True


def _revoke(family: TokenFamily, reason: TokenFamily.RevokeReason) -> None:
    # Only the first revocation counts (when and why); later ones find it done.
    TokenFamily.objects.filter(pk=family.pk, revoked_at=None).update(revoked_at=timezone.now(), revoke_reason=reason)


def token_refresh(*, refresh: str) -> TokenPair:
    """Spend a refresh token and return the next pair of its session.

    Raises TokenError (401) if the token is malformed, forged, expired, of the wrong type, already
    spent, or its session is revoked or gone; AuthenticationFailed (401, no_active_account) if the
    user is deactivated, as simplejwt does. Each token is spent exactly once, however many requests
    bring it at once (see _spend). A token presented after it was spent means two parties hold it (a
    stolen copy, or a replay): the whole session is revoked, the newest refresh token and the access
    tokens included, and the holder signs in again. A pair issued while a logout or a revocation
    commits is born dead: every later use checks the session's flag.
    """
    token = SessionRefreshToken(refresh)
    with transaction.atomic():
        family, outstanding = _session_of(token)
        if family.revoked_at is not None:
            raise TokenError(_(BLACKLISTED))
        if not family.user.is_active:
            raise AuthenticationFailed(ErrorCode.NO_ACTIVE_ACCOUNT.label, ErrorCode.NO_ACTIVE_ACCOUNT)
        spent_now = _spend(outstanding)
        if spent_now:
            return _pair_issue(user_id=family.user_id, family_id=family.pk)
        _revoke(family, TokenFamily.RevokeReason.REUSE)
    # Outside the block: the revocation is committed, not rolled back with the error.
    raise TokenError(_(BLACKLISTED))


def token_revoke(*, refresh: str) -> None:
    """Sign out: revoke the refresh token's whole session (every refresh and access token of it).

    Raises TokenError (401) if the token is unusable; a token already spent still revokes its session
    (it may be a stolen copy's), then answers like a used one.
    """
    token = SessionRefreshToken(refresh)
    with transaction.atomic():
        family, outstanding = _session_of(token)
        if family.revoked_at is not None:
            raise TokenError(_(BLACKLISTED))
        spent_now = _spend(outstanding)
        _revoke(family, TokenFamily.RevokeReason.LOGOUT if spent_now else TokenFamily.RevokeReason.REUSE)
    if not spent_now:
        raise TokenError(_(BLACKLISTED))
