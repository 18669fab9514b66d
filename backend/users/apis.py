from dataclasses import asdict

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from common.exceptions import RateLimitCode
from common.schema import ERROR_401, error_response, rate_limit_response
from users.pagination import NewestFirstCursorPagination
from users.selectors import profile_get, referral_list
from users.serializers import ProfileOutputSerializer, ProfileUpdateInputSerializer, ReferralOutputSerializer
from users.services import invite_code_activate

PROFILE_EXAMPLE = {
    "phone": "+79161234567",
    "invite_code": "7K2M9Q",
    "foreign_invite_code": None,
    "activated_your_code": ["+79031234567"],
    "activated_your_code_count": 1,
}


class ProfileApi(APIView):
    @extend_schema(
        tags=["Profile"],
        operation_id="profile_retrieve",
        summary="My profile",
        description=(
            "The signed-in user's phone and invite code, the code they activated (null if none), "
            "and the phones of up to 100 users who activated their code, newest first, with the total count."
        ),
        responses={200: ProfileOutputSerializer, 401: ERROR_401},
        examples=[OpenApiExample("Profile", value=PROFILE_EXAMPLE, response_only=True, status_codes=["200"])],
    )
    def get(self, request):
        return Response(ProfileOutputSerializer(asdict(profile_get(user=request.user))).data)

    @extend_schema(
        tags=["Profile"],
        operation_id="profile_activate_invite_code",
        summary="Activate someone's invite code",
        description=(
            "Sets the invite code this user activated. Allowed once per user, ever. Other profile fields are "
            "read-only and ignored. A body without `foreign_invite_code` changes nothing and returns the profile. "
            "At most 10 refused attempts per hour (then 429)."
        ),
        request=ProfileUpdateInputSerializer,
        responses={
            200: ProfileOutputSerializer,
            400: error_response(
                "Refused code: unknown, your own, or of someone who joined through your invitation.",
                {"foreign_invite_code": ["Invite code not found."]},
                field="foreign_invite_code",
                more={
                    "Own code": {"foreign_invite_code": ["You can't activate your own invite code."]},
                    "Referral cycle": {
                        "foreign_invite_code": ["This code belongs to someone who joined through your invitation."]
                    },
                },
            ),
            401: ERROR_401,
            409: error_response(
                "This user already activated an invite code.",
                {"detail": "You have already activated an invite code."},
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
    def patch(self, request):
        serializer = ProfileUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code = serializer.validated_data.get("foreign_invite_code")
        user = request.user if code is None else invite_code_activate(user=request.user, code=code)
        return Response(ProfileOutputSerializer(asdict(profile_get(user=user))).data)


class ReferralListApi(ListAPIView):
    pagination_class = NewestFirstCursorPagination
    serializer_class = ReferralOutputSerializer

    def get_queryset(self):
        return referral_list(user=self.request.user).values("phone", "activated_at", "id")

    @extend_schema(
        tags=["Profile"],
        operation_id="profile_referrals_list",
        summary="Users who activated my code",
        description="All referrals, newest first, 50 a page. Follow `next` (an opaque cursor URL) for the next page.",
        responses={
            200: ReferralOutputSerializer(many=True),
            401: ERROR_401,
            404: error_response("The cursor is not one this API made.", {"detail": "Invalid cursor"}),
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
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
