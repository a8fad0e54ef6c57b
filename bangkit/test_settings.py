"""Settings for the test suite: fast hashing, local mail, no HTTPS redirects."""

import os

os.environ.setdefault("BANGKIT_TESTING", "1")

from bangkit.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
NIK_HASH_KEY = "test-nik-key"
# Tests never run collectstatic: let WhiteNoise look files up per request instead of
# scanning (and warning about) a missing STATIC_ROOT each time a test client starts.
WHITENOISE_AUTOREFRESH = True
