"""Settings for the test suite: the demo-style environment plus fast password hashing."""

import os

os.environ.setdefault("DEBUG", "true")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# django-axes stays on with the product's limits: it counts failures in the database, which every test
# rolls back (or flushes), so the suite's many logins never add up to a lockout; force_login() is not
# counted at all, and client.login() passes a request (see tests/test_roles.py).
