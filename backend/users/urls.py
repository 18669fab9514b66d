from django.urls import path

from users.apis import ProfileApi, ReferralListApi

urlpatterns = [
    path("profile/", ProfileApi.as_view(), name="profile"),
    path("profile/referrals/", ReferralListApi.as_view(), name="profile-referrals"),
]
