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


def otp_conversion_of(
    *, prefix: str, prefix_since: datetime, country: str | None, country_since: datetime
) -> tuple[ConversionRow, ConversionRow | None]:
    """Codes sent and used for one number prefix since `prefix_since` and one country since `country_since`
    (None: don't count a country). One query, an index scan per part on the (prefix|country, created_at) indexes:
    its cost grows with the sends of that prefix and country in the window, which SMS_BUDGET_PER_HOUR bounds.
    """
    of_prefix = Q(prefix=prefix, created_at__gt=prefix_since)
    used = Q(used_at__isnull=False)
    groups = {"prefix": of_prefix}
    if country:
        groups["country"] = Q(country=country, created_at__gt=country_since)
    of_any = Q()
    aggregates = {}
    for name, of_group in groups.items():
        of_any |= of_group
        aggregates[f"{name}_sent"] = Count("id", filter=of_group)
        aggregates[f"{name}_verified"] = Count("id", filter=of_group & used)
    counts = OtpCode.objects.filter(of_any, send_status=SendStatus.SENT).aggregate(**aggregates)
    by_prefix = ConversionRow(prefix, counts["prefix_sent"], counts["prefix_verified"])
    by_country = ConversionRow(country, counts["country_sent"], counts["country_verified"]) if country else None
    return by_prefix, by_country
