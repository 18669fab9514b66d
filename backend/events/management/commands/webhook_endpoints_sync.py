"""Write the endpoints of WEBHOOK_URL into the database (run on every start, after migrate)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from events.services import webhook_endpoints_sync


class Command(BaseCommand):
    help = "Create or update the webhook endpoints named in WEBHOOK_URL (each with its secret)."

    def handle(self, *args, **options):
        created, updated = webhook_endpoints_sync(endpoints=settings.WEBHOOK_ENDPOINTS)
        if settings.WEBHOOK_ENDPOINTS:
            self.stdout.write(
                f"webhooks: {len(settings.WEBHOOK_ENDPOINTS)} endpoint(s) from WEBHOOK_URL "
                f"({created} created, {updated} with a new secret)"
            )
