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


class LoginIpThrottle(_ClientIpThrottle):
    scope = "login"
    setting_name = "THROTTLE_LOGIN"


class VerifyIpThrottle(_ClientIpThrottle):
    scope = "verify"
    setting_name = "THROTTLE_VERIFY"
