"""`make demo-reset`: lift every rate limit of a demo database, keeping its users and referrals."""

from axes.models import AccessAttempt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from authentication.models import OtpCode, OtpFailure
from common.models import RateCounter
from users.models import InviteActivationFailure


class Command(BaseCommand):
    help = (
        "Clear the rate-limit counters of a demo database: the per-address and per-network request counters, "
        "every sign-in code (resend cooldown, codes per day), wrong-code entries, refused invite codes and the "
        "admin's sign-in lockouts. "
        "Users and referrals stay. Refuses unless DJANGO_DEBUG=true."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            # These rows are the product's security limits; wiping them is for a demo, never production.
            raise CommandError("demo_reset runs only with DJANGO_DEBUG=true (it lifts every sign-in limit).")
        with transaction.atomic():
            codes, _ = OtpCode.objects.all().delete()
            failures, _ = OtpFailure.objects.all().delete()
            refused, _ = InviteActivationFailure.objects.all().delete()
            # The admin's wrong passwords (django-axes), which lock an account or an address out of /admin/.
            admin_failures = AccessAttempt.objects.all().delete()[1].get("axes.AccessAttempt", 0)
            RateCounter.objects.all().delete()
        self.stdout.write(
            f"Demo limits reset: per-IP and per-network counters cleared; deleted {codes} sign-in codes, "
            f"{failures} wrong-code entries and {refused} refused invite codes. Users and referrals are kept; ask for "
            "a new code to sign in."
        )
        self.stdout.write(f"Admin sign-in unlocked: deleted {admin_failures} records of wrong passwords.")
