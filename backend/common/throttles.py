"""Per-client-address and per-network request caps, for any public endpoint (subclasses name the setting)."""

import ipaddress

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from common.exceptions import AddressRateLimited, NetworkRateLimited
from common.ratelimit import parse_rate, rate_count, rate_counters_purge_now_and_then, rate_limit_hits


def client_buckets(ident: str) -> tuple[str, str | None]:
    """The client's address as counted, and its network: the /24 of an IPv4 address, the /64 of an IPv6 one.

    Spellings of one address count as one (an IPv4-mapped IPv6 address is its IPv4 address). Something that
    isn't an address (only a misconfigured proxy would send it) is its own bucket, with no network.
    """
    try:
        address = ipaddress.ip_address(ident.strip())
    except ValueError:
        return ident, None
    if isinstance(address, ipaddress.IPv6Address):
        address = address.ipv4_mapped or address.__class__(int(address))  # int() drops a %zone
    prefix = 24 if address.version == 4 else 64
    return str(address), str(ipaddress.ip_network((address, prefix), strict=False))


class ClientIpThrottle(BaseThrottle):
    """Per-client-address and per-network request caps; the rates are read from settings on every request.

    A convenience against floods: the security limits are the per-phone counters in PostgreSQL.
    The client IP is DRF's get_ident, which honours TRUSTED_PROXY_HOPS (DRF's NUM_PROXIES), so a client-sent
    X-Forwarded-For can't choose its bucket. Each cap is an atomic counter in PostgreSQL (common/ratelimit.py):
    N simultaneous requests from one address let exactly the cap through, across every process; both caps are
    counted in one statement (rate_limit_hits). A refused request raises the 429 itself (`ip_rate_limit` or
    `network_rate_limit`) and costs no budget.
    """

    scope = ""
    setting_name = ""

    def caps(self, request) -> list[tuple[str, int, int]]:
        """The client's counters as (key, limit, window seconds): its address's, then its network's (if any)."""
        address, network = client_buckets(self.get_ident(request))
        limit, window = parse_rate(getattr(settings, self.setting_name))
        # The window is in the key, so changing a rate's period never reads another period's count.
        caps = [(f"{self.scope}:ip:{window}:{address}", limit, window)]
        if network is not None:
            network_limit, network_window = parse_rate(getattr(settings, f"{self.setting_name}_NETWORK"))
            caps.append((f"{self.scope}:net:{network_window}:{network}", network_limit, network_window))
        return caps

    def allow_request(self, request, view) -> bool:
        caps = self.caps(request)
        decisions = rate_limit_hits(caps)  # all or none: a refused request spends neither cap
        for hit, refusal in zip(decisions, (AddressRateLimited, NetworkRateLimited), strict=False):
            if not hit.allowed:
                raise refusal(hit.retry_after)
        # What share_used would read back, as this request's own atomic count saw it: no second read.
        shares = [hit.count / max(limit, 1) for (_, limit, _), hit in zip(caps, decisions, strict=True)]
        setattr(request, self._share_attribute, max(shares))
        rate_counters_purge_now_and_then()
        return True

    @property
    def _share_attribute(self) -> str:
        return f"_throttle_share_{self.scope}"

    def share_used(self, request) -> float:
        """The largest share of its cap that the client's address or network has used in the current window
        (this request included, once the throttle let it through): 0.5 is half. Counts nothing: the throttle's own
        count when it let this request through, else a read."""
        if (share := getattr(request, self._share_attribute, None)) is not None:
            return share
        shares = [
            rate_count(key=key, window_seconds=window) / max(limit, 1) for key, limit, window in self.caps(request)
        ]
        return max(shares)
