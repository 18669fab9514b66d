"""Proof of work before a risky request: ALTCHA challenges, made and checked here, nothing sent to a third party.

ALTCHA (altcha.org) is an open protocol with a server library (the `altcha` PyPI package) and a browser solver (the
`altcha` npm package), so the whole exchange stays between the client and this server. We use its PoW v2 with the
iterated-SHA key derivation at cost 1 (one SHA-256 per try) in its deterministic mode: the server picks a secret
counter between ALTCHA_MAX_NUMBER/2 and ALTCHA_MAX_NUMBER and sends the start of the hash it gives; the client finds
the counter by trying them in turn, so the work is ALTCHA_MAX_NUMBER/2 to ALTCHA_MAX_NUMBER hashes and checking it is
one. The challenge's parameters are HMAC-signed (so they can't be eased or forged) and carry their expiry; a
solution is accepted once: its challenge's signature is then recorded (SpentChallenge) and a replay refused.

The HMAC key is derived from DJANGO_SECRET_KEY (salted_hmac) rather than being one more secret to set: a challenge
lives 5 minutes and proves only work, so rotating DJANGO_SECRET_KEY costs nothing but the challenges in flight.
"""

import secrets
from datetime import UTC, datetime, timedelta

import altcha
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from common.models import SpentChallenge

ALGORITHM = "SHA-256"
CHALLENGE_TTL = timedelta(minutes=5)


def _hmac_key() -> str:
    return salted_hmac("common.proof_of_work", "altcha-hmac-key", algorithm="sha256").hexdigest()


def pow_challenge_create(*, now: datetime | None = None) -> dict:
    """A new signed challenge, as the JSON the ALTCHA solver takes: `{"parameters": {...}, "signature": "..."}`."""
    max_number = max(2, settings.ALTCHA_MAX_NUMBER)
    counter = max_number // 2 + secrets.randbelow(max_number - max_number // 2 + 1)
    challenge = altcha.create_challenge(
        algorithm=ALGORITHM,
        cost=1,
        counter=counter,
        expires_at=(now or timezone.now()) + CHALLENGE_TTL,
        hmac_secret=_hmac_key(),
    )
    return challenge.to_dict()


def pow_solution_spend(*, payload: str | None) -> bool:
    """Whether `payload` (the base64 JSON `{"challenge": ..., "solution": ...}` the ALTCHA solver produces) solves a
    challenge of ours that hasn't expired nor been spent; a true answer spends it. Never raises on bad input."""
    if not payload:
        return False
    result = altcha.verify_solution(payload, _hmac_key())
    if not result.verified:
        return False
    # Verified means the signed parameters are ours: the signature and expiry below are the ones we made.
    parsed = altcha.Payload.from_base64(payload)
    expires_at = datetime.fromtimestamp(parsed.challenge.parameters.expires_at, tz=UTC)
    now = timezone.now()
    try:
        with transaction.atomic():
            SpentChallenge.objects.create(signature=parsed.challenge.signature, expires_at=expires_at)
    except IntegrityError:
        return False  # spent before: a replay (or a concurrent twin that won the insert)
    # Solutions are spent only on risky requests: few rows, and this delete uses the expires_at index.
    SpentChallenge.objects.filter(expires_at__lte=now).delete()
    return True
