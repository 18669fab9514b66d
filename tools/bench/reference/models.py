from django.conf import settings
from django.db import models


class Member(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    phone = models.CharField(max_length=16, unique=True)
    invite_code = models.CharField(max_length=6, unique=True)
    referred_by = models.ForeignKey("self", null=True, on_delete=models.SET_NULL, related_name="referrals")
    activated_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.phone
