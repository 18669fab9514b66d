"""JWTs of a session: what a token's claims must hold, and the request authentication that checks them.

Every token issued at sign-in or by a refresh carries, besides simplejwt's claims, `family`: the id of
the sign-in's TokenFamily. Whether a refresh token is spent (a unique insert into the blacklist) and
whether its family is revoked are decided in services, not here.
"""

import uuid
from dataclasses import dataclass
from functools import lru_cache

from django.core.signals import setting_changed
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken, Token
from rest_framework_simplejwt.utils import aware_utcnow

from authentication.models import TokenFamily
from users.models import User

FAMILY_CLAIM = "family"
# Postgres bigint: a larger id can't be a user, and would fail in the query instead of here.
MAX_USER_ID = 2**63 - 1

# simplejwt's own messages (and translations): clients see the same `detail` as before families existed.
BLACKLISTED = gettext_noop("Token is blacklisted")
INVALID = gettext_noop("Token is invalid")


class SessionRefreshToken(RefreshToken):
    """A refresh token whose signature, expiry and type are checked on construction; its blacklist isn't.

    simplejwt would answer a second use of a spent token with a plain 401; services.token_refresh must see
    it instead, to revoke the token's whole family (theft detection).
    """

    def check_blacklist(self) -> None:
        pass


@dataclass(frozen=True)
class TokenOwner:
    user_id: int
    family_id: uuid.UUID | None


def _user_id(token: Token) -> int:
    value = token.payload.get(api_settings.USER_ID_CLAIM)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if type(value) is not int or not 0 < value <= MAX_USER_ID:
        # Signed by us but not a user id ("1 OR 1=1", a list, a huge number): refused, never queried.
        raise TokenError(_(INVALID))
    return value


def _family_id(token: Token) -> uuid.UUID | None:
    value = token.payload.get(FAMILY_CLAIM)
    if value is None:
        return None
    if not isinstance(value, str):
        raise TokenError(_(INVALID))
    try:
        return uuid.UUID(value)
    except ValueError:
        raise TokenError(_(INVALID)) from None


def token_owner(token: Token) -> TokenOwner:
    """The user and the family a verified token names. Raises TokenError when a claim isn't well formed."""
    return TokenOwner(user_id=_user_id(token), family_id=_family_id(token))


def _with_session_checks(users: QuerySet[User], family_id: uuid.UUID | None) -> QuerySet[User]:
    if family_id is None:
        return users
    live = TokenFamily.objects.filter(pk=family_id, user=OuterRef("pk"), revoked_at=None)
    return users.annotate(session_live=Exists(live))


def _refuse_unless_live(user: User | None, family_id: uuid.UUID | None) -> None:
    """Raise the 401 a request of this token gets: the user is gone or inactive, or its sign-in ended."""
    if user is None:
        raise AuthenticationFailed(_("User not found"), code="user_not_found")
    if not user.is_active:
        raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
    if family_id is not None and not user.session_live:
        raise InvalidToken(_(BLACKLISTED))


class SessionPrincipal:
    """The signed-in user as a verified access token names it, before any query.

    What a view declaring `session_checked_in_query = True` gets as `request.user` for GET: it reads what it needs
    and the session's checks in one query (`with_session_checks` adds them, `refuse_unless_live` enforces them).
    Nothing is skipped: a revoked sign-in, a deleted or an inactive user get the same 401s, in the same query.
    """

    is_authenticated = True
    is_anonymous = False

    def __init__(self, owner: TokenOwner) -> None:
        self.pk = self.id = owner.user_id
        self.family_id = owner.family_id

    def with_session_checks(self, users: QuerySet[User]) -> QuerySet[User]:
        return _with_session_checks(users, self.family_id)

    def session_live_sql(self, user_id_column: str) -> tuple[str, list]:
        """The same check as SQL, for a hand-written query reading the user (`user_id_column` names its id):
        an expression true while the token's sign-in is live, and its parameters."""
        if self.family_id is None:
            return "TRUE", []
        families = connection.ops.quote_name(TokenFamily._meta.db_table)
        return (
            f"EXISTS (SELECT 1 FROM {families} f WHERE f.id = %s AND f.user_id = {user_id_column} "
            "AND f.revoked_at IS NULL)",
            [self.family_id],
        )

    def refuse_unless_live(self, user: User | None) -> None:
        """`user`: None, or what the query read (`is_active` and, for a token of a sign-in, `session_live`)."""
        _refuse_unless_live(user, self.family_id)


# Tokens that verified, by their exact bytes. Signature, type and claims are facts of those bytes, so a token sent
# again isn't decoded and verified again (PyJWT's decoding was the profile read's largest cost in Python). Only a
# token that verified is kept (a refused one raises, and lru_cache keeps no exceptions); its expiry is checked on
# every use, and the session's own checks (a revoked sign-in, an inactive or deleted user) are the database's on
# every request, as before. 4,096 tokens are a few MB.
@lru_cache(maxsize=4096)
def _verified_token(raw_token: bytes) -> Token:
    return JWTAuthentication().get_validated_token(raw_token)


@receiver(setting_changed)
def _forget_verified_tokens(*, setting, **kwargs):
    if setting == "SIMPLE_JWT":
        _verified_token.cache_clear()


class SessionJWTAuthentication(JWTAuthentication):
    """simplejwt's Bearer authentication, plus: an access token dies with its sign-in.

    An access token carrying a `family` claim is refused once that family is revoked (logout, a reused
    refresh token, the user deleted), without waiting for it to expire. Tokens without the claim (minted
    directly by the server, e.g. the bench's seed) are checked as simplejwt does. User and family are read in
    one query; for a GET of a view with `session_checked_in_query = True`, in the view's own query instead
    (request.user is then a SessionPrincipal).
    """

    def authenticate(self, request):
        view = (getattr(request, "parser_context", None) or {}).get("view")
        self.session_checked_by_view = request.method in ("GET", "HEAD") and getattr(
            view, "session_checked_in_query", False
        )
        return super().authenticate(request)

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _verified_token(raw_token)
        try:
            token.check_exp(current_time=aware_utcnow())
        except TokenError:
            return super().get_validated_token(raw_token)  # expired since: refused as simplejwt words it
        return token

    def read_path_principal(self, request) -> SessionPrincipal | None:
        """For a view's read path (common/read_path.py): the principal of the request's Bearer access token, checked
        as authenticate() checks it (header, signature, expiry, type, claims), or None when there is none or it is
        refused; the full path then answers with the same 401 as ever. The session's own checks are the view's
        query's, as for `session_checked_in_query`."""
        self.session_checked_by_view = True  # get_user gives the principal, no query
        try:
            authenticated = JWTAuthentication.authenticate(self, request)
        except AuthenticationFailed:  # InvalidToken included
            return None
        return None if authenticated is None else authenticated[0]

    def get_user(self, validated_token: Token) -> User | SessionPrincipal:
        try:
            owner = token_owner(validated_token)
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        if getattr(self, "session_checked_by_view", False):
            return SessionPrincipal(owner)
        user = _with_session_checks(User.objects.filter(pk=owner.user_id), owner.family_id).first()
        _refuse_unless_live(user, owner.family_id)
        return user


class SessionJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme stays simplejwt's `jwtAuth`."""

    target_class = "authentication.tokens.SessionJWTAuthentication"
