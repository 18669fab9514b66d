from django.urls import path

from reference.views import ProfileView

urlpatterns = [path("api/profile/", ProfileView.as_view())]
