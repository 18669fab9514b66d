"""The OpenAPI documentation of the profile endpoints, kept apart from the views it describes."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from common.exceptions import ErrorCode, RateLimitCode
from common.schema import ERROR_401, error_example, error_response, field_error_example, rate_limit_response
from users.pagination import NewestFirstCursorPagination
from users.selectors import PROFILE_REFERRALS_LIMIT, STATS_DAYS
from users.serializers import (
    InviteOpenInputSerializer,
    ProfileOutputSerializer,
    ProfileUpdateInputSerializer,
    ReferralOutputSerializer,
    ReferralStatsOutputSerializer,
)

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


def _stats_example_days() -> list[dict]:
    days = [{"date": f"2026-11-{day:02d}", "opens": 0, "sign_ups": 0, "activations": 0} for day in range(4, 31)]
    days += [
        {"date": "2026-12-01", "opens": 3, "sign_ups": 1, "activations": 0},
        {"date": "2026-12-02", "opens": 0, "sign_ups": 0, "activations": 1},
        {"date": "2026-12-03", "opens": 5, "sign_ups": 2, "activations": 1},
    ]
    return days


STATS_EXAMPLE = {"totals": {"opens": 12, "sign_ups": 4, "activations": 3}, "days": _stats_example_days()}

referral_stats_schema = extend_schema(
    tags=["Profile"],
    operation_id="profile_stats",
    summary="My share link's funnel",
    description=(
        "How my share link did: browsers that opened it (each browser once, POST /api/invites/{code}/open/), "
        "phones whose first sign-in came through it (the `invite_code` of /api/verify/), and users who activated "
        f"my code. `totals` count since the beginning; `days` has one entry per UTC day of the last {STATS_DAYS} "
        "days, oldest first and today (UTC) last, days with nothing included as zeros. An activation counts on its "
        "day whether or not it came through the link (a code can be typed)."
    ),
    responses={200: ReferralStatsOutputSerializer, 401: ERROR_401},
    examples=[OpenApiExample("Stats", value=STATS_EXAMPLE, response_only=True, status_codes=["200"])],
)


invite_open_schema = extend_schema(
    tags=["Invites"],
    operation_id="invite_open",
    summary="Count an open of a share link",
    description=(
        "Call it when a share link (`/?invite=<code>`) is opened, with a random id of the browser kept in its "
        "localStorage. The first call of a browser for a code records the open (and an `invite.opened` event); "
        "later ones answer the same 204 and record nothing. No authentication. `code` is read like an activated "
        "code: case-insensitive, O as 0, I and L as 1. Per client address: THROTTLE_INVITE_OPEN "
        f"({settings.THROTTLE_INVITE_OPEN}), per network (/24, /64): THROTTLE_INVITE_OPEN_NETWORK "
        f"({settings.THROTTLE_INVITE_OPEN_NETWORK})."
    ),
    parameters=[
        OpenApiParameter(
            "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The invite code of the share link."
        )
    ],
    request=InviteOpenInputSerializer,
    responses={
        204: OpenApiResponse(description="Counted, now or by an earlier call of this browser."),
        400: error_response(
            "`visitor` is missing or not a UUID.",
            field_error_example("visitor", ErrorCode.VISITOR_INVALID),
            field="visitor",
            more={"Missing": field_error_example("visitor", ErrorCode.REQUIRED)},
        ),
        404: error_response("No user has this invite code.", error_example(ErrorCode.INVITE_CODE_NOT_FOUND)),
        429: rate_limit_response(RateLimitCode.IP_RATE_LIMIT, RateLimitCode.NETWORK_RATE_LIMIT),
    },
    examples=[
        OpenApiExample("A browser", value={"visitor": "3f2b8c1e-9a4d-4e7f-8b6a-2c1d0e9f7a5b"}, request_only=True),
    ],
)
