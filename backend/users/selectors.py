"""Reads about users and referrals."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import CharField, Count, DateField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from common.db.prepared import prepared_cursor
from users.models import InviteOpen, User

PROFILE_REFERRALS_LIMIT = 100
STATS_DAYS = 30
TOP_REFERRERS_LIMIT = 50


@dataclass(frozen=True)
class Profile:
    phone: str
    invite_code: str
    foreign_invite_code: str | None
    activated_your_code: list[str]
    activated_your_code_count: int


def referral_list(*, user: User) -> QuerySet[User]:
    """Users who activated `user`'s invite code, newest first (served by the user_referrals_newest index)."""
    return User.objects.filter(referred_by_id=user.pk).order_by("-activated_at", "-id")


# GET /api/profile/'s one statement: the user, the code it activated (a primary-key lookup: as a LEFT JOIN the
# planner chose a merge join that walks the primary key from its start up to the referrer's id, 21 ms with 120,000
# users), its newest referral phones (an index range scan of user_referrals_newest) and the session's check. Written
# out because this is the hottest read: the ORM spent more CPU building it than PostgreSQL spends running it;
# prepared, because planning it cost PostgreSQL more than running it (common/db/prepared.py). The LIMIT is written
# in, not a parameter: with it unknown, the generic plan's estimate (a tenth of a popular referrer's referrals) looked
# far costlier than a custom plan's, so PostgreSQL planned the statement anew on every execution.
_PROFILE_SQL = """
SELECT u.phone, u.invite_code, u.referrals_count, u.is_active,
       (SELECT r.invite_code FROM {users} r WHERE r.id = u.referred_by_id), {session_live},
       ARRAY(SELECT p.phone FROM {users} p WHERE p.referred_by_id = u.id
             ORDER BY p.activated_at DESC, p.id DESC LIMIT {limit:d})
FROM {users} u
WHERE u.id = %s
"""


@dataclass(frozen=True)
class _ProfileRow:
    phone: str
    invite_code: str
    referrals_count: int
    is_active: bool
    foreign_invite_code: str | None
    session_live: bool
    phones: list[str]


def profile_read_statement(*, session) -> tuple[str, list]:
    """profile_read's statement and its parameters (PostgreSQL)."""
    live, live_params = session.session_live_sql("u.id")
    sql = _PROFILE_SQL.format(
        session_live=live, users=connection.ops.quote_name(User._meta.db_table), limit=PROFILE_REFERRALS_LIMIT
    )
    return sql, [*live_params, session.pk]


def profile_read(*, session) -> Profile:
    """The signed-in user's profile in one query, with the session's checks (`session`: the token's principal,
    which provides and enforces them; raises its 401s): the user, the code it activated and its first
    PROFILE_REFERRALS_LIMIT referral phones."""
    if connection.vendor != "postgresql":  # make run on SQLite: the ORM's way, in a few queries
        user = session.with_session_checks(User.objects.filter(pk=session.pk)).first()
        session.refuse_unless_live(user)
        return profile_get(user=user)
    with prepared_cursor() as cursor:
        cursor.execute(*profile_read_statement(session=session))
        found = cursor.fetchone()
    row = _ProfileRow(*found) if found else None
    session.refuse_unless_live(row)
    return Profile(
        phone=row.phone,
        invite_code=row.invite_code,
        foreign_invite_code=row.foreign_invite_code,
        activated_your_code=list(row.phones),
        activated_your_code_count=row.referrals_count,
    )


def _referral_phones(user: User) -> list[str]:
    return list(referral_list(user=user).values_list("phone", flat=True)[:PROFILE_REFERRALS_LIMIT])


def profile_get(*, user: User) -> Profile:
    """The profile with at most 100 referral phones; the count is the stored total (no COUNT(*))."""
    foreign_invite_code = None
    if user.referred_by_id is not None:
        foreign_invite_code = User.objects.values_list("invite_code", flat=True).get(pk=user.referred_by_id)
    return Profile(
        phone=user.phone,
        invite_code=user.invite_code,
        foreign_invite_code=foreign_invite_code,
        activated_your_code=_referral_phones(user),
        activated_your_code_count=user.referrals_count,
    )


# ---- The referral funnel: opens of a share link → sign-ups through it → activations of its code ----


@dataclass(frozen=True)
class FunnelDay:
    date: date  # a UTC day
    opens: int
    sign_ups: int
    activations: int


@dataclass(frozen=True)
class FunnelTotals:
    opens: int
    sign_ups: int
    activations: int


@dataclass(frozen=True)
class ReferralStats:
    totals: FunnelTotals  # since the beginning
    days: list[FunnelDay]  # the last STATS_DAYS UTC days, oldest first, today last, days with nothing included


