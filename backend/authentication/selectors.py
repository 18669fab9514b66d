"""Reads about sign-in codes: how many went out and how many were used, per country and per number prefix."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from authentication.models import OtpCode, SendStatus


@dataclass(frozen=True)
class ConversionRow:
    key: str  # a country (ISO 3166) or a number prefix
    sent: int
    verified: int

    @property
    def conversion(self) -> float | None:
        return self.verified / self.sent if self.sent else None


def otp_conversion(*, since: datetime, group_by: str, limit: int = 50) -> list[ConversionRow]:
    """Codes sent since `since` and how many of them signed someone in, per `group_by` ("country" or
    "prefix"), the most sent first. One query, on the (country|prefix, created_at) indexes' columns.

    A low share of verified codes is the mark of SMS pumping: codes sent to numbers nobody reads.
    """
    if group_by not in ("country", "prefix"):
        raise ValueError(f"group_by must be country or prefix, not {group_by!r}")
    rows = (
        OtpCode.objects.filter(created_at__gte=since, send_status=SendStatus.SENT)
        .values(group_by)
        .annotate(sent=Count("id"), verified=Count("id", filter=Q(used_at__isnull=False)))
        .order_by("-sent", group_by)[:limit]
    )
    return [ConversionRow(row[group_by], row["sent"], row["verified"]) for row in rows]
