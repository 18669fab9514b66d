"""Phone numbers: any common spelling in, E.164 out. The one place that parses them."""

import phonenumbers
from django.conf import settings

# Longer input is refused before parsing: no real spelling of a phone needs more.
PHONE_MAX_INPUT = 32
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


class InvalidPhone(ValueError):
    """Not a valid phone number."""


class NotMobilePhone(InvalidPhone):
    """A valid number that can't receive SMS."""


def phone_normalize(raw: str, *, mobile_only: bool) -> str:
    """The E.164 spelling of `raw`: "+7 916 123-45-67", "8 (916) 123-45-67", "89161234567" and
    "9161234567" all give "+79161234567" (numbers without a country code are read in PHONE_DEFAULT_REGION).

    Raises InvalidPhone, or NotMobilePhone when `mobile_only` and the number can't receive SMS.
    """
    text = raw.strip()
    if not text or len(text) > PHONE_MAX_INPUT:
        raise InvalidPhone(f"Not a valid phone number: {raw!r}")
    try:
        number = phonenumbers.parse(text, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"Not a valid phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"Not a valid phone number: {raw!r}")
    if mobile_only and phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise NotMobilePhone(f"Not a mobile phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_region(e164: str) -> str:
    """The ISO 3166 region of an E.164 number ("RU"); "001" for non-geographic ones (satellite, global services)."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or ""


def sms_region_allowed(e164: str) -> bool:
    """Whether codes may be sent to this number's country: one of OTP_ALLOWED_REGIONS ("*": any country).

    Satellite and other non-geographic numbers (+881 Iridium, +870 Inmarsat) are never allowed: a favourite of
    SMS pumping, where one message can cost dollars.
    """
    region = phone_region(e164)
    if region in ("", "001"):
        return False
    return "*" in settings.OTP_ALLOWED_REGIONS or region in settings.OTP_ALLOWED_REGIONS
