"""The per-address cap of the one public endpoint of this app, POST /api/invites/{code}/open/."""

import ipaddress

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from common.ratelimit import parse_rate, rate_counters_purge_now_and_then, rate_limit_hit
from users.exceptions import InviteOpenRateLimited


def _client_bucket(ident: str) -> str:
    """An IPv4 address, or the /64 of an IPv6 one (one subscriber's, where every address is as cheap as the next)."""
    try:
        address = ipaddress.ip_address(ident.strip())
    except ValueError:
        return ident
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network((int(address), 64), strict=False))
    return str(address)


class InviteOpenIpThrottle(BaseThrottle):
    """THROTTLE_INVITE_OPEN requests per client address (DRF's get_ident: TRUSTED_PROXY_HOPS decides how far
    X-Forwarded-For is believed), counted by an atomic counter in PostgreSQL (common/ratelimit.py), so exact across
    processes. It bounds how many opens one address can make up with fresh browser ids; a refusal is a 429
    `ip_rate_limit` and costs nothing."""

    def allow_request(self, request, view) -> bool:
        limit, window = parse_rate(settings.THROTTLE_INVITE_OPEN)
        key = f"invite-open:ip:{window}:{_client_bucket(self.get_ident(request))}"
        hit = rate_limit_hit(key=key, limit=limit, window_seconds=window)
        if not hit.allowed:
            raise InviteOpenRateLimited(hit.retry_after)
        rate_counters_purge_now_and_then()
        return True
