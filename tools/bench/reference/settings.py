"""A plain Django + DRF project serving a profile endpoint the way a typical implementation does: the reference
`make bench` measures ours against, on the same machine in the same run (not part of the product).

What "typical" means here: Django's startproject middleware, DRF with simplejwt's stock JWTAuthentication (it
reads the user from the database on every request), a ModelSerializer-free view with two ORM queries (the
profile and its first 100 referrals), PostgreSQL through psycopg2 with persistent connections
(CONN_MAX_AGE, as Django's docs suggest), gunicorn with sync workers, 2 x cores + 1 of them (gunicorn's docs).
"""

import os

import dj_database_url

SECRET_KEY = os.environ["REFERENCE_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "reference.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "reference",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
DATABASES = {"default": dj_database_url.parse(os.environ["REFERENCE_DATABASE_URL"], conn_max_age=60)}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