def utc_days(*, first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def utc_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _per_day(queryset: QuerySet, *, field: str, kind: str) -> QuerySet:
    """(kind, UTC day, count) rows of `queryset`, grouped by the UTC day of `field`."""
    return (
        queryset.annotate(kind=Value(kind, output_field=CharField()), day=TruncDate(field, tzinfo=UTC))
        .values("kind", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _total(queryset: QuerySet, *, kind: str) -> QuerySet:
    """One (kind, NULL, count) row: all of `queryset`."""
    return (
        queryset.annotate(kind=Value(kind, output_field=CharField()), day=Value(None, output_field=DateField()))
        .values("kind", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _funnel(parts: list[QuerySet], *, first: date, last: date) -> tuple[dict[str, int], list[FunnelDay]]:
    """Run `parts` (_per_day and _total rows) as one UNION ALL query; the totals by kind, and one FunnelDay per day
    from `first` to `last` (zeros where nothing happened)."""
    head, *rest = parts
    counts: dict[tuple[str, date | None], int] = {}
    for row in head.union(*rest, all=True):
        counts[(row["kind"], row["day"])] = row["n"]
    totals = {kind: n for (kind, day), n in counts.items() if day is None}
    days = [
        FunnelDay(
            date=day,
            opens=counts.get(("opens", day), 0),
            sign_ups=counts.get(("sign_ups", day), 0),
            activations=counts.get(("activations", day), 0),
        )
        for day in utc_days(first=first, last=last)
    ]
    return totals, days


def referral_stats_get(*, user: User, today: date | None = None) -> ReferralStats:
    """`user`'s share link: its opens, the sign-ups through it and the activations of its code, in total and per
    UTC day for the last STATS_DAYS days (today included). One query (a UNION ALL of index range scans on
    invite_open_inviter_time, user_joined_via_time and user_referrals_newest); the activations' total is the
    stored referrals_count."""
    last = today or timezone.now().astimezone(UTC).date()
    first = last - timedelta(days=STATS_DAYS - 1)
    since = utc_day_start(first)
    opens = InviteOpen.objects.filter(inviter_id=user.pk)
    sign_ups = User.objects.filter(joined_via_id=user.pk)
    activations = User.objects.filter(referred_by_id=user.pk)
    totals, days = _funnel(
        [
            _per_day(opens.filter(opened_at__gte=since), field="opened_at", kind="opens"),
            _per_day(sign_ups.filter(date_joined__gte=since), field="date_joined", kind="sign_ups"),
            _per_day(activations.filter(activated_at__gte=since), field="activated_at", kind="activations"),
            _total(opens, kind="opens"),
            _total(sign_ups, kind="sign_ups"),
        ],
        first=first,
        last=last,
    )
    return ReferralStats(
        totals=FunnelTotals(
            opens=totals.get("opens", 0), sign_ups=totals.get("sign_ups", 0), activations=user.referrals_count
        ),
        days=days,
    )


def program_funnel(*, first: date, last: date) -> list[FunnelDay]:
    """The whole program per UTC day from `first` to `last`: share links opened, sign-ups through a link, codes
    activated. One query (a UNION ALL of index range scans on invite_open_time, user_link_signups_time and
    user_activations_time)."""
    since, until = utc_day_start(first), utc_day_start(last + timedelta(days=1))
    _, days = _funnel(
        [
            _per_day(
                InviteOpen.objects.filter(opened_at__gte=since, opened_at__lt=until), field="opened_at", kind="opens"
            ),
            _per_day(
                User.objects.filter(joined_via__isnull=False, date_joined__gte=since, date_joined__lt=until),
                field="date_joined",
                kind="sign_ups",
            ),
            _per_day(
                User.objects.filter(activated_at__gte=since, activated_at__lt=until),
                field="activated_at",
                kind="activations",
            ),
        ],
        first=first,
        last=last,
    )
    return days


@dataclass(frozen=True)
class TopReferrer:
    user_id: int
    phone: str
    invite_code: str
    activations: int
    sign_ups: int
    opens: int

    @property
    def sign_up_rate(self) -> float | None:
        """Sign-ups through the link per open of it."""
        return self.sign_ups / self.opens if self.opens else None

    @property
    def conversion(self) -> float | None:
        """Activations per open of the link. It may pass 100 %: a code can be typed without opening its link."""
        return self.activations / self.opens if self.opens else None


def top_referrers(*, first: date, last: date, limit: int = TOP_REFERRERS_LIMIT) -> list[TopReferrer]:
    """The referrers with the most activations of their code in the UTC days `first`..`last`, with their link's
    opens and sign-ups in those days. Two queries: the ranking (a range scan of the activations, grouped by referrer,
    then the kept referrers' phones and codes read by primary key), and the opens and sign-ups of those `limit`
    referrers (range scans on invite_open_inviter_time and user_joined_via_time)."""
    since, until = utc_day_start(first), utc_day_start(last + timedelta(days=1))
    referrer = User.objects.filter(pk=OuterRef("referred_by_id"))
    ranking = list(
        User.objects.filter(activated_at__gte=since, activated_at__lt=until)
        .values("referred_by_id")
        .annotate(activations=Count("pk"))
        # Read for the `limit` rows kept only (PostgreSQL evaluates these after the sort and the limit), not joined
        # to every activation before grouping.
        .annotate(
            referred_by__phone=Subquery(referrer.values("phone")),
            referred_by__invite_code=Subquery(referrer.values("invite_code")),
        )
        .order_by("-activations", "referred_by_id")[:limit]
    )
    ids = [row["referred_by_id"] for row in ranking]
    counts: dict[tuple[str, int], int] = {}
    if ids:
        in_period = Q(inviter_id__in=ids, opened_at__gte=since, opened_at__lt=until)
        opens = (
            InviteOpen.objects.filter(in_period)
            .annotate(kind=Value("opens", output_field=CharField()))
            .values("kind", "inviter_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        sign_ups = (
            User.objects.filter(joined_via_id__in=ids, date_joined__gte=since, date_joined__lt=until)
            .annotate(kind=Value("sign_ups", output_field=CharField()))
            .values("kind", "joined_via_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in opens.union(sign_ups, all=True):
            counts[(row["kind"], row["inviter_id"])] = row["n"]
    return [
        TopReferrer(
            user_id=row["referred_by_id"],
            phone=row["referred_by__phone"],
            invite_code=row["referred_by__invite_code"],
            activations=row["activations"],
            sign_ups=counts.get(("sign_ups", row["referred_by_id"]), 0),
            opens=counts.get(("opens", row["referred_by_id"]), 0),
        )
        for row in ranking
    ]
