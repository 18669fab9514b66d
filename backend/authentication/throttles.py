from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _ClientIpThrottle(SimpleRateThrottle):
    """Per-client-IP request cap; the rate is read from settings on every request.

    A convenience against floods: the security limits are the per-phone counters in PostgreSQL.
    The client IP honours TRUSTED_PROXY_HOPS (DRF's NUM_PROXIES), so a client-sent
    X-Forwarded-For can't choose its bucket.
    """

    setting_name = ""

    def get_rate(self):
        return getattr(settings, self.setting_name)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def wait(self):
        """Seconds until the next request is allowed: when the num_requests-th newest one on record
        leaves the window. DRF's own answer is None when more requests are on record than the rate
        allows now (the rate was lowered, or another instance on the same cache runs a higher one),
        which the client would read as "try again at once"."""
        if len(self.history) >= self.num_requests:
            return max(1.0, self.duration - (self.now - self.history[self.num_requests - 1]))
        return super().wait()


class LoginIpThrottle(_ClientIpThrottle):
    scope = "login"
    setting_name = "THROTTLE_LOGIN"


class VerifyIpThrottle(_ClientIpThrottle):
    scope = "verify"
    setting_name = "THROTTLE_VERIFY"
