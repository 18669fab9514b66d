"""Migrate the reference's database and give it one member (with a referral): prints an access token for it."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reference.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from reference.models import Member  # noqa: E402

call_command("migrate", verbosity=0)
owner = Member.objects.create(
    user=User.objects.create(username="+79160000001"), phone="+79160000001", invite_code="AAAAAA"
)
Member.objects.create(
    user=User.objects.create(username="+79160000002"),
    phone="+79160000002",
    invite_code="BBBBBB",
    referred_by=owner,
    activated_at=timezone.now(),
)
print(str(AccessToken.for_user(owner.user)))
