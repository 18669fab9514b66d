from dataclasses import asdict, fields

from django.db import DatabaseError
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.read_path import accepts_json, json_read_response, read_path_principal
from users.pagination import NewestFirstCursorPagination
from users.schema import (
    invite_open_schema,
    profile_activate_schema,
    profile_retrieve_schema,
    referral_list_schema,
    referral_stats_schema,
)
from users.selectors import profile_get, profile_read, referral_list, referral_stats_get
from users.serializers import (
    InviteOpenInputSerializer,
    ProfileOutputSerializer,
    ProfileUpdateInputSerializer,
    ReferralOutputSerializer,
    ReferralStatsOutputSerializer,
)
from users.services import invite_code_activate, invite_open
from users.throttles import InviteOpenIpThrottle


class ProfileApi(APIView):
    # GET checks the session in profile_read's one query; request.user is the token's principal then.
    session_checked_in_query = True

    @profile_retrieve_schema
    def get(self, request):
        return Response(ProfileOutputSerializer(profile_read(session=request.user)).data)

    @classmethod
    def read_path(cls, request):
        """get()'s ordinary answer without DRF (common/read_path.py); None leaves the request to get(): a missing or
        refused token, a revoked sign-in, an Accept this doesn't serve, a database error. The body is the output
        serializer's, field for field (a test compares the two)."""
        if not accepts_json(request) or (principal := read_path_principal(cls, request)) is None:
            return None
        try:
            profile = profile_read(session=principal)
        except (AuthenticationFailed, DatabaseError):
            return None
        # The fields as they are: dataclasses.asdict deep-copies each of the 100 phones, which made a profile with
        # referrals cost a tenth more to serve than one without (78 µs of a 320 µs read).
        return json_read_response(cls, {field.name: getattr(profile, field.name) for field in fields(profile)})

    @profile_activate_schema
    def patch(self, request):
        serializer = ProfileUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code = serializer.validated_data.get("foreign_invite_code")
        user = request.user if code is None else invite_code_activate(user=request.user, code=code)
        return Response(ProfileOutputSerializer(profile_get(user=user)).data)


class ReferralListApi(ListAPIView):
    pagination_class = NewestFirstCursorPagination
    serializer_class = ReferralOutputSerializer

    def get_queryset(self):
        return referral_list(user=self.request.user).values("phone", "activated_at", "id")

    @referral_list_schema
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReferralStatsApi(APIView):
    @referral_stats_schema
    def get(self, request):
        return Response(ReferralStatsOutputSerializer(asdict(referral_stats_get(user=request.user))).data)


class InviteOpenApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [InviteOpenIpThrottle]

    @invite_open_schema
    def post(self, request, code):
        serializer = InviteOpenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invite_open(code=code, visitor=serializer.validated_data["visitor"])
        return Response(status=status.HTTP_204_NO_CONTENT)
