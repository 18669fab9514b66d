"""Invite code alphabet: Crockford's base32, which leaves out the look-alikes I, L, O and U."""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 6
PATTERN = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")
# What people mistype for a digit: O looks like 0, I and L like 1.
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def invite_code_generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def invite_code_normalize(raw: str) -> str:
    """Trim, upper-case and map look-alikes; the result may still be malformed (check `PATTERN`)."""
    return raw.strip().upper().translate(_LOOK_ALIKES)
