from django.urls import path

from users.apis import InviteOpenApi, ProfileApi, ReferralListApi, ReferralStatsApi

urlpatterns = [
    path("profile/", ProfileApi.as_view(), name="profile"),
    path("profile/referrals/", ReferralListApi.as_view(), name="profile-referrals"),
    path("profile/stats/", ReferralStatsApi.as_view(), name="profile-stats"),
    # Any string: an unknown or malformed code answers 404 invite_code_not_found, not the catch-all's not_found.
    path("invites/<str:code>/open/", InviteOpenApi.as_view(), name="invite-open"),
]
