from common.throttles import ClientIpThrottle


class LoginIpThrottle(ClientIpThrottle):
    scope = "login"
    setting_name = "THROTTLE_LOGIN"


class VerifyIpThrottle(ClientIpThrottle):
    scope = "verify"
    setting_name = "THROTTLE_VERIFY"
