from rest_framework.response import Response
from rest_framework.views import APIView

from reference.models import Member


class ProfileView(APIView):
    def get(self, request):
        member = Member.objects.select_related("referred_by").get(user=request.user)
        phones = member.referrals.order_by("-activated_at", "-id").values_list("phone", flat=True)[:100]
        return Response(
            {
                "phone": member.phone,
                "invite_code": member.invite_code,
                "foreign_invite_code": member.referred_by.invite_code if member.referred_by else None,
                "activated_your_code": list(phones),
            }
        )
