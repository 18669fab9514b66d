"""When a request for a sign-in code must first prove work (a 428 with an ALTCHA challenge, common/proof_of_work.py).

SMS pumping sends many codes cheaply: from one address or network, or to numbers of one range. A person signing in
sends a handful, so the signals below stay quiet for them and they never see a challenge; a client that keeps going
pays a fraction of a CPU-second per code from then on, which a script firing thousands of requests feels and a
browser doesn't. The signals read the counters the caps already keep: the client's share comes from its throttle's
own count, the prefix's count and a recent lift are one statement of two indexed reads.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from authentication.models import SmsBlock
from authentication.statements import on_postgresql
from authentication.throttles import LoginIpThrottle
from common.db.prepared import prepared_cursor
from common.exceptions import ProofOfWorkRequired
from common.proof_of_work import pow_challenge_create, pow_solution_spend
from common.ratelimit import rate_count, rate_count_sql


def login_risk(*, request, phone: str) -> str | None:
    """Why a code request looks risky, or None: its client's address or network has used ALTCHA_RISK_SHARE of its
    hourly cap (THROTTLE_LOGIN, THROTTLE_LOGIN_NETWORK), or ALTCHA_PREFIX_BURST codes went to the number's prefix
    (all but its last 4 digits) this hour, or a block of that prefix was lifted in the last ALTCHA_AFTER_LIFT_HOURS
    (a range pumped once is likely to be tried again). A setting of 0 turns its signal off."""
    share = settings.ALTCHA_RISK_SHARE
    if share > 0 and LoginIpThrottle().share_used(request) >= share:
        return "client_near_cap"
    burst, hours = settings.ALTCHA_PREFIX_BURST, settings.ALTCHA_AFTER_LIFT_HOURS
    if burst <= 0 and hours <= 0:
        return None
    # The key otp_request counts the prefix's codes under (OTP_MAX_SENDS_PER_PREFIX_PER_HOUR).
    key, prefix = f"otp-prefix:{phone[:-4]}", phone[:-4]
    since = timezone.now() - timedelta(hours=max(hours, 0))
    if on_postgresql():  # both signals in one statement
        count_sql, count_params = rate_count_sql(key=key, window_seconds=3600)
        with prepared_cursor() as cursor:
            cursor.execute(
                f"SELECT {count_sql}, EXISTS (SELECT 1 FROM {connection.ops.quote_name(SmsBlock._meta.db_table)} b "
                "WHERE b.kind = %s AND b.value = %s AND b.lifted_at >= %s)",
                [*count_params, SmsBlock.Kind.PREFIX.value, prefix, since],
            )
            prefix_count, lifted = cursor.fetchone()
    else:
        prefix_count = rate_count(key=key, window_seconds=3600) if burst > 0 else 0
        lifted_blocks = SmsBlock.objects.filter(kind=SmsBlock.Kind.PREFIX, value=prefix, lifted_at__gte=since)
        lifted = hours > 0 and lifted_blocks.exists()
    if burst > 0 and prefix_count >= burst:
        return "prefix_burst"
    if hours > 0 and lifted:
        return "prefix_lifted"
    return None


def login_proof_of_work_check(*, request, phone: str, solution: str | None) -> bool:
    """Let a code request through if it isn't risky, or if `solution` solves an unspent challenge (spending it);
    True if it proved work. otp_request decides the prefix burst again on its atomic count (see there).

    Raises ProofOfWorkRequired (428) with a new challenge otherwise: no solution, a wrong, expired, forged or
    already spent one all get the same answer, and nothing is counted against the phone.
    """
    if login_risk(request=request, phone=phone) is None:
        return False
    if not pow_solution_spend(payload=solution):
        raise ProofOfWorkRequired(challenge=pow_challenge_create())
    return True
