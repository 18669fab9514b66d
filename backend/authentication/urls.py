from django.urls import path

from authentication.apis import LoginApi, LogoutApi, TokenRefreshApi, VerifyApi

urlpatterns = [
    path("login/", LoginApi.as_view(), name="login"),
    path("verify/", VerifyApi.as_view(), name="verify"),
    path("token/refresh/", TokenRefreshApi.as_view(), name="token-refresh"),
    path("logout/", LogoutApi.as_view(), name="logout"),
]
