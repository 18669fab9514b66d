"""Shared OpenAPI pieces: the error shapes every endpoint documents."""

import re

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers


class DetailErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RateLimitErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    retry_after = serializers.IntegerField(help_text="Seconds until a new attempt can succeed (also in Retry-After).")


_field_error_serializers: dict[str, serializers.Serializer] = {}


def field_error_serializer(*fields: str) -> serializers.Serializer:
    """A 400 body: `{"field": ["message", ...]}` for the named fields, or `{"detail": "message"}`
    (a refused request, or a body that isn't JSON)."""
    name = "".join(part.title() for field in fields for part in field.split("_")) + "ValidationError"
    if name not in _field_error_serializers:
        _field_error_serializers[name] = inline_serializer(
            name,
            {
                "detail": serializers.CharField(required=False),
                **{field: serializers.ListField(child=serializers.CharField(), required=False) for field in fields},
            },
        )
    return _field_error_serializers[name]


def error_response(
    description: str,
    example: dict,
    *,
    field: str | tuple[str, ...] | None = None,
    more: dict[str, dict] | None = None,
) -> OpenApiResponse:
    """An error response: a detail body, or a field-error body when `field` is given, with examples."""
    if field is None:
        response_serializer = RateLimitErrorSerializer if "retry_after" in example else DetailErrorSerializer
    else:
        fields = (field,) if isinstance(field, str) else field
        response_serializer = field_error_serializer(*fields)
    # The example's name is the description's first clause ("Too many attempts; wait…" → "Too many attempts").
    name = re.split(r"[.;:(—]", description, maxsplit=1)[0].strip()
    examples = [OpenApiExample(name, value=example)]
    examples += [OpenApiExample(name, value=value) for name, value in (more or {}).items()]
    return OpenApiResponse(response=response_serializer, description=description, examples=examples)


ERROR_401 = error_response(
    "Missing, expired or invalid access token.",
    {"detail": "Authentication credentials were not provided."},
)
ERROR_429 = error_response(
    "Too many attempts; wait `retry_after` seconds (also sent as the Retry-After header).",
    {"detail": "Too many attempts. Try again later.", "retry_after": 42},
)
