from common.throttles import ClientIpThrottle


class InviteOpenIpThrottle(ClientIpThrottle):
    """Bounds how many opens one address (and its /24 or /64) can make up with fresh browser ids."""

    scope = "invite-open"
    setting_name = "THROTTLE_INVITE_OPEN"
