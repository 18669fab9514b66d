import itertools

import factory
from django.utils import timezone

from users.invite_codes import ALPHABET, LENGTH
from users.models import User

_numbers = itertools.count(1)
_codes = itertools.count(12345)


def sequential_invite_code() -> str:
    """Unique, valid invite codes for test data (random ones could collide in big batches)."""
    n, chars = next(_codes), []
    for _ in range(LENGTH):
        n, digit = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    phone = factory.LazyFunction(lambda: f"+7903{next(_numbers):07d}")
    invite_code = factory.LazyFunction(sequential_invite_code)
    password = "!unusable"


def referrals_bulk_create(*, referrer: User, count: int) -> list[User]:
    """`count` users who activated `referrer`'s code, one second apart (newest last), in one insert."""
    start = timezone.now() - timezone.timedelta(days=1)
    users = [
        User(
            phone=f"+7905{next(_numbers):07d}",
            invite_code=sequential_invite_code(),
            password="!unusable",
            referred_by=referrer,
            activated_at=start + timezone.timedelta(seconds=i),
        )
        for i in range(count)
    ]
    created = User.objects.bulk_create(users, batch_size=2000)
    User.objects.filter(pk=referrer.pk).update(referrals_count=referrer.referrals_count + count)
    referrer.refresh_from_db()
    return created
