"""Shared OpenAPI pieces: the error shapes every endpoint documents."""

import re

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

from common.exceptions import ErrorCode, RateLimitCode


class DetailErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the request's language (Accept-Language).")
    code = serializers.ChoiceField(choices=ErrorCode.choices, help_text="Stable, unlike `detail`: key on this.")


class RateLimitErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(
        choices=RateLimitCode.choices, help_text="Which limit was hit; stable, unlike `detail`."
    )
    retry_after = serializers.IntegerField(help_text="Seconds until a new attempt can succeed (also in Retry-After).")


UNAVAILABLE_CODES = [
    (code.value, code.label)
    for code in (ErrorCode.SMS_UNAVAILABLE, ErrorCode.SMS_BUDGET_EXHAUSTED, ErrorCode.SERVICE_UNAVAILABLE)
]


class UnavailableErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(
        choices=UNAVAILABLE_CODES, help_text="Which service is down; stable, unlike `detail`."
    )
    retry_after = serializers.IntegerField(help_text="Seconds to wait before trying again (also in Retry-After).")


_field_error_serializers: dict[str, serializers.Serializer] = {}


def field_error_serializer(*fields: str) -> serializers.Serializer:
    """A 400 body: `{"field": ["message", ...], "code": ..., "codes": {"field": [code, ...]}}` for the named
    fields, or `{"detail": "message", "code": ...}` (a refused request, or a body that isn't JSON)."""
    name = "".join(part.title() for field in fields for part in field.split("_")) + "ValidationError"
    if name not in _field_error_serializers:
        codes = inline_serializer(
            name + "Codes",
            {
                field: serializers.ListField(child=serializers.ChoiceField(choices=ErrorCode.choices), required=False)
                for field in fields
            },
            required=False,
            help_text="Each field's error codes, in the order of its messages.",
        )
        _field_error_serializers[name] = inline_serializer(
            name,
            {
                "detail": serializers.CharField(required=False),
                "code": serializers.ChoiceField(
                    choices=ErrorCode.choices,
                    help_text="The code of the refusal, or of the first field error; stable, unlike the messages.",
                ),
                "codes": codes,
                **{field: serializers.ListField(child=serializers.CharField(), required=False) for field in fields},
            },
        )
    return _field_error_serializers[name]


def error_example(code: ErrorCode, **params) -> dict:
    """The body the API answers for `code` (its English message; `params` fill the message's placeholders)."""
    return {"detail": str(code.label).format(**params), "code": code.value}


def field_error_example(field: str, code: ErrorCode, **params) -> dict:
    """The body of one field error, as the API answers it."""
    return {field: [str(code.label).format(**params)], "code": code.value, "codes": {field: [code.value]}}


def error_response(
    description: str,
    example: dict,
    *,
    field: str | tuple[str, ...] | None = None,
    more: dict[str, dict] | None = None,
) -> OpenApiResponse:
    """An error response: a detail body, or a field-error body when `field` is given, with examples."""
    if field is None:
        response_serializer = DetailErrorSerializer
    else:
        fields = (field,) if isinstance(field, str) else field
        response_serializer = field_error_serializer(*fields)
    # The example's name is the description's first clause ("Too many attempts; wait…" → "Too many attempts").
    name = re.split(r"[.;:(—]", description, maxsplit=1)[0].strip()
    examples = [OpenApiExample(name, value=example)]
    examples += [OpenApiExample(name, value=value) for name, value in (more or {}).items()]
    return OpenApiResponse(response=response_serializer, description=description, examples=examples)


ERROR_401 = error_response("Missing, expired or invalid access token.", error_example(ErrorCode.NOT_AUTHENTICATED))
# One example 429 body per limit; each endpoint documents the limits it can hit.
RATE_LIMIT_EXAMPLES: dict[RateLimitCode, tuple[str, int]] = {
    RateLimitCode.IP_RATE_LIMIT: ("Too many requests from this address", 1800),
    RateLimitCode.NETWORK_RATE_LIMIT: ("Too many requests from this network", 1800),
    RateLimitCode.RESEND_COOLDOWN: ("Resend cooldown", 57),
    RateLimitCode.PREFIX_RATE_LIMIT: ("Too many codes to neighbouring numbers", 1500),
    RateLimitCode.PREFIX_BLOCKED: ("SMS to numbers like this one paused", 3600),
    RateLimitCode.DAILY_CODE_LIMIT: ("Too many codes today", 41000),
    RateLimitCode.WRONG_CODE_LIMIT: ("Too many wrong codes", 86000),
    RateLimitCode.INVITE_ATTEMPT_LIMIT: ("Too many refused invite codes", 3400),
}


def rate_limit_response(*codes: RateLimitCode) -> OpenApiResponse:
    """A 429 that can come from each of `codes`, with one example body per limit."""
    examples = []
    for code in codes:
        name, retry_after = RATE_LIMIT_EXAMPLES[code]
        examples.append(OpenApiExample(name, value={**error_example(ErrorCode(code)), "retry_after": retry_after}))
    return OpenApiResponse(
        response=RateLimitErrorSerializer,
        description=(
            "A limit was hit: `code` says which ("
            + ", ".join(f"`{code.value}`" for code in codes)
            + "); wait `retry_after` seconds (also sent as the Retry-After header)."
        ),
        examples=examples,
    )


class AltchaParametersSerializer(serializers.Serializer):
    # camelCase: ALTCHA's own field names, which its solver reads.
    algorithm = serializers.CharField(help_text="The key derivation: `SHA-256` (one SHA-256 per try).")
    cost = serializers.IntegerField(help_text="Iterations of the derivation per try (1).")
    keyLength = serializers.IntegerField(help_text="Bytes of the derived key.")
    keyPrefix = serializers.CharField(help_text="Hex start of the derived key the solution must give.")
    nonce = serializers.CharField()
    salt = serializers.CharField()
    expiresAt = serializers.IntegerField(help_text="Unix time after which a solution is refused.")


class AltchaChallengeSerializer(serializers.Serializer):
    parameters = AltchaParametersSerializer()
    signature = serializers.CharField(help_text="HMAC of the parameters: changing any of them voids the challenge.")


class ProofOfWorkErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="`proof_of_work_required`; stable, unlike `detail`.")
    altcha = AltchaChallengeSerializer(help_text="An ALTCHA (PoW v2) challenge, as the `altcha` npm solver takes it.")


PROOF_OF_WORK_EXAMPLE = {
    **error_example(ErrorCode.PROOF_OF_WORK_REQUIRED),
    "altcha": {
        "parameters": {
            "algorithm": "SHA-256",
            "cost": 1,
            "keyLength": 32,
            "keyPrefix": "8ad6edef9f2e0e5d9a638204ad04f9f0",
            "nonce": "caaf6de6703bdae7b5f0bfd895f63ecb",
            "salt": "6ca7e06e6c605b72661bf20a613509ef",
            "expiresAt": 1796300000,
        },
        "signature": "3a0a6831f8f0c61af8c07b3622e27f2622f3161dfcc031fd961b9785b30bed05",
    },
}


def proof_of_work_response(description: str) -> OpenApiResponse:
    """A 428 `proof_of_work_required`: the body's `altcha` challenge is to be solved and the request resent."""
    return OpenApiResponse(
        response=ProofOfWorkErrorSerializer,
        description=description,
        examples=[OpenApiExample("Proof of work required", value=PROOF_OF_WORK_EXAMPLE)],
    )
