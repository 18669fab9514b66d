"""The product's settings with Django's stock PBKDF2 hasher first: the "before" of tools/bench/admin_flood.py."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
