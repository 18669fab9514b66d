"""The OpenAPI documentation of the profile endpoints, kept apart from the views it describes."""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema

from common.exceptions import ErrorCode, RateLimitCode
from common.schema import ERROR_401, error_example, error_response, field_error_example, rate_limit_response
from users.pagination import NewestFirstCursorPagination
from users.selectors import PROFILE_REFERRALS_LIMIT
from users.serializers import ProfileOutputSerializer, ProfileUpdateInputSerializer, ReferralOutputSerializer

PROFILE_EXAMPLE = {
    "phone": "+79161234567",
    "invite_code": "7K2M9Q",
    "foreign_invite_code": None,
    "activated_your_code": ["+79031234567"],
    "activated_your_code_count": 1,
}


profile_retrieve_schema = extend_schema(
    tags=["Profile"],
    operation_id="profile_retrieve",
    summary="My profile",
    description=(
        "The signed-in user's phone and invite code, the code they activated (null if none), "
        f"and the phones of up to {PROFILE_REFERRALS_LIMIT} users who activated their code, newest first, with the "
        "total count."
    ),
    responses={200: ProfileOutputSerializer, 401: ERROR_401},
    examples=[OpenApiExample("Profile", value=PROFILE_EXAMPLE, response_only=True, status_codes=["200"])],
)


profile_activate_schema = extend_schema(
    tags=["Profile"],
    operation_id="profile_activate_invite_code",
    summary="Activate someone's invite code",
    description=(
        "Sets the invite code this user activated. Allowed once per user, ever. Other profile fields are "
        "read-only and ignored. A body without `foreign_invite_code` changes nothing and returns the profile. "
        f"At most INVITE_MAX_FAILURES_PER_HOUR ({settings.INVITE_MAX_FAILURES_PER_HOUR}) refused attempts per hour "
        "(then 429)."
    ),
    request=ProfileUpdateInputSerializer,
    responses={
        200: ProfileOutputSerializer,
        400: error_response(
            "Refused code: unknown, your own, or of someone who joined through your invitation.",
            field_error_example("foreign_invite_code", ErrorCode.INVITE_CODE_NOT_FOUND),
            field="foreign_invite_code",
            more={
                "Own code": field_error_example("foreign_invite_code", ErrorCode.INVITE_CODE_OWN),
                "Referral cycle": field_error_example("foreign_invite_code", ErrorCode.INVITE_CODE_CYCLE),
            },
        ),
        401: ERROR_401,
        409: error_response(
            "This user already activated an invite code.",
            error_example(ErrorCode.INVITE_CODE_ALREADY_ACTIVATED),
        ),
        429: rate_limit_response(RateLimitCode.INVITE_ATTEMPT_LIMIT),
    },
    examples=[
        OpenApiExample("Activate", value={"foreign_invite_code": " ab12cd "}, request_only=True),
        OpenApiExample(
            "Activated",
            value={**PROFILE_EXAMPLE, "foreign_invite_code": "AB12CD"},
            response_only=True,
            status_codes=["200"],
        ),
    ],
)


referral_list_schema = extend_schema(
    tags=["Profile"],
    operation_id="profile_referrals_list",
    summary="Users who activated my code",
    description=(
        f"All referrals, newest first, {NewestFirstCursorPagination.page_size} a page. Follow `next` (an opaque "
        "cursor URL) for the next page."
    ),
    responses={
        200: ReferralOutputSerializer(many=True),
        401: ERROR_401,
        404: error_response(
            "The cursor is not one this API made.",
            {"detail": str(NewestFirstCursorPagination.invalid_cursor_message), "code": ErrorCode.NOT_FOUND.value},
        ),
    },
    examples=[
        OpenApiExample(
            "A page",
            # One item of a page: drf-spectacular puts it in a list under "results", next to "next" and
            # "previous" (a list here came out as a list of lists).
            value={"phone": "+79031234567", "activated_at": "2026-11-27T08:00:00.123456Z"},
            response_only=True,
            status_codes=["200"],
        )
    ],
)
